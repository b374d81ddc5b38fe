#!/usr/bin/env bash
# The install test (part of make test): what a platform engineer does with the plugin READMEs, on a stock app.
# Packs every plugin as it would be published, creates an app with @backstage/create-app, applies the READMEs'
# marked blocks to it (scripts/install-test/readmes.js), runs its tsc:full, starts it against the local cluster,
# runs the backend README's "First steps" to an environment that succeeds, and loads /environments in Chromium.
# The app lives in a temp folder outside the checkout (so nothing resolves from this repo's node_modules); its
# Yarn cache is kept in $ENVMESH_CACHE/install-test. Logs and a screenshot go to .local/install-test/;
# INSTALL_TEST_KEEP=1 keeps the app.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${ENVMESH_BIN_DIR:-}" ] || . scripts/bootstrap.sh

# The create-app release whose app the test installs into: the newest, which the registry has for the Backstage
# line in backstage.json too (there is no create-app of 1.57; backstage-line.js moves its app to 1.57).
CREATE_APP_VERSION=0.9.2

ENVMESH_LOCAL=$PWD/.local/install-test
rm -rf "$ENVMESH_LOCAL"; mkdir -p "$ENVMESH_LOCAL"
work=$(mktemp -d "${TMPDIR:-/tmp}/envmesh-install-test.XXXXXX")
app=$work/app packs=$work/packs
cache=$ENVMESH_CACHE/install-test

free_port() { node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
PORTAL_APP_PORT=$(free_port) PORTAL_BACKEND_PORT=$(free_port)
. scripts/portal.sh
cleanup() {
  stop_portal
  if [ -n "${INSTALL_TEST_KEEP:-}" ]; then echo "install-test: the app is kept in $app"; else rm -rf "$work"; fi
}
trap cleanup EXIT
step() { echo "install-test: $* (${SECONDS}s)"; }

step "packing every plugin"
yarn tsc # the packages' prepack builds from the declarations tsc writes to dist-types
for dir in plugins/*/; do
  (cd "$dir" && yarn pack --out "$packs/%s-%v.tgz") >"$ENVMESH_LOCAL/pack.log" 2>&1 || {
    cat "$ENVMESH_LOCAL/pack.log"; echo "install-test: $dir does not pack" >&2; exit 1; }
done
ls "$packs"

# The app's packages: from the registry once, then from this cache. Its lockfile changes as the READMEs add
# packages, in CI too (where Yarn makes installs immutable by default).
export YARN_CACHE_FOLDER=$cache/yarn-cache YARN_ENABLE_GLOBAL_CACHE=false YARN_ENABLE_IMMUTABLE_INSTALLS=false
export YARN_ENABLE_PROGRESS_BARS=false
step "creating an app with @backstage/create-app@$CREATE_APP_VERSION"
# It asks for the app's name: the default.
echo | npm exec --yes --cache "$cache/npm" -- "@backstage/create-app@$CREATE_APP_VERSION" \
  --path "$app" --skip-install >"$ENVMESH_LOCAL/create-app.log" 2>&1 || {
  cat "$ENVMESH_LOCAL/create-app.log"; exit 1; }
(cd "$app" && git add -A && git -c user.name=install-test -c user.email=install-test@localhost commit -q --allow-empty -m stock)

node scripts/install-test/seed-lock.js "$app"
# A portal on the release in backstage.json (create-app makes the app of its own release).
node scripts/install-test/backstage-line.js bump "$app"

step "applying the READMEs"
node scripts/install-test/readmes.js apply "$app" "$packs"
(cd "$app" && git diff -- . ':!yarn.lock') >"$ENVMESH_LOCAL/readmes.diff"

node scripts/install-test/backstage-line.js check "$app"

step "tsc:full of the app"
(cd "$app" && yarn tsc:full)

step "starting the app against the local cluster"
start=$SECONDS
start_local_cluster
cluster_dir=$(awk '/local-cluster: folder/ {print $3}' "$ENVMESH_LOCAL/local-cluster.log")
{
  echo "# This run's ports (the cluster itself is the README's config, with the variables the backend is started with)."
  ports_config
} >"$app/app-config.local.yaml"
export ENVMESH_CLUSTER_URL ENVMESH_CLUSTER_TOKEN ENVMESH_CLUSTER_CA_DATA GITHUB_WEBHOOK_SECRET
ENVMESH_CLUSTER_URL=$(awk '/server:/ {print $2; exit}' "$KUBECONFIG_PATH")
ENVMESH_CLUSTER_TOKEN=$(awk '/token:/ {print $2; exit}' "$KUBECONFIG_PATH")
ENVMESH_CLUSTER_CA_DATA=$(base64 -w0 "$cluster_dir/pki/apiserver.crt")
GITHUB_WEBHOOK_SECRET=install-test
# The README's `helm: binary: helm`: helm on the PATH.
(cd "$app" && PATH=$ENVMESH_BIN_DIR:$PATH exec setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' app \
  "$ENVMESH_LOCAL/portal.pgid" yarn start) >"$ENVMESH_LOCAL/portal.log" 2>&1 &
PORTAL_PIDS+=($!)
backend=http://localhost:$PORTAL_BACKEND_PORT
until curl -sf -o /dev/null "$backend/.backstage/health/v1/readiness"; do
  if [ $SECONDS -gt $((start + 600)) ] || grep -q 'Backend startup failed' "$ENVMESH_LOCAL/portal.log"; then
    grep -v health/v1 "$ENVMESH_LOCAL/portal.log" | tail -n 40; echo "install-test: the backend did not start" >&2; exit 1
  fi
  sleep 2
done
wait_http "http://localhost:$PORTAL_APP_PORT" "the front end" 600

step "the backend README's first steps"
TOKEN=$(curl -sSf "$backend/api/auth/guest/refresh" -H 'X-Requested-With: XMLHttpRequest' |
  node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).backstageIdentity.token')
TOKEN=$TOKEN node scripts/install-test/readmes.js first-steps "$backend" "$work/environment"

step "/environments in Chromium"
node scripts/install-test/browser.js "http://localhost:$PORTAL_APP_PORT" "$(cat "$work/environment")" \
  "$ENVMESH_LOCAL/environments.png"
step "passed"
