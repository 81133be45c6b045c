#!/usr/bin/env bash
# Both eras side by side, for every server, in one run: the same tools/call on
# 2026-07-28 (stateless: no initialize, no session) and on 2025-11-25 (a
# session per user), as a closed-model sweep over STEPS users, then an
# open-model run at a fixed rate near each server's saturation (RATE_SHARE of
# the best rate its sweep reached), whose latencies count from when each call
# was due (coordinated omission corrected). Writes reports/bench-eras.md and
# the raw results under reports/bench/eras/.
#
# Servers: mcpcheck's plain, authorized (a token from `mcpcheck authserver`)
# and proxied (in front of a plain backend) reference servers; Python FastMCP;
# the official Python SDK's server (mcp 2.x MCPServer); the TypeScript
# "everything" server. A server that does not serve a revision is listed as
# such (the probe's answer is kept), not left out.
#
# Knobs (environment):
#   MCPCHECK       a release mcpcheck binary (default: cargo build --release)
#   INTEROP_CACHE  the venv and npm prefix (default .cache/interop), installed if missing
#   STEPS          the sweep's users (default 1,8,32,128); STEP_DURATION each step (default 5s)
#   RATE_SHARE     the open run's rate as a share of the sweep's best (default 0.6: at 0.8
#                  the stateless plain server was already past saturation with 512 calls in flight)
#   OPEN_DURATION  the open run (default 10s); SERVERS_WANTED which servers (default all)
# Everything listens on 127.0.0.1 only; every server started here is killed on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$ROOT/scripts
CACHE=${INTEROP_CACHE:-$ROOT/.cache/interop}
OUT=$ROOT/reports/bench/eras
REPORT=$ROOT/reports/bench-eras.md
RUN=$(mktemp -d)
STEPS=${STEPS:-1,8,32,128}
STEP_DURATION=${STEP_DURATION:-5s}
RATE_SHARE=${RATE_SHARE:-0.6}
OPEN_DURATION=${OPEN_DURATION:-10s}
SERVERS_WANTED=${SERVERS_WANTED:-plain authorized proxied fastmcp python-sdk everything}
FASTMCP_VERSION=${FASTMCP_VERSION:-4.2.3}
MCP_VERSION=${MCP_VERSION:-2.3.0}
EVERYTHING_VERSION=${EVERYTHING_VERSION:-2026.8.31}
ARGS='{"a":1,"b":2}'

log() { printf '[bench-eras] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 2
}
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -z ${MCPCHECK:-} ]]; then
  log "building mcpcheck (release)"
  (cd "$ROOT" && cargo build --quiet --release --bin mcpcheck) || die "cargo build failed"
  MCPCHECK=${CARGO_TARGET_DIR:-$ROOT/target}/release/mcpcheck
fi
mkdir -p "$OUT"

wanted() { [[ " $SERVERS_WANTED " == *" $1 "* ]]; }
if wanted fastmcp || wanted python-sdk; then
  if [[ ! -f $CACHE/venv/.ok-fastmcp$FASTMCP_VERSION-mcp$MCP_VERSION ]]; then
    log "installing FastMCP $FASTMCP_VERSION and mcp $MCP_VERSION into $CACHE/venv"
    rm -rf "$CACHE/venv"
    python3 -m venv "$CACHE/venv"
    "$CACHE/venv/bin/pip" install --quiet --disable-pip-version-check \
      "fastmcp==$FASTMCP_VERSION" "mcp==$MCP_VERSION" >"$RUN/pip.log" 2>&1 || die "pip failed"
    touch "$CACHE/venv/.ok-fastmcp$FASTMCP_VERSION-mcp$MCP_VERSION"
  fi
fi
EVERYTHING_JS=$CACHE/npm-bench/node_modules/@modelcontextprotocol/server-everything/dist/index.js
if wanted everything && [[ ! -f $EVERYTHING_JS ]]; then
  log "installing the everything server $EVERYTHING_VERSION into $CACHE/npm-bench"
  mkdir -p "$CACHE/npm-bench"
  npm install --silent --no-audit --no-fund --prefix "$CACHE/npm-bench" \
    "@modelcontextprotocol/server-everything@$EVERYTHING_VERSION" >"$RUN/npm.log" 2>&1 || die "npm failed"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() {
  local name=$1 port=$2
  shift 2
  "$@" >"$RUN/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 300); do
    kill -0 "$!" 2>/dev/null || die "$name exited: $(tail -n 5 "$RUN/$name.log")"
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null && return 0
    sleep 0.2
  done
  die "$name did not start"
}

# measure NAME URL TOOL [bench options]: each era's sweep, then its open run.
measure() {
  local name=$1 url=$2 tool=$3
  shift 3
  rm -f "$OUT/$name"-*
  for era in 2026-07-28 2025-11-25; do
    local base=$OUT/$name-$era
    # Served means the calls succeed, not only that the bench could start.
    if ! "$MCPCHECK" bench "$url" --quiet --spec "$era" --requests 5 --tool "$tool" --args "$ARGS" \
      --threshold 'errors<1%' --json "$RUN/probe.json" "$@" 2>"$base.not-served.txt"; then
      python3 -c "import json,sys; r=json.load(open(sys.argv[1])); f=r['failures']; \
print('every call failed:', ', '.join(f'{k} {v}' for k, v in f.items() if isinstance(v, int) and v and k != 'total'), \
'; codes', f.get('jsonrpc_codes'), 'statuses', f.get('http_statuses'))" "$RUN/probe.json" \
        >>"$base.not-served.txt" 2>/dev/null || true
      log "$name does not serve $era: $(tail -n 1 "$base.not-served.txt")"
      continue
    fi
    rm -f "$base.not-served.txt"
    log "$name $era: sweep $STEPS, $STEP_DURATION each"
    "$MCPCHECK" bench "$url" --quiet --spec "$era" --users "$STEPS" --duration "$STEP_DURATION" \
      --tool "$tool" --args "$ARGS" --json "$base.sweep.json" "$@" || log "$name $era sweep: exit $?"
    local rate
    rate=$(python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['sweep']; \
print(max(1, int(max(x['rate_per_s'] for x in s) * float(sys.argv[2]))))" "$base.sweep.json" "$RATE_SHARE") ||
      continue
    log "$name $era: open model at $rate/s for $OPEN_DURATION"
    "$MCPCHECK" bench "$url" --quiet --spec "$era" --rate "$rate" --users 512 --duration "$OPEN_DURATION" \
      --tool "$tool" --args "$ARGS" --json "$base.open.json" "$@" || log "$name $era open: exit $?"
  done
}

if wanted plain; then
  port=$(free_port)
  start plain "$port" "$MCPCHECK" serve plain --port "$port"
  measure plain "http://127.0.0.1:$port/mcp" add
fi
if wanted authorized; then
  as=$(free_port)
  start authserver "$as" "$MCPCHECK" authserver --port "$as"
  port=$(free_port)
  start authorized "$port" "$MCPCHECK" serve authorized --port "$port" --issuer "http://127.0.0.1:$as"
  url=http://127.0.0.1:$port/mcp
  token=$(curl -sf --max-time 10 -H 'Content-Type: application/json' \
    -d "{\"case\":\"valid\",\"audience\":\"$url\",\"scope\":\"read:add\"}" "http://127.0.0.1:$as/mcpcheck/mint" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])') || die "could not mint a token"
  printf 'Authorization: Bearer %s\n' "$token" >"$RUN/auth.headers"
  measure authorized "$url" add -H "@$RUN/auth.headers"
fi
if wanted proxied; then
  back=$(free_port)
  start backend "$back" "$MCPCHECK" serve plain --port "$back"
  printf '{"mcpServers": {"a": {"url": "http://127.0.0.1:%s/mcp"}}}\n' "$back" >"$RUN/proxy.json"
  port=$(free_port)
  start proxied "$port" "$MCPCHECK" serve proxied --port "$port" --config "$RUN/proxy.json"
  measure proxied "http://127.0.0.1:$port/mcp" a_add
fi
if wanted fastmcp; then
  port=$(free_port)
  start fastmcp "$port" "$CACHE/venv/bin/python" "$HERE/interop/fastmcp_add.py" "$port"
  measure fastmcp "http://127.0.0.1:$port/mcp" add
fi
if wanted python-sdk; then
  port=$(free_port)
  start python-sdk "$port" "$CACHE/venv/bin/python" "$HERE/interop/python_sdk_add.py" "$port"
  measure python-sdk "http://127.0.0.1:$port/mcp" add
fi
if wanted everything; then
  port=$(free_port)
  start everything "$port" env PORT="$port" node --require "$HERE/interop/loopback.cjs" "$EVERYTHING_JS" streamableHttp
  measure everything "http://127.0.0.1:$port/mcp" get-sum
fi

python3 - "$OUT" "$SERVERS_WANTED" "$STEPS" "$RATE_SHARE" "$(nproc)" \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" >"$REPORT" <<'PY'
import json, os, sys, datetime
out, servers, steps, share, cores, model = sys.argv[1:]
steps = [int(s) for s in steps.split(",")]
def load(p):
    try:
        return json.load(open(p))
    except Exception:
        return None
print("# Both eras side by side\n")
print(f"Generated by `scripts/bench-eras.sh` on {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC "
      f"({cores} cores, {model}; every server and the generator share them). The same `tools/call` "
      "on 2026-07-28 (stateless: each call one POST, no session) and on 2025-11-25 (a session per "
      f"user), closed model over {', '.join(map(str, steps))} users, then an open-model run at "
      f"{float(share):.0%} of the best closed rate, whose p99 counts from when each call was due "
      "(coordinated omission corrected). Raw results: reports/bench/eras/.\n")
print("Rates are calls/s; latencies ms. One run on a shared 2-core machine: read ratios between rows "
      "of the same run, not absolute numbers.\n")
head = " | ".join(f"{u} users" for u in steps)
print(f"| Server | Revision | {head} | open: rate | open: p50 | open: p99 | open: unsent |")
print("| --- | --- | " + " | ".join("---:" for _ in steps) + " | ---: | ---: | ---: | ---: |")
for name in servers.split():
    for era in ["2026-07-28", "2025-11-25"]:
        base = os.path.join(out, f"{name}-{era}")
        if os.path.exists(base + ".not-served.txt"):
            why = open(base + ".not-served.txt").read().strip().splitlines()
            why = (why[-1] if why else "refused").replace("|", "\\|")[:120]
            print(f"| {name} | {era} | not served: {why} |" + " |" * (len(steps) + 3))
            continue
        sweep = load(base + ".sweep.json")
        if not sweep:
            continue
        cells = []
        for u in steps:
            s = next((x for x in sweep.get("sweep", []) if x.get("users") == u), None)
            if s is None:
                cells.append("–")
                continue
            err = s.get("error_percent", 0)
            mark = f", {err:.1f}% errors" if err >= 0.1 else ""
            cells.append(f"{s['rate_per_s']:.0f} (p50 {s['latency_ms']['p50']:.2f}{mark})")
        o = load(base + ".open.json")
        if o:
            lat = o.get("latency_ms", {})
            open_cells = [f"{o.get('rate_per_s', 0):.0f} of {o.get('target_rate_per_s') or 0:.0f}",
                          f"{lat.get('p50', 0):.2f}", f"{lat.get('p99', 0):.2f}", str(o.get("unsent", 0))]
        else:
            open_cells = ["–"] * 4
        print(f"| {name} | {era} | " + " | ".join(cells + open_cells) + " |")
PY
log "wrote $REPORT"
cat "$REPORT"
