#!/usr/bin/env bash
# Builds the tools that tests check envmesh's output with (kustomize: the export's kustomizations must build as
# Argo CD and Flux build them), each from its wrapper module beside this script (the package its tools.go
# imports), into a cache folder keyed by that module, and links each into the bin folder given as $1. Kept apart
# from build-binaries.sh, whose key covers its own wrappers: adding a checker does not rebuild the control plane.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${ENVMESH_CACHE:-$HOME/.cache/envmesh}/check
bin=$1
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
mkdir -p "$cache"

for wrapper in "$here"/*/; do
  name=$(basename "$wrapper")
  key=$( { go version; cat "$wrapper/go.mod" "$wrapper/go.sum"; } | sha256sum | cut -c1-16)
  out="$cache/$name-$key"
  if [ ! -x "$out" ]; then
    pkg=$(sed -n 's/^import _ "\(.*\)"$/\1/p' "$wrapper/tools.go")
    echo "bootstrap: building $name" >&2
    (cd "$wrapper" && go build -trimpath -ldflags "-s -w" -o "$out.tmp" "$pkg")
    mv "$out.tmp" "$out"
  fi
  ln -sfn "$out" "$bin/$name"
done
