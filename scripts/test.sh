#!/usr/bin/env bash
# make test: bootstrap, install, tsc, lint, plugin builds, every package's tests (unit and integration against a local cluster
# started by jest's global setup), a browser smoke test against the running portal, then the install test (the
# packed plugins in a stock app, as their READMEs say). Every phase runs even when an earlier one fails; the last
# line counts tests (tsc, lint, build and the install test count as one check each).
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/bootstrap.sh
results=$PWD/.local/test-results
rm -rf "$results"; mkdir -p "$results"
passed=0; failed=0

check() { # check <name> <command...>: one pass/fail check
  local name=$1; shift
  echo "=== $name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "=== $name FAILED"; fi
}

# count <json-file> <passed-expr> <failed-expr>: adds a runner's counts read from its JSON report.
count() {
  local counts
  counts=$(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(`${eval(process.argv[2])} ${eval(process.argv[3])}`);' "$1" "$2" "$3" 2>/dev/null) || {
    failed=$((failed + 1)); echo "no report in $1"; return; }
  passed=$((passed + ${counts% *})); failed=$((failed + ${counts#* }))
}

if [ "${CI:-}" = "true" ]; then install=(yarn install --immutable); else install=(yarn install); fi
echo "=== yarn install"
if ! "${install[@]}"; then echo "0 passed, 1 failed"; exit 1; fi

check "tsc" yarn tsc
check "packages publishable" yarn backstage-cli repo fix --publish --check
check "lint" yarn backstage-cli repo lint
# The server types and the common package's client and models are generated from the backend's openapi.yaml.
check "openapi generated" node plugins/environments-backend/src/schema/generate.js --check
check "import cycles" node scripts/check-folder-cycles.js plugins/environments-backend/src
# The published packages' API, as checked in (report*.api.md): `yarn build:api-reports` updates the reports.
check "API reports" yarn build:api-reports --ci
# Unused files, dependencies and exports; knip.jsonc says which entry points the Backstage CLI adds.
check "unused code" yarn knip
build_plugins() { # every plugin package builds as it would be published
  local dir
  for dir in plugins/*/; do
    (cd "$dir" && yarn backstage-cli package build) || { echo "build failed: $dir"; return 1; }
  done
}
check "build" build_plugins

echo "=== unit and integration tests"
CI=true yarn backstage-cli repo test --maxWorkers=2 --json --outputFile="$results/jest.json"
count "$results/jest.json" 'r.numPassedTests' 'r.numFailedTests + r.numRuntimeErrorTestSuites'

echo "=== browser smoke test"
ENVMESH_LOCAL=$PWD/.local/e2e
# Free ports, so a developer's make dev (3000/7007) or another run does not collide with this one.
free_port() { node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
PORTAL_APP_PORT=$(free_port) PORTAL_BACKEND_PORT=$(free_port)
export PLAYWRIGHT_URL=http://localhost:$PORTAL_APP_PORT
. scripts/portal.sh
if start_portal; then
  PLAYWRIGHT_JSON_OUTPUT_NAME="$results/e2e.json" yarn playwright test --reporter=list,json
  count "$results/e2e.json" 'r.stats.expected' 'r.stats.unexpected + r.stats.flaky'
else
  tail -n 60 "$ENVMESH_LOCAL/portal.log" "$ENVMESH_LOCAL/local-cluster.log" 2>/dev/null
  failed=$((failed + 1))
fi
stop_portal

# The plugins packed and installed into a stock app as their READMEs say (scripts/install-test.sh).
check "install test" bash scripts/install-test.sh

# A test run changes no committed file (screenshots and results go to .local/). Only in CI: a developer's
# checkout has edits of its own.
if [ "${CI:-}" = "true" ]; then
  check "checkout clean" bash -c '[ -z "$(git status --porcelain --untracked-files=no)" ] || { git status --short; false; }'
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
