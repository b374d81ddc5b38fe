#!/usr/bin/env bash
# The page at scale (issue 18, item 4): starts a portal as make test does (local cluster, backend, front end
# on free ports, its own state under .local/portal-scale), runs the Playwright measurement in
# bench/portal-scale/pageScale.spec.ts against it (with the dev server's front end and the production build),
# and stops the portal. Not part of make test.
#
#   bash bench/portal-scale/run.sh            # 300 services and 300 feature branches, against 30 of each
#   PORTAL_SCALE_LARGE=45 PORTAL_SCALE_SMALL=12 PORTAL_SCALE_LOADS=2 PORTAL_SCALE_OUT=/tmp/smoke.md \
#     bash bench/portal-scale/run.sh          # a smoke run of a few minutes (PORTAL_SCALE_SMALL > 10)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bootstrap.sh
ENVMESH_LOCAL=$PWD/.local/portal-scale
mkdir -p "$ENVMESH_LOCAL"
free_port() { node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
PORTAL_APP_PORT=$(free_port) PORTAL_BACKEND_PORT=$(free_port)
export PLAYWRIGHT_URL=http://localhost:$PORTAL_APP_PORT
export PORTAL_BACKEND_URL=http://localhost:$PORTAL_BACKEND_PORT
# The generated services repository, imported through the API: the import only reads folders below its roots.
export PORTAL_SCALE_SERVICES_DIR=$ENVMESH_LOCAL/services-repo
rm -rf "$PORTAL_SCALE_SERVICES_DIR"; mkdir -p "$PORTAL_SCALE_SERVICES_DIR"
PORTAL_EXTRA_CONFIG=$ENVMESH_LOCAL/app-config.portal-scale.yaml
cat >"$PORTAL_EXTRA_CONFIG" <<YAML
# Written by bench/portal-scale/run.sh; do not edit.
environments:
  import:
    directoryRoots: [${PWD}/examples, ${PORTAL_SCALE_SERVICES_DIR}]
YAML
# The production build of the front end (about 15 s), which the backend's app-backend plugin then serves on the
# backend's port: measured beside the dev server's development build.
yarn workspace app build >"$ENVMESH_LOCAL/app-build.log" 2>&1 || { tail -n 30 "$ENVMESH_LOCAL/app-build.log"; exit 1; }
. scripts/portal.sh
trap stop_portal EXIT
if ! start_portal; then
  tail -n 60 "$ENVMESH_LOCAL/portal.log" "$ENVMESH_LOCAL/local-cluster.log" 2>/dev/null
  exit 1
fi
yarn playwright test --config bench/portal-scale/playwright.config.ts --reporter=list
