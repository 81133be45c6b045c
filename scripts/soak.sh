#!/usr/bin/env bash
# Soak: every reference server (and the TypeScript everything server, when
# node and npm are here) under a long, bounded `mcpcheck bench` at a fixed
# rate, with mcpcheck watching the server process (--watch-pid: RSS and CPU
# sampled into the result, the memory-growth finding); then 1,000 sessions
# held at once. The verdicts go to reports/soak.md. Not part of .ci/run: it
# takes SOAK_SECONDS (10 minutes by default).
#
#   scripts/soak.sh                  # every server for 600 s side by side, then 1,000 sessions for 60 s
#   SOAK_SECONDS=60 scripts/soak.sh  # a short run
#   SOAK_SERVERS="plain proxied" scripts/soak.sh
#
# Why side by side at a fixed rate: a leak shows as memory kept per call, and
# needs a steady load, not a saturated one. At SOAK_RATE calls/s each server
# uses a small share of a core, so all of them fit on two cores at once and
# the whole soak takes SOAK_SECONDS instead of SOAK_SECONDS per server.
#
# Environment knobs:
#   MCPCHECK          a prebuilt mcpcheck binary (default: a release build made with cargo)
#   SOAK_SECONDS      the length of each soak (default 600)
#   SOAK_RATE         calls per second on each server (default 200)
#   SOAK_SERVERS      which soaks (default: plain authorized composed mounted openapi proxied everything)
#   SESSIONS          users (each with a session of its own) of the session run (default 1000; 0 skips it)
#   SESSIONS_SECONDS  its length (default 60)
#   EVERYTHING_VERSION the npm version of @modelcontextprotocol/server-everything (default 2026.8.31)
#   INTEROP_CACHE     where npm installs it (default .cache/interop, shared with the other scripts)
#   OUT               the report (default reports/soak.md); the bench results go beside it in
#                     reports/soak/ (JSON and HTML with the memory and CPU charts)
#
# Everything listens on 127.0.0.1; every server started here is killed on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$ROOT/scripts
SOAK_SECONDS=${SOAK_SECONDS:-600}
SOAK_RATE=${SOAK_RATE:-200}
SOAK_SERVERS=${SOAK_SERVERS:-plain authorized composed mounted openapi proxied everything}
SESSIONS=${SESSIONS:-1000}
SESSIONS_SECONDS=${SESSIONS_SECONDS:-60}
EVERYTHING_VERSION=${EVERYTHING_VERSION:-2026.8.31}
CACHE=${INTEROP_CACHE:-$ROOT/.cache/interop}
OUT=${OUT:-$ROOT/reports/soak.md}
RESULTS=$(dirname "$OUT")/soak
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[soak] %s\n' "$*" >&2; }
if [ -z "${MCPCHECK:-}" ]; then
  log "building mcpcheck (release)"
  (cd "$ROOT" && cargo build --quiet --release --bin mcpcheck)
  MCPCHECK="${CARGO_TARGET_DIR:-$ROOT/target}/release/mcpcheck"
fi
mkdir -p "$RESULTS"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() {
  for _ in $(seq 1 150); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
    sleep 0.2
  done
  log "nothing listens on $1"
  return 1
}

# start NAME PORT CMD...: the server in the background; its pid in $started.
start() {
  local name=$1 port=$2
  shift 2
  "$@" >"$WORK/$name.out" 2>&1 &
  started=$!
  PIDS+=("$started")
  wait_port "$port" || { log "$name did not start: $(tail -n 5 "$WORK/$name.out")"; return 1; }
}

wanted() { [[ " $SOAK_SERVERS " == *" $1 "* ]]; }

# soak NAME URL PID BENCH-ARGS...: one bench in the background, watching PID.
BENCHES=()
soak() {
  local name=$1 url=$2 pid=$3
  shift 3
  log "$name: ${SOAK_RATE}/s for ${SOAK_SECONDS}s, watching pid $pid"
  timeout $((SOAK_SECONDS + 120)) "$MCPCHECK" bench "$url" --rate "$SOAK_RATE" --users 32 \
    --duration "${SOAK_SECONDS}s" --watch-pid "$pid" --quiet \
    --json "$RESULTS/$name.json" --html "$RESULTS/$name.html" "$@" 2>"$WORK/$name.log" &
  BENCHES+=("$!:$name")
}

if wanted plain; then
  port=$(free_port)
  start plain "$port" "$MCPCHECK" serve plain --port "$port"
  soak plain "http://127.0.0.1:$port/mcp" "$started" --tool add --args '{"a":2,"b":3}'
fi

if wanted authorized; then
  port=$(free_port)
  auth_port=$(free_port)
  start authorized "$port" "$MCPCHECK" serve authorized --port "$port" --auth-port "$auth_port"
  auth_pid=$started
  wait_port "$auth_port"
  token=$(python3 - "$auth_port" "$port" <<'PY'
import json, sys, urllib.request
auth, port = sys.argv[1:]
req = urllib.request.Request(f"http://127.0.0.1:{auth}/mcpcheck/mint", method="POST",
    data=json.dumps({"case": "valid", "audience": f"http://127.0.0.1:{port}/mcp", "scope": "read:add"}).encode(),
    headers={"content-type": "application/json"})
print(json.load(urllib.request.urlopen(req, timeout=10))["token"])
PY
  )
  printf 'Authorization: Bearer %s\n' "$token" >"$WORK/auth.headers"
  soak authorized "http://127.0.0.1:$port/mcp" "$auth_pid" -H "@$WORK/auth.headers" \
    --tool add --args '{"a":2,"b":3}'
fi

if wanted composed; then
  port=$(free_port)
  start composed "$port" "$MCPCHECK" serve composed --port "$port"
  soak composed "http://127.0.0.1:$port/mcp" "$started" --tool add_add --args '{"a":2,"b":3}'
fi

if wanted mounted || wanted openapi; then
  port=$(free_port)
  start mounted "$port" "$MCPCHECK" serve mounted --port "$port"
  mounted_pid=$started
  mounted_url=http://127.0.0.1:$port
  if wanted mounted; then
    soak mounted "$mounted_url/mcpserver/mcp" "$mounted_pid" --tool add --args '{"a":2,"b":3}'
  fi
  if wanted openapi; then
    port=$(free_port)
    start openapi "$port" "$MCPCHECK" serve openapi --spec "$ROOT/docs/openapi/items.yaml" \
      --base-url "$mounted_url" --port "$port"
    soak openapi "http://127.0.0.1:$port/mcp" "$started" --tool health --args '{}'
  fi
fi

if wanted proxied; then
  port=$(free_port)
  start backend "$port" "$MCPCHECK" serve plain --port "$port"
  printf '{"mcpServers": {"a": {"url": "http://127.0.0.1:%s/mcp"}}}\n' "$port" >"$WORK/proxy.json"
  port=$(free_port)
  start proxied "$port" "$MCPCHECK" serve proxied --port "$port" --config "$WORK/proxy.json"
  soak proxied "http://127.0.0.1:$port/mcp" "$started" --tool a_add --args '{"a":2,"b":3}'
fi

if wanted everything; then
  js=$CACHE/npm-bench/node_modules/@modelcontextprotocol/server-everything/dist/index.js
  if [ ! -f "$js" ] && command -v npm >/dev/null; then
    log "installing the everything server $EVERYTHING_VERSION into $CACHE/npm-bench"
    mkdir -p "$CACHE/npm-bench"
    timeout 600 npm install --silent --no-audit --no-fund --prefix "$CACHE/npm-bench" \
      "@modelcontextprotocol/server-everything@$EVERYTHING_VERSION" >"$WORK/npm.log" 2>&1 ||
      log "npm failed: $(tail -n 3 "$WORK/npm.log")"
  fi
  if [ -f "$js" ] && command -v node >/dev/null; then
    port=$(free_port)
    start everything "$port" env PORT="$port" node --require "$HERE/interop/loopback.cjs" "$js" streamableHttp
    soak everything "http://127.0.0.1:$port/mcp" "$started" --tool get-sum --args '{"a":2,"b":3}'
  else
    log "everything: node or the npm package is missing; skipped"
  fi
fi

for b in "${BENCHES[@]}"; do
  wait "${b%%:*}" || log "${b#*:}: bench exit $? ($(tail -n 3 "$WORK/${b#*:}.log"))"
done

# Many sessions at once: every user holds a session of its own.
if [ "$SESSIONS" -gt 0 ]; then
  port=$(free_port)
  start sessions "$port" "$MCPCHECK" serve plain --port "$port"
  log "plain, $SESSIONS sessions for ${SESSIONS_SECONDS}s"
  timeout $((SESSIONS_SECONDS + 120)) "$MCPCHECK" bench "http://127.0.0.1:$port/mcp" --users "$SESSIONS" \
    --duration "${SESSIONS_SECONDS}s" --spec 2025-11-25 --watch-pid "$started" --quiet \
    --json "$RESULTS/sessions.json" --html "$RESULTS/sessions.html" 2>"$WORK/sessions.log" ||
    log "sessions: bench exit $? ($(tail -n 3 "$WORK/sessions.log"))"
fi

rows=$(python3 - "$RESULTS" $SOAK_SERVERS sessions <<'PY'
import json, os, sys
results, names = sys.argv[1], sys.argv[2:]
mib = lambda b: f"{(b or 0) / 1048576:.1f}"
for name in names:
    path = os.path.join(results, f"{name}.json")
    if not os.path.exists(path):
        continue
    r = json.load(open(path))
    s = r.get("server") or {}
    errors = (r.get("failures") or {}).get("total", 0) + (r.get("session_failures") or 0)
    grew = any(f.get("id") == "memory-growth" for f in r.get("findings") or [])
    per_call = s.get("cpu_us_per_call")
    per_call = "n/a" if per_call is None else f"{per_call:.0f}"
    memory = "**memory-growth**" if grew else "flat"
    print(f"| {name} ({r.get('revision', '?')}) | {r.get('requests', 0)} | {errors} | "
          f"{mib(s.get('rss_start_bytes'))} | {mib(s.get('rss_end_bytes'))} | {mib(s.get('rss_peak_bytes'))} | "
          f"{per_call} | {memory} |")
PY
)

{
  echo "# Soak runs"
  echo
  echo "Generated by \`scripts/soak.sh\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(uname -m); mcpcheck"
  echo "binary: \`${MCPCHECK#"$ROOT"/}\`). Every server ran at once under its own \`mcpcheck bench\`"
  echo "(open model, ${SOAK_RATE} calls/s each, ${SOAK_SECONDS} s), watched with \`--watch-pid\`; then"
  echo "the session run: $SESSIONS users, each with a 2025-11-25 session of its own, ${SESSIONS_SECONDS} s."
  echo "*Memory* is the bench's \`memory-growth\` finding: after warm-up, RSS rising from each third of"
  echo "the run to the next (by at least 16 MiB and 10 %) at a steady rate. The JSON and HTML"
  echo "results (memory and CPU charts) are in reports/soak/."
  echo
  echo "| Run | Calls | Errors | RSS start (MiB) | RSS end (MiB) | RSS peak (MiB) | CPU µs/call | Memory |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
  echo "$rows"
} >"$OUT"
log "wrote $OUT"
cat "$OUT"
