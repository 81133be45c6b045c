#!/usr/bin/env bash
# The long fuzz run: every property-based fuzz target of the decoders that read
# peer bytes (tests/fuzz_decoders.rs, src/wire/fuzz.rs,
# reference-servers/src/authorized/fuzz.rs), each with many more cases than the
# bounded corpus `cargo test` runs, one target at a time under a timeout. Not
# part of .ci/run (minutes, not seconds); run it after touching a decoder.
#
#   scripts/fuzz.sh                 # every target, 20000 cases each
#   scripts/fuzz.sh sse_ jwt        # only targets whose name contains one of these
#   FUZZ_CASES=2000 scripts/fuzz.sh # a quicker pass
#
# Environment knobs:
#   FUZZ_CASES     cases per target (default 20000). The targets read it
#                  themselves; PROPTEST_CASES must stay unset, as proptest
#                  applies it over every target's own config.
#   FUZZ_TIMEOUT   seconds per target before it counts as hung (default 600)
#   CARGO_TARGET_DIR is honoured; builds are debug, like the tests.
#
# A failing case is shrunk and its seed saved under proptest-regressions/ (next
# to the file of the target): commit that file, and turn the finding into a
# plain named test beside the target. Exit status: 0 when every target passed,
# 1 when any failed or timed out (each is named at the end).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CASES=${FUZZ_CASES:-20000}
unset PROPTEST_CASES
PER_TARGET=${FUZZ_TIMEOUT:-600}
FILTERS=("$@")

# Each suite: the cargo arguments that select its test binary, and a pattern
# its fuzz targets' names match (the lib suites hold every unit test too).
SUITES=(
  "--test fuzz_decoders|."
  "--lib -p mcpcheck|::fuzz::"
  "--lib -p reference-servers|::fuzz::"
)

wanted() {
  local name=$1
  [[ ${#FILTERS[@]} -eq 0 ]] && return 0
  for f in "${FILTERS[@]}"; do
    [[ $name == *"$f"* ]] && return 0
  done
  return 1
}

failed=()
passed=0
for entry in "${SUITES[@]}"; do
  suite=${entry%%|*}
  pattern=${entry#*|}
  # shellcheck disable=SC2086 # the suite is several words on purpose
  cargo test --quiet $suite --no-run
  # shellcheck disable=SC2086
  mapfile -t names < <(cargo test --quiet $suite -- --list 2>/dev/null |
    sed -n 's/: test$//p' | grep -E -- "$pattern" || true)
  for name in "${names[@]}"; do
    wanted "$name" || continue
    echo "== $name ($CASES cases, at most ${PER_TARGET}s)"
    start=$(date +%s)
    # shellcheck disable=SC2086
    if FUZZ_CASES=$CASES timeout "$PER_TARGET" cargo test --quiet $suite -- --exact "$name"; then
      passed=$((passed + 1))
      echo "   ok in $(($(date +%s) - start))s"
    else
      rc=$?
      [[ $rc -eq 124 ]] && echo "   TIMED OUT after ${PER_TARGET}s"
      failed+=("$name")
    fi
  done
done

echo "fuzz: $passed passed, ${#failed[@]} failed"
if [[ ${#failed[@]} -gt 0 ]]; then
  printf '   failed: %s\n' "${failed[@]}"
  exit 1
fi
