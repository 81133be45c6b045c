#!/usr/bin/env bash
# Soak: each reference server under `mcpcheck bench` for a long, bounded run
# while its resident memory is sampled, then 1,000 sessions held at once; the
# verdicts (RSS flat or growing, errors) go to reports/soak.md. Not part of
# .ci/run: it takes SOAK_SECONDS per server (10 minutes by default).
#
#   scripts/soak.sh                 # plain and authorized, 600 s each, then 1,000 sessions for 60 s
#   SOAK_SECONDS=60 scripts/soak.sh # a short run
#
# Environment knobs:
#   MCPCHECK       a prebuilt mcpcheck binary (default: a debug build made with cargo)
#   SOAK_SECONDS   the length of each server's soak (default 600)
#   SOAK_USERS     closed-model users of the soak (default 8)
#   SESSIONS       users (each with a session of its own) of the session run (default 1000)
#   SESSIONS_SECONDS its length (default 60)
#   OUT            the report (default reports/soak.md)
#
# Everything listens on 127.0.0.1; every server started here is killed on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SOAK_SECONDS=${SOAK_SECONDS:-600}
SOAK_USERS=${SOAK_USERS:-8}
SESSIONS=${SESSIONS:-1000}
SESSIONS_SECONDS=${SESSIONS_SECONDS:-60}
OUT=${OUT:-$ROOT/reports/soak.md}
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "${MCPCHECK:-}" ]; then
  (cd "$ROOT" && cargo build --quiet --bin mcpcheck)
  MCPCHECK="${CARGO_TARGET_DIR:-$ROOT/target}/debug/mcpcheck"
fi
log() { printf '[soak] %s\n' "$*" >&2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() {
  for _ in $(seq 1 100); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
    sleep 0.1
  done
  log "nothing listens on $1"
  return 1
}

# Samples VmRSS (KiB) of PID every 5 s into FILE until the PID or the
# sampler's own bound ends.
sample_rss() {
  local pid=$1 file=$2 bound=$3 t=0
  while [ "$t" -le "$bound" ] && [ -r "/proc/$pid/status" ]; do
    awk -v t="$t" '/^VmRSS:/ {print t, $2}' "/proc/$pid/status" >>"$file"
    sleep 5
    t=$((t + 5))
  done
}

# Runs one bench against URL with extra args, sampling SERVER_PID; prints a
# Markdown row: name, calls, errors, RSS first/last/max, growth over the
# second half.
soak() {
  local name=$1 url=$2 pid=$3 seconds=$4 users=$5
  shift 5
  local rss=$WORK/$name.rss json=$WORK/$name.json
  : >"$rss"
  sample_rss "$pid" "$rss" $((seconds + 10)) &
  local sampler=$!
  log "$name: $users users for ${seconds}s"
  timeout $((seconds + 120)) "$MCPCHECK" bench "$url" --users "$users" --duration "${seconds}s" \
    --json "$json" "$@" >/dev/null 2>"$WORK/$name.log" || log "$name: bench exit $? (see below)"
  wait "$sampler" 2>/dev/null || true
  python3 - "$name" "$json" "$rss" <<'PY'
import json, sys
name, jpath, rpath = sys.argv[1:]
try:
    r = json.load(open(jpath))
except Exception as e:
    print(f"| {name} | bench failed: {e} | | | | | |")
    sys.exit()
calls = r.get("requests", 0)
failures = r.get("failures") or {}
errors = sum(v for v in failures.values() if isinstance(v, (int, float))) + (r.get("session_failures") or 0)
name = f"{name} ({r.get('revision', '?')})"
samples = [tuple(map(int, l.split())) for l in open(rpath) if l.strip()]
if not samples:
    print(f"| {name} | {calls} | {errors} | no RSS samples | | | |")
    sys.exit()
kib = [s[1] for s in samples]
half = kib[len(kib) // 2:]
growth = (half[-1] - half[0]) / max(half[0], 1) * 100
verdict = "flat" if growth < 5 else f"growing ({growth:.1f}% over the second half)"
print(f"| {name} | {calls} | {errors} | {kib[0]/1024:.1f} | {kib[-1]/1024:.1f} | {max(kib)/1024:.1f} | {verdict} |")
PY
}

rows=()
# The plain server.
port=$(free_port)
"$MCPCHECK" serve plain --port "$port" >"$WORK/plain.out" 2>&1 &
PIDS+=($!)
plain_pid=$!
wait_port "$port"
rows+=("$(soak plain "http://127.0.0.1:$port/mcp" "$plain_pid" "$SOAK_SECONDS" "$SOAK_USERS")")

# The authorized server, with a token minted by its own authorization server.
port=$(free_port)
auth_port=$(free_port)
"$MCPCHECK" serve authorized --port "$port" --auth-port "$auth_port" >"$WORK/authorized.out" 2>&1 &
PIDS+=($!)
auth_pid=$!
wait_port "$port"
wait_port "$auth_port"
token=$(python3 - "$auth_port" "$port" <<'PY'
import json, sys, urllib.request
auth, port = sys.argv[1:]
req = urllib.request.Request(f"http://127.0.0.1:{auth}/mcpcheck/mint", method="POST",
    data=json.dumps({"case": "valid", "audience": f"http://127.0.0.1:{port}/mcp"}).encode(),
    headers={"content-type": "application/json"})
print(json.load(urllib.request.urlopen(req, timeout=10))["token"])
PY
)
printf 'Authorization: Bearer %s\n' "$token" >"$WORK/auth.headers"
rows+=("$(soak authorized "http://127.0.0.1:$port/mcp" "$auth_pid" "$SOAK_SECONDS" "$SOAK_USERS" -H "@$WORK/auth.headers")")

# Many sessions at once: every user holds a session of its own.
port=$(free_port)
"$MCPCHECK" serve plain --port "$port" >"$WORK/sessions.out" 2>&1 &
PIDS+=($!)
sessions_pid=$!
wait_port "$port"
rows+=("$(soak "plain, $SESSIONS sessions" "http://127.0.0.1:$port/mcp" "$sessions_pid" "$SESSIONS_SECONDS" "$SESSIONS" --spec 2025-11-25)")

{
  echo "# Soak runs"
  echo
  echo "Generated by \`scripts/soak.sh\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(uname -m); mcpcheck"
  echo "binary: \`$(basename "$MCPCHECK")\` from \`${MCPCHECK#"$ROOT"/}\`). Each server runs under \`mcpcheck bench\`"
  echo "(closed model, $SOAK_USERS users, ${SOAK_SECONDS} s; the session run: $SESSIONS users, each with a"
  echo "2025-11-25 session of its own, ${SESSIONS_SECONDS} s) while its VmRSS is sampled every 5 s. *Flat*"
  echo "means less than 5 % growth over the second half of the run, when the load is steady."
  echo
  echo "| Run | Calls | Errors | RSS first (MiB) | RSS last (MiB) | RSS max (MiB) | Memory |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
} >"$OUT"
log "wrote $OUT"
cat "$OUT"
