#!/usr/bin/env bash
# A client driver for `mcpcheck client`: the MCP Inspector's --cli mode does the
# scenario's steps against the scripted server.
#
# Usage: inspector_client.sh URL   (URL last, as `mcpcheck client` appends it)
# Needs: INSPECTOR_CLI (the mcp-inspector launcher) and NODE_BIN (a directory with a
# node the launcher can run), as scripts/interop.sh sets them.
#
# The Inspector's CLI does one method per process, so the steps take two runs, two
# sessions: `--method tools/list` (connect, list, close), then `--method tools/call`
# with the first tool's name and a=2, b=3 (connect, list again to convert the
# arguments to the schema's types, call, close). The protocol revision cannot be
# chosen: the Inspector's TypeScript SDK offers its newest handshake revision and
# accepts what the server answers. Exit 0 when the call answered without isError.
set -euo pipefail

url=${!#}
[[ -n ${INSPECTOR_CLI:-} && -x $INSPECTOR_CLI ]] || {
  echo "[driver] INSPECTOR_CLI is not set or not executable" >&2
  exit 2
}
export PATH=${NODE_BIN:+$NODE_BIN:}$PATH
log() { echo "[driver] $*" >&2; }
log "inspector -> $url scenario=${MCP_CONFORMANCE_SCENARIO:-} revision=${MCP_CONFORMANCE_PROTOCOL_VERSION:-}"

listed=$(timeout 12 "$INSPECTOR_CLI" --cli "$url" --method tools/list) || {
  log "error: tools/list exited $?"
  exit 1
}
first=$(printf '%s' "$listed" | python3 -c 'import json, sys; print(json.load(sys.stdin)["tools"][0]["name"])') || {
  log "error: no tool in the listing: ${listed:0:300}"
  exit 1
}
log "calling $first"
called=$(timeout 12 "$INSPECTOR_CLI" --cli "$url" --method tools/call --tool-name "$first" \
  --tool-arg a=2 --tool-arg b=3) || {
  log "error: tools/call exited $?"
  exit 1
}
log "result: ${called:0:300}"
printf '%s' "$called" | python3 -c 'import json, sys; sys.exit(1 if json.load(sys.stdin).get("isError") else 0)' || {
  log "error: the tool call answered isError"
  exit 1
}
