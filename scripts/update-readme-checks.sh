#!/usr/bin/env bash
# Regenerates the check list in README.md from `mcpcheck list` (the block
# between the two marker lines). tests/cli.rs fails when the list is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
list=$(cargo run -q -- list)
python3 - "$list" <<'PY'
import re, sys
readme = open("README.md").read()
start, end = "<!-- checks:begin -->", "<!-- checks:end -->"
block = f"{start}\n```\n{sys.argv[1]}\n```\n{end}"
if start in readme:
    readme = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda m: block, readme, flags=re.S)
else:
    readme = re.sub(r"Generated with `mcpcheck list`:\n\n```\n.*?```", lambda m: "Generated with `mcpcheck list` (`scripts/update-readme-checks.sh`):\n\n" + block, readme, flags=re.S)
open("README.md", "w").write(readme)
PY
