# syntax=docker/dockerfile:1
# One image for the operator and the runtime: `sluice operator | ingest | deliver`. Node 24
# runs the TypeScript sources directly (type stripping), so there is no build step; the
# compile cache below holds them already stripped.
# test/docker/dockerfile.test.ts runs these steps in a temporary directory: keep them plain.

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only. isolated-vm loads its bundled glibc prebuild.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
LABEL org.opencontainers.image.title="sluice" \
      org.opencontainers.image.description="Sluice operator and runtime (ingest, delivery)" \
      org.opencontainers.image.licenses="Apache-2.0"
# Nothing is written outside /tmp (an emptyDir in the pods): the root filesystem can be read-only.
# NODE_COMPILE_CACHE: Node's compile cache, filled below. Processes start from cached,
# already type-stripped code and never load the TypeScript stripper: ~25 MB less resident
# memory per process.
ENV NODE_ENV=production \
    HOME=/tmp \
    NODE_COMPILE_CACHE=/app/.node-compile-cache
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY crds/ ./crds/
COPY operator/ ./operator/
COPY runtime/ ./runtime/
RUN mkdir .node-compile-cache && chown 65532:65532 .node-compile-cache
# The distroless "nonroot" uid; the pods the operator creates run as it too.
USER 65532:65532
# Fill the compile cache as the uid and with the node flags each container runs (both are
# part of its key): the operator as the chart's command runs it, ingest and delivery pods as
# the entry point. Loading a command loads its whole module graph; --help then exits.
RUN node --max-semi-space-size=8 --optimize-for-size runtime/src/cli/main.ts operator --help > /dev/null \
 && node runtime/src/cli/main.ts ingest --help > /dev/null \
 && node runtime/src/cli/main.ts deliver --help > /dev/null
# The chart's operator container repeats this as its command, with its own node flags.
ENTRYPOINT ["node", "runtime/src/cli/main.ts"]
