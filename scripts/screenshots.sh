#!/usr/bin/env bash
# make screenshots: starts the portal on free ports (as make test does), runs the browser smoke test with its
# screenshots going to docs/screenshots/, and stops the portal.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bootstrap.sh
ENVMESH_LOCAL=$PWD/.local/screenshots-portal
free_port() { node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
PORTAL_APP_PORT=$(free_port) PORTAL_BACKEND_PORT=$(free_port)
export PLAYWRIGHT_URL=http://localhost:$PORTAL_APP_PORT
export ENVMESH_SCREENSHOTS=$PWD/docs/screenshots
. scripts/portal.sh
trap stop_portal EXIT
start_portal
yarn playwright test --reporter=list
