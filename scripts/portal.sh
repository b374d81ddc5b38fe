# Sourced by dev.sh and test.sh (after bootstrap.sh): starts the local cluster, writes the git-ignored app-config
# that points the portal at it, and starts the portal (backend with SQLite + front end). stop_portal stops all
# of it, cluster processes included.
# shellcheck shell=bash

ENVMESH_LOCAL=${ENVMESH_LOCAL:-$PWD/.local}
PORTAL_APP_PORT=${PORTAL_APP_PORT:-3000}
PORTAL_BACKEND_PORT=${PORTAL_BACKEND_PORT:-7007}
# An optional further config file, read last (bench/portal-scale adds an import directory root with it).
PORTAL_EXTRA_CONFIG=${PORTAL_EXTRA_CONFIG:-}
PORTAL_PIDS=()

start_local_cluster() {
  mkdir -p "$ENVMESH_LOCAL"
  local log=$ENVMESH_LOCAL/local-cluster.log
  rm -f "$ENVMESH_LOCAL/kubeconfig"
  node --require @backstage/cli/config/nodeTransform.cjs packages/local-cluster/src/cli.ts \
    --kubeconfig-out "$ENVMESH_LOCAL/kubeconfig" >"$log" 2>&1 &
  PORTAL_PIDS+=($!)
  local pid=$!
  for _ in $(seq 1 180); do
    if grep -q 'local-cluster: kubeconfig' "$log"; then
      KUBECONFIG_PATH=$ENVMESH_LOCAL/kubeconfig
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 1
  done
  echo "local cluster did not start:" >&2; tail -n 30 "$log" >&2
  return 1
}

# The app and backend URLs and ports of this run, as app-config YAML.
ports_config() {
  cat <<YAML
app:
  baseUrl: http://localhost:${PORTAL_APP_PORT}
backend:
  baseUrl: http://localhost:${PORTAL_BACKEND_PORT}
  listen:
    port: ${PORTAL_BACKEND_PORT}
  cors:
    origin: http://localhost:${PORTAL_APP_PORT}
YAML
}

# The portal's view of the cluster (the Kubernetes plugin's config, which envmesh reads too), the helm binary,
# and the seed: the example services and the demo-dev environment.
write_cluster_config() {
  local server token
  server=$(awk '/server:/ {print $2; exit}' "$KUBECONFIG_PATH")
  token=$(awk '/token:/ {print $2; exit}' "$KUBECONFIG_PATH")
  PORTAL_CONFIG=$ENVMESH_LOCAL/app-config.local-cluster.yaml
  {
    echo "# Written by scripts/portal.sh for the local cluster of this run; do not edit."
    ports_config
    cat <<YAML
  database:
    client: better-sqlite3
    connection:
      directory: ${ENVMESH_LOCAL}/sqlite
kubernetes:
  serviceLocatorMethod:
    type: multiTenant
  clusterLocatorMethods:
    - type: config
      clusters:
        - name: local
          title: Local cluster (kwok)
          url: ${server}
          authProvider: serviceAccount
          serviceAccountToken: ${token}
          skipTLSVerify: true
          skipMetricsLookup: true
search:
  # The seed creates the environments after the backend starts: re-index them soon, not in 10 minutes.
  collators:
    environments:
      schedule: { frequency: { seconds: 30 }, timeout: { minutes: 5 }, initialDelay: { seconds: 5 } }
    featureBranches:
      schedule: { frequency: { seconds: 30 }, timeout: { minutes: 5 }, initialDelay: { seconds: 5 } }
environments:
  helm:
    binary: ${ENVMESH_BIN_DIR}/helm
  import:
    directoryRoots: [${PWD}/examples]
  seed:
    services:
      type: directory
      location: ${PWD}/examples
    environments:
      - ${PWD}/examples/environments/demo-dev.yaml
    features:
      - ${PWD}/examples/features/feature-31337.yaml
    generateSecretValues: true
  features:
    # The kwok node pool reserved for feature instances (see packages/local-cluster).
    placement:
      nodeSelector:
        envmesh.io/node-pool: feature
      tolerations:
        - key: envmesh.io/node-pool
          operator: Equal
          value: feature
          effect: NoSchedule
YAML
  } >"$PORTAL_CONFIG"
}

wait_http() {
  local url=$1 what=$2 tries=${3:-300}
  for _ in $(seq 1 "$tries"); do
    if curl -sf -o /dev/null "$url"; then return 0; fi
    sleep 1
  done
  echo "$what did not answer at $url" >&2
  return 1
}

start_portal() {
  start_local_cluster || return 1
  write_cluster_config
  rm -rf "$ENVMESH_LOCAL/sqlite"; mkdir -p "$ENVMESH_LOCAL/sqlite"
  # setsid: the portal's process tree gets a process group of its own (its leader's pid goes to a file), so
  # stop_portal can end all of it.
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' portal "$ENVMESH_LOCAL/portal.pgid" \
    yarn start --config "$PWD/app-config.yaml" --config "$PORTAL_CONFIG" \
    ${PORTAL_EXTRA_CONFIG:+--config "$PORTAL_EXTRA_CONFIG"} >"$ENVMESH_LOCAL/portal.log" 2>&1 &
  PORTAL_PIDS+=($!)
  wait_http "http://localhost:${PORTAL_BACKEND_PORT}/.backstage/health/v1/readiness" "the backend" || return 1
  wait_http "http://localhost:${PORTAL_APP_PORT}" "the front end" || return 1
}

stop_portal() {
  local pid
  if [ -s "$ENVMESH_LOCAL/portal.pgid" ]; then
    kill -TERM -- "-$(cat "$ENVMESH_LOCAL/portal.pgid")" 2>/dev/null || true
    rm -f "$ENVMESH_LOCAL/portal.pgid"
  fi
  for pid in "${PORTAL_PIDS[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${PORTAL_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  PORTAL_PIDS=()
}
