#!/usr/bin/env bash
# Where the plain reference server's CPU goes per tools/call, on both eras:
# a 2026-07-28 stateless call and a call on a 2025-11-25 session.
#
#   scripts/bench/profile-plain.sh OUT_DIR LABEL
#
# Two measurements per era, each against a fresh server on 127.0.0.1:
#   - instructions per call, from valgrind's callgrind: counted from the
#     moment the counters are zeroed (after start-up and a warm-up) to the
#     dump after CALLS calls. Instructions, not seconds: the same binary
#     gives the same count on a loaded machine, so two builds compare
#     fairly even on this shared 2-core one. Written to
#     OUT_DIR/LABEL-instructions.txt.
#   - CPU time per call (user + sys from /proc) over a 10 s run at 32 users,
#     in OUT_DIR/LABEL-cpu.txt: seconds, so only comparable on one machine.
#   - a flame graph of a 10 s run at 32 users (perf record, cpu-clock, DWARF
#     call graphs; inferno folds and draws it): OUT_DIR/LABEL-ERA.svg, and
#     the folded stacks' self time by crate in OUT_DIR/LABEL-ERA.crates.txt.
#
# The server is the plain_http example (the plain server alone, the system
# allocator), so builds of two commits compare like for like.
#
# Environment:
#   SERVER     a release plain_http example binary (default: built here)
#   MCPCHECK   a release mcpcheck, the load generator (default: built here)
#   CALLS      calls counted under callgrind (default 2000), USERS (default 4)
#   PERF_SECS  the flame graph's run (default 10)
#   ERAS       the revisions profiled (default "2026-07-28 2025-11-25"; empty:
#              only the proxy count)
#   PROXY      1 (default): also count the proxy's instructions per forwarded
#              call against the plain server's (OUT_DIR/LABEL-proxy-instructions.txt)
# Needs valgrind, perf (Debian's linux-perf) and inferno (cargo install inferno).
set -euo pipefail

OUT=${1:?usage: profile-plain.sh OUT_DIR LABEL}
LABEL=${2:?usage: profile-plain.sh OUT_DIR LABEL}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CALLS=${CALLS:-2000}
USERS=${USERS:-4}
PERF_SECS=${PERF_SECS:-10}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
RUN=$(mktemp -d)
ARGS='{"a":1,"b":2}'
read -r -a ERAS <<<"${ERAS-2026-07-28 2025-11-25}"
# The inclusive rows of OUT_DIR/LABEL-ERA.crates.txt: name=regular expression
# over a stack's frames.
WHERE=(
  "hyper, serving the connection=hyper::proto"
  "rmcp, the POST (StreamableHttpService)=StreamableHttpService.*handle|handle_post"
  "rmcp, a service per request (serve_directly)=serve_directly|serve_inner"
  "rmcp, header validation=validate_standard_headers"
  "JSON decoding (serde_json::de)=serde_json::de"
  "JSON encoding (serde_json::ser)=serde_json::ser"
  "the reference layer (http::layer)=reference_servers::http::layer"
  "the tool (plain::PlainServer)=reference_servers::plain"
  "allocation (malloc, free)=malloc|free|realloc|unlink_chunk"
  "kernel, TCP send and receive=tcp_sendmsg|tcp_recvmsg|sys_sendto|sys_recvfrom|sys_write|sys_read"
  "kernel, scheduling (switch, wake-up)=finish_task_switch|try_to_wake_up|__schedule"
)

log() { printf '[profile-plain] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 2
}
for tool in valgrind callgrind_control perf inferno-collapse-perf inferno-flamegraph curl python3; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
if [[ -z ${SERVER:-} || -z ${MCPCHECK:-} ]]; then
  (cd "$ROOT" && cargo build --release --locked -p mcpcheck -p reference-servers --bin mcpcheck --example plain_http)
fi
SERVER=${SERVER:-$TARGET_DIR/release/examples/plain_http}
MCPCHECK=${MCPCHECK:-$TARGET_DIR/release/mcpcheck}
mkdir -p "$OUT"

PID=
BACKEND=
cleanup() {
  [[ -n $PID ]] && kill "$PID" 2>/dev/null || true
  [[ -n $BACKEND ]] && kill "$BACKEND" 2>/dev/null || true
  rm -rf "$RUN"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start CMD...: runs the server on a free port; sets PID and URL.
start() {
  local port
  port=$(free_port)
  "$@" "$port" >"$RUN/server.log" 2>&1 &
  PID=$!
  URL=http://127.0.0.1:$port/mcp
  for _ in $(seq 600); do
    curl -s -o /dev/null --max-time 1 "$URL" && return 0
    kill -0 "$PID" 2>/dev/null || die "the server exited: $(cat "$RUN/server.log")"
    sleep 0.1
  done
  die "the server did not listen within 60 s"
}

# stop: Ctrl-C (callgrind writes its last dump then), killed after 30 s.
stop() {
  kill -INT "$PID" 2>/dev/null || true
  for _ in $(seq 300); do
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  PID=
}

# load SPEC [bench options...]: the call (TOOL, default add) against URL.
load() {
  local spec=$1
  shift
  "$MCPCHECK" bench "$URL" --quiet --spec "$spec" --tool "${TOOL:-add}" --args "$ARGS" --no-watch "$@" ||
    die "mcpcheck bench failed"
}

# instructions SPEC CMD...: runs CMD (a server taking its port last) under
# callgrind and sets IR to the instructions its process spent on CALLS calls,
# counted from after start-up and 200 warm-up calls.
instructions() {
  local spec=$1 part
  shift
  start valgrind --tool=callgrind --callgrind-out-file="$RUN/callgrind.out" "$@"
  load "$spec" --users "$USERS" --requests 200
  callgrind_control -z "$PID" >/dev/null
  load "$spec" --users "$USERS" --requests "$CALLS"
  callgrind_control -d "$PID" >/dev/null
  stop
  # The dump after the zeroing is the last numbered part; its totals line
  # holds the instructions (Ir) of the measured calls.
  part=$(ls "$RUN"/callgrind.out.* 2>/dev/null | sort -t. -k3 -n | tail -1)
  [[ -n $part ]] || die "callgrind wrote no dump"
  IR=$(awk '/^(totals|summary):/ { print $2; exit }' "$part")
  rm -f "$RUN"/callgrind.out*
}

if ((${#ERAS[@]})); then
  : >"$OUT/$LABEL-instructions.txt"
  : >"$OUT/$LABEL-cpu.txt"
fi
for era in ${ERAS[@]+"${ERAS[@]}"}; do
  log "$era: instructions per call under callgrind ($CALLS calls, $USERS users)"
  instructions "$era" "$SERVER"
  echo "$era $IR instructions over $CALLS calls: $((IR / CALLS)) per call" | tee -a "$OUT/$LABEL-instructions.txt" >&2

  log "$era: CPU per call over ${PERF_SECS}s at 32 users"
  start "$SERVER"
  load "$era" --users 32 --duration 1s
  before=$(awk '{print $14 + $15}' "/proc/$PID/stat")
  load "$era" --users 32 --duration "${PERF_SECS}s" --json "$RUN/cpu.json"
  ticks=$(($(awk '{print $14 + $15}' "/proc/$PID/stat") - before))
  python3 - "$RUN/cpu.json" "$ticks" "$(getconf CLK_TCK)" "$era" >>"$OUT/$LABEL-cpu.txt" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
ticks, hz, era = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
print(f"{era} {ticks / hz * 1e6 / max(b['requests'], 1):.0f} us of CPU per call ({b['requests']} calls, {b['rate_per_s']:.0f}/s)")
PY
  tail -n 1 "$OUT/$LABEL-cpu.txt" >&2

  log "$era: flame graph of ${PERF_SECS}s at 32 users"
  perf record -q -e cpu-clock -F 499 --call-graph dwarf,16384 -o "$RUN/perf.data" -p "$PID" \
    -- sleep "$PERF_SECS" >/dev/null 2>&1 &
  rec=$!
  load "$era" --users 32 --duration "${PERF_SECS}s"
  wait "$rec" || true
  stop
  perf script --no-inline -i "$RUN/perf.data" 2>/dev/null | inferno-collapse-perf --all >"$RUN/folded"
  inferno-flamegraph --title "plain server, tools/call add, $era ($LABEL)" <"$RUN/folded" >"$OUT/$LABEL-$era.svg"
  python3 "$ROOT/scripts/bench/crates.py" "$RUN/folded" "${WHERE[@]}" >"$OUT/$LABEL-$era.crates.txt"
  rm -f "$RUN/perf.data" "$RUN/folded"
done
# The proxy's own work against the plain server's, both `MCPCHECK serve ...`
# (the product's binary and allocator), 2026-07-28: instructions per
# forwarded call of the proxy process alone (its plain backend runs
# natively, uncounted), and per call of a plain server.
if [[ ${PROXY:-1} == 1 ]]; then
  : >"$OUT/$LABEL-proxy-instructions.txt"
  log "2026-07-28: the proxy's instructions per forwarded call, and the plain server's"
  # start appends the port last, so `--port` comes last here.
  instructions 2026-07-28 "$MCPCHECK" serve plain --host 127.0.0.1 --port
  echo "plain $((IR / CALLS)) instructions per call" | tee -a "$OUT/$LABEL-proxy-instructions.txt" >&2
  backend_port=$(free_port)
  "$MCPCHECK" serve plain --host 127.0.0.1 --port "$backend_port" >"$RUN/backend.log" 2>&1 &
  BACKEND=$!
  printf '{"mcpServers": {"a": {"url": "http://127.0.0.1:%s/mcp"}}}\n' "$backend_port" >"$RUN/proxy.json"
  TOOL=a_add instructions 2026-07-28 "$MCPCHECK" serve proxied --host 127.0.0.1 --config "$RUN/proxy.json" --port
  echo "proxied $((IR / CALLS)) instructions per call" | tee -a "$OUT/$LABEL-proxy-instructions.txt" >&2
  kill "$BACKEND" 2>/dev/null || true
fi
log "wrote $OUT/$LABEL-*"
