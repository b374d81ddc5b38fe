#!/usr/bin/env bash
# Builds the local control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok), helm and
# envmesh-helm-renderer (helm template as a long-lived process, tools/helm/renderer) from the wrapper modules
# beside this script into a cache folder outside the clone. The folder is keyed by the Go version, the wrapper
# modules and the renderer's source, so a second run with nothing changed only checks that the files exist.
# Prints the bin folder on its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${ENVMESH_CACHE:-$HOME/.cache/envmesh}
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

key=$( { go version; cat "$here"/*/go.mod "$here"/*/go.sum "$here"/helm/renderer/*.go "$0"; } | sha256sum | cut -c1-16)
bin="$cache/bin/$key"
mkdir -p "$bin"

k8s_version=$(grep -Eo 'k8s.io/kubernetes v[0-9.]+' "$here/k8s/go.mod" | head -1 | cut -d' ' -f2)
[ -n "$k8s_version" ] || { echo "no k8s.io/kubernetes version in tools/k8s/go.mod" >&2; exit 1; }
k8s_minor=$(echo "$k8s_version" | cut -d. -f2)
k8s_ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$k8s_version \
  -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$k8s_minor \
  -X k8s.io/client-go/pkg/version.gitVersion=$k8s_version"

# build <name> <wrapper> <ldflags> <package>: one binary, skipped when already built.
build() {
  local name=$1 wrapper=$2 ldflags=$3 pkg=$4
  if [ -x "$bin/$name" ]; then return; fi
  echo "bootstrap: building $name (cold builds take minutes)" >&2
  (cd "$here/$wrapper" && go build -trimpath -ldflags "$ldflags" -o "$bin/$name.tmp" "$pkg")
  mv "$bin/$name.tmp" "$bin/$name"
}

build etcd etcd "-s -w" go.etcd.io/etcd/server/v3
build kwok kwok "-s -w" sigs.k8s.io/kwok/cmd/kwok
# The renderer gets helm's flags: `.Capabilities.HelmVersion` must render the same in both.
helm_ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=v3.21.4"
build helm helm "$helm_ldflags" helm.sh/helm/v3/cmd/helm
build envmesh-helm-renderer helm "$helm_ldflags" ./renderer
build kube-apiserver k8s "$k8s_ldflags" k8s.io/kubernetes/cmd/kube-apiserver
build kube-controller-manager k8s "$k8s_ldflags" k8s.io/kubernetes/cmd/kube-controller-manager
build kube-scheduler k8s "$k8s_ldflags" k8s.io/kubernetes/cmd/kube-scheduler
echo "$bin"
