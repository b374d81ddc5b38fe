#!/usr/bin/env bash
# make dev: the portal (backend on SQLite + front end) against a fresh local cluster. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bootstrap.sh
yarn install
. scripts/portal.sh
trap 'echo; echo "stopping..."; stop_portal; exit 0' INT TERM
trap 'stop_portal' EXIT
start_portal || { tail -n 40 "$ENVMESH_LOCAL/portal.log" >&2; exit 1; }
cat <<MSG

  envmesh is running
    portal      http://localhost:${PORTAL_APP_PORT}
    backend     http://localhost:${PORTAL_BACKEND_PORT}
    kubeconfig  $KUBECONFIG_PATH     (kubectl --kubeconfig $KUBECONFIG_PATH get nodes)
    logs        $ENVMESH_LOCAL/portal.log, $ENVMESH_LOCAL/local-cluster.log

  Ctrl-C stops the portal and the cluster.
MSG
wait
