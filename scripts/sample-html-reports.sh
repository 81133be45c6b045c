#!/usr/bin/env bash
# Regenerates the sample HTML reports under reports/html/ from the embedded
# plain reference server: a clean run, a faulted run, and a matrix of the two
# plus the 2026-07-28 run. Usage: scripts/sample-html-reports.sh [MCPCHECK]
# (MCPCHECK defaults to a debug build made with cargo).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ge 1 ]; then
  mcpcheck="$1"
else
  cargo build --quiet --bin mcpcheck
  mcpcheck="${CARGO_TARGET_DIR:-target}/debug/mcpcheck"
fi
out=reports/html
rm -rf "$out"
mkdir -p "$out"

"$mcpcheck" test --quiet --spec 2025-11-25 --html "$out/plain-2025-11-25"
"$mcpcheck" test --quiet --spec 2026-07-28 --html "$out/plain-2026-07-28"
# The fault makes one MUST check fail: exit 1 is expected.
status=0
"$mcpcheck" test --quiet --spec 2025-11-25 --fault unknown-session-400 \
  --html "$out/plain-fault-unknown-session-400" || status=$?
if [ "$status" -ne 1 ]; then
  echo "expected the faulted run to exit 1, got $status" >&2
  exit 1
fi
"$mcpcheck" report matrix --html "$out/matrix" \
  "$out/plain-2025-11-25/report.json" \
  "$out/plain-fault-unknown-session-400/report.json" \
  "$out/plain-2026-07-28/report.json"
echo "sample reports written under $out/"
