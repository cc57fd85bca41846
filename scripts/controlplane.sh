#!/usr/bin/env bash
# Builds the real Kubernetes control plane the integration tests start (see
# test/controlplane/index.ts): kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl, etcd, helm and kwok, from the pinned wrapper modules in test/controlplane/.
#
#   scripts/controlplane.sh build     build every binary that is missing or stale (idempotent)
#   scripts/controlplane.sh path      print the directory holding the binaries
#   scripts/controlplane.sh version   print the Kubernetes version the binaries are built from
#   scripts/controlplane.sh status    exit 0 when every binary is up to date, 1 otherwise
#
# Binaries go to ${SLUICE_CACHE:-~/.cache/sluice}/controlplane/<k8s version>/bin. Each one
# carries a stamp keyed on a hash of the wrapper modules' go.mod/go.sum and the build recipe,
# so a warm run does no Go work at all, and an interrupted cold run resumes where it stopped.
# Go's module and build caches stay at their defaults (outside the repository).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mod="$root/test/controlplane"
kwok_mod="$mod/kwok"

# Versions come from the committed go.mod files, so they can never drift from what is built.
modver() { awk -v m="$1" '$1 == "require" { $1 = ""; $0 = $0 } $1 == m && $2 ~ /^v/ { print $2; exit }' "$2"; }
k8s_version=$(modver k8s.io/kubernetes "$mod/go.mod")
helm_version=$(modver helm.sh/helm/v3 "$mod/go.mod")
etcd_version=$(modver go.etcd.io/etcd/server/v3 "$mod/go.mod")
kwok_version=$(modver sigs.k8s.io/kwok "$kwok_mod/go.mod")
if [ -z "$k8s_version" ] || [ -z "$helm_version" ] || [ -z "$etcd_version" ] || [ -z "$kwok_version" ]; then
  echo "controlplane: cannot read the pinned versions from $mod/go.mod and $kwok_mod/go.mod" >&2
  exit 2
fi

cache="${SLUICE_CACHE:-$HOME/.cache/sluice}"
dir="$cache/controlplane/$k8s_version"
bin="$dir/bin"

k8s_major=${k8s_version#v}; k8s_major=${k8s_major%%.*}
k8s_minor=${k8s_version#v*.}; k8s_minor=${k8s_minor%%.*}

# The build recipe: "name|module dir (under test/controlplane)|package|ldflags". Changing any
# of it changes the stamps; it holds no absolute paths, so checkouts can share the cache.
k8s_ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=$k8s_major"
  k8s_ldflags+=" -X $pkg.gitMinor=$k8s_minor -X $pkg.gitTreeState=clean"
done
helm_ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$helm_version"
helm_ldflags+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
  helm_ldflags+=" -X $pkg.k8sVersionMajor=$k8s_major -X $pkg.k8sVersionMinor=$k8s_minor"
done
# etcd and kwok carry their version in source (go.etcd.io/etcd/api/v3/version.Version,
# sigs.k8s.io/kwok/pkg/consts.Version); only the git sha is unknown outside their release
# scripts, so etcd's is set to the tag.
etcd_ldflags="-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$etcd_version"
kwok_ldflags="-s -w"

recipe=(
  "kube-apiserver|.|k8s.io/kubernetes/cmd/kube-apiserver|$k8s_ldflags"
  "kube-controller-manager|.|k8s.io/kubernetes/cmd/kube-controller-manager|$k8s_ldflags"
  "kube-scheduler|.|k8s.io/kubernetes/cmd/kube-scheduler|$k8s_ldflags"
  "kubectl|.|k8s.io/kubernetes/cmd/kubectl|$k8s_ldflags"
  "etcd|.|go.etcd.io/etcd/server/v3|$etcd_ldflags"
  "helm|.|helm.sh/helm/v3/cmd/helm|$helm_ldflags"
  "kwok|kwok|sigs.k8s.io/kwok/cmd/kwok|$kwok_ldflags"
)

go_flags="-trimpath -buildvcs=false -mod=readonly"

# One hash for the whole recipe: module files, flags, and this recipe's text (not the
# script's comments, so editing prose here does not trigger a 30-minute rebuild).
stamp_key() {
  {
    cat "$mod/go.mod" "$mod/go.sum" "$kwok_mod/go.mod" "$kwok_mod/go.sum"
    printf '%s\n' "CGO_ENABLED=0" "GOFLAGS=$go_flags" "${recipe[@]}"
  } | sha256sum | cut -c1-16
}

stale=()   # names of binaries that need building
check() {
  local key line name
  key=$(stamp_key)
  stale=()
  for line in "${recipe[@]}"; do
    name=${line%%|*}
    if [ ! -x "$bin/$name" ] || [ "$(cat "$bin/.$name.stamp" 2>/dev/null)" != "$key" ] ||
      { [ "$name" = kwok ] && [ ! -s "$bin/kwok-stages.yaml" ]; }; then
      stale+=("$name")
    fi
  done
}

find_go() {
  if command -v go >/dev/null 2>&1; then return; fi
  if [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; return; fi
  echo "controlplane: Go is required to build the control plane (https://go.dev/dl/); none found on PATH" >&2
  exit 2
}

# kwok does nothing without Stage objects; keep kwokctl's defaults (nodes become Ready and
# renew leases, pods become Running, finish and are deleted) beside the binary, taken from the
# very module version that was built.
kwok_stages=(
  node/fast/node-initialize.yaml
  node/heartbeat-with-lease/node-heartbeat-with-lease.yaml
  pod/fast/pod-ready.yaml
  pod/fast/pod-complete.yaml
  pod/fast/pod-delete.yaml
)
install_kwok_stages() {
  local src f
  src=$(cd "$kwok_mod" && GOWORK=off GOFLAGS=-mod=readonly go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
  for f in "${kwok_stages[@]}"; do
    echo "---"
    cat "$src/kustomize/stage/$f"
  done >"$bin/.kwok-stages.partial"
  mv -f "$bin/.kwok-stages.partial" "$bin/kwok-stages.yaml"
}

fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

build() {
  check
  if [ ${#stale[@]} -eq 0 ]; then
    echo "controlplane: Kubernetes $k8s_version, etcd $etcd_version, helm $helm_version, kwok $kwok_version up to date in $bin"
    return 0
  fi
  find_go
  mkdir -p "$bin"
  # Serialise concurrent builds (parallel make jobs, two CI steps): the second waits, then
  # finds everything up to date.
  exec 9>"$dir/.lock"
  if command -v flock >/dev/null 2>&1; then
    flock 9
    check
    if [ ${#stale[@]} -eq 0 ]; then
      echo "controlplane: up to date in $bin (built by a concurrent run)"
      return 0
    fi
  fi

  local key total i=0 line name moddir pkg ldflags start t0 secs
  key=$(stamp_key)
  total=${#stale[@]}
  echo "controlplane: building Kubernetes $k8s_version, etcd $etcd_version, helm $helm_version, kwok $kwok_version into $bin"
  echo "controlplane: $(go version); with cold Go caches this downloads ~1 GB of modules and compiles for 5-15 minutes on 2 cores"
  start=$SECONDS
  for line in "${recipe[@]}"; do
    IFS='|' read -r name moddir pkg ldflags <<<"$line"
    case " ${stale[*]} " in *" $name "*) ;; *) continue ;; esac
    i=$((i + 1))
    echo "controlplane: building $name ($i/$total)…"
    t0=$SECONDS
    rm -f "$bin/.$name.stamp"
    (
      cd "$mod/$moddir"
      CGO_ENABLED=0 GOFLAGS="$go_flags" GOWORK=off \
        go build -ldflags "$ldflags" -o "$bin/.$name.partial" "$pkg"
    )
    mv -f "$bin/.$name.partial" "$bin/$name"
    if [ "$name" = kwok ]; then install_kwok_stages; fi
    echo "$key" >"$bin/.$name.stamp"
    secs=$((SECONDS - t0))
    echo "controlplane: built $name in $(fmt_secs "$secs")"
  done
  echo "controlplane: done in $(fmt_secs $((SECONDS - start))); binaries in $bin"
}

case "${1:-}" in
  build) build ;;
  path) echo "$bin" ;;
  version) echo "$k8s_version" ;;
  status)
    check
    if [ ${#stale[@]} -eq 0 ]; then exit 0; fi
    echo "controlplane: missing or stale: ${stale[*]} (run: make controlplane)" >&2
    exit 1
    ;;
  *)
    echo "usage: $0 build|path|version|status" >&2
    exit 2
    ;;
esac
