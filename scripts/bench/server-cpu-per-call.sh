#!/usr/bin/env bash
# Server CPU per call: two mcpcheck binaries (e.g. before and after a change
# to a reference server or to the allocator) each serve `serve plain` in
# turn, ROUNDS times alternating, loaded by wrk (light, so the server gets
# most of the CPU) with the same tools/call on one session
# (scripts/bench/wrk-mcp.lua); the server process's CPU time (user + sys,
# from /proc) is divided by the calls wrk completed. Alternating rounds
# spread a shared machine's noise over both alike. Loopback only; every run
# is bounded by DURATION.
#
#   scripts/bench/server-cpu-per-call.sh BEFORE_BIN AFTER_BIN [DURATION] [CONNECTIONS] [ROUNDS]
set -euo pipefail
BEFORE=$1 AFTER=$2 DURATION=${3:-8s} CONNECTIONS=${4:-32} ROUNDS=${5:-3}
PORT=${PORT:-18941}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TICKS=$(getconf CLK_TCK)
command -v wrk >/dev/null || { echo "wrk is needed (Debian: apt-get install wrk)" >&2; exit 2; }
SERVER=
trap '[[ -n $SERVER ]] && kill "$SERVER" 2>/dev/null' EXIT

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

printf '%-7s %5s %9s %9s %12s\n' binary round calls rate/s cpu_us/call
for round in $(seq "$ROUNDS"); do
  for which in before after; do
    bin=$BEFORE
    [[ $which == after ]] && bin=$AFTER
    "$bin" serve plain --host 127.0.0.1 --port "$PORT" >/dev/null 2>&1 &
    SERVER=$!
    for _ in $(seq 50); do
      (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
      sleep 0.2
    done
    url=http://127.0.0.1:$PORT/mcp
    session=$(curl -s -m 5 -D - -o /dev/null -X POST "$url" -H 'Content-Type: application/json' \
      -H 'Accept: application/json, text/event-stream' \
      -d '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"server-cpu-per-call","version":"1"}}}' \
      | awk -F': ' 'tolower($1)=="mcp-session-id"{print $2}' | tr -d '\r')
    curl -s -m 5 -o /dev/null -X POST "$url" -H 'Content-Type: application/json' \
      -H 'Accept: application/json, text/event-stream' -H "Mcp-Session-Id: $session" \
      -H 'MCP-Protocol-Version: 2025-11-25' -d '{"jsonrpc":"2.0","method":"notifications/initialized"}'
    start=$(cpu_ticks "$SERVER")
    out=$(MCP_SESSION=$session wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s "$HERE/wrk-mcp.lua" "$url")
    end=$(cpu_ticks "$SERVER")
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
    python3 - "$which" "$round" "$start" "$end" "$TICKS" "$out" <<'PY'
import json, sys
which, rnd, start, end, ticks, out = sys.argv[1:]
line = next(l for l in out.splitlines() if l.startswith("RESULT "))
r = json.loads(line[len("RESULT "):])
calls = r["requests"]
cpu_s = (int(end) - int(start)) / int(ticks)
print(f"{which:<7} {rnd:>5} {calls:>9} {calls * 1e6 / r['duration_us']:>9.0f} {cpu_s * 1e6 / max(calls, 1):>12.1f}")
PY
  done
done
