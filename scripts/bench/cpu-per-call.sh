#!/usr/bin/env bash
# CPU per call of the load generator: two mcpcheck binaries (e.g. before and
# after a change to the hot path) load the same `serve plain` server in
# turn, ROUNDS times alternating, each for a fixed --requests count at the
# same --users, and the generator process's CPU time (user + sys, from
# /usr/bin/time) is divided by its calls. Alternating rounds spread the
# noise of a shared machine over both alike. Loopback only; every run is
# bounded by --requests and --duration.
#
#   scripts/bench/cpu-per-call.sh BEFORE_BIN AFTER_BIN [REQUESTS] [USERS] [ROUNDS]
set -euo pipefail
BEFORE=$1 AFTER=$2 REQUESTS=${3:-20000} USERS=${4:-32} ROUNDS=${5:-3}
PORT=${PORT:-18931}
RUN=$(mktemp -d)
"$AFTER" serve plain --host 127.0.0.1 --port "$PORT" >"$RUN/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; rm -rf "$RUN"' EXIT
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.2
done
URL=http://127.0.0.1:$PORT/mcp
printf '%-7s %5s %9s %9s %9s %12s\n' binary round calls cpu_s rate/s cpu_us/call
for round in $(seq "$ROUNDS"); do
  for which in before after; do
    bin=$BEFORE
    [[ $which == after ]] && bin=$AFTER
    /usr/bin/time -f '%U %S' -o "$RUN/cpu" "$bin" bench "$URL" --quiet --users "$USERS" \
      --requests "$REQUESTS" --duration 120s --tool add --args '{"a":1,"b":2}' --json "$RUN/out.json"
    python3 - "$which" "$round" "$RUN/cpu" "$RUN/out.json" <<'PY'
import json, sys
which, rnd, cpu, out = sys.argv[1:]
u, s = map(float, open(cpu).read().split()[-2:])
r = json.load(open(out))
calls = r["requests"]
fails = sum(v for v in r["failures"].values() if isinstance(v, int))
print(f"{which:<7} {rnd:>5} {calls:>9} {u + s:>9.2f} {r['rate_per_s']:>9.0f} {(u + s) * 1e6 / calls:>12.1f}"
      + (f"  ({fails} failures)" if fails else ""))
PY
  done
done
