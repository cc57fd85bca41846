# syntax=docker/dockerfile:1
# One image for the operator and the runtime: `sluice operator | ingest | deliver`. Node 24
# runs the TypeScript sources directly (type stripping), so there is no build step.
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
ENV NODE_ENV=production \
    HOME=/tmp
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY crds/ ./crds/
COPY operator/ ./operator/
COPY runtime/ ./runtime/
# The distroless "nonroot" uid; the pods the operator creates run as it too.
USER 65532:65532
# The chart's operator container repeats this as its command, with --max-semi-space-size=8.
ENTRYPOINT ["node", "runtime/src/cli/main.ts"]
