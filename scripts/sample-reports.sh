#!/usr/bin/env bash
# Regenerates the sample reports under reports/ from the embedded plain
# reference server: a clean default run (every revision the server supports,
# with the opt-in robustness checks so the sample shows the whole catalogue)
# (HTML with its report.json, and Markdown), a run with a fault only in the handshake era (exit 1), and
# the matrix of the two. tests/reports.rs fails when the committed samples no
# longer cover the catalogue. Usage: scripts/sample-reports.sh [MCPCHECK]
# (MCPCHECK defaults to a debug build made with cargo).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ge 1 ]; then
  mcpcheck="$1"
else
  cargo build --quiet --bin mcpcheck
  mcpcheck="${CARGO_TARGET_DIR:-target}/debug/mcpcheck"
fi
fault=init-no-server-info
rm -rf reports/html reports/plain*.json reports/plain*.md
mkdir -p reports/html
export GITHUB_STEP_SUMMARY=

"$mcpcheck" test --quiet --robustness --markdown reports/plain.md --html reports/html/plain
# The fault breaks the handshake revisions only: exit 1 is expected.
status=0
"$mcpcheck" test --quiet --fault "$fault" --markdown "reports/plain-fault-$fault.md" \
  --html "reports/html/plain-fault-$fault" || status=$?
if [ "$status" -ne 1 ]; then
  echo "expected the faulted run to exit 1, got $status" >&2
  exit 1
fi
"$mcpcheck" report matrix --html reports/html/matrix \
  reports/html/plain/report.json "reports/html/plain-fault-$fault/report.json"
# One JSON sample is enough (the clean run's, beside its page).
rm "reports/html/plain-fault-$fault/report.json"
echo "sample reports written under reports/"
