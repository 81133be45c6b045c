-- wrk script for scripts/bench-compare.sh: POSTs the same MCP tools/call (add)
-- on one session, opened (initialize + notifications/initialized) by the
-- shell script, whose id comes in MCP_SESSION; or, with MCP_STATELESS=1, as a
-- 2026-07-28 stateless request (no session: the revision, capabilities and
-- client in the request's _meta, the Mcp-Method and Mcp-Name headers that
-- revision requires). Each request gets its own
-- JSON-RPC id (a thread number and a counter), as a real client's would:
-- one id reused by concurrent requests on a session is not valid JSON-RPC.
-- done() prints one line, "RESULT {json}", that scripts/bench/report.py reads.

local session = os.getenv("MCP_SESSION")
local args = os.getenv("MCP_ARGS") or '{"a":1,"b":2}'
local threads = 0
local counter = 0

local stateless = os.getenv("MCP_STATELESS") == "1"
local meta = ""

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
if stateless then
  wrk.headers["MCP-Protocol-Version"] = "2026-07-28"
  wrk.headers["Mcp-Method"] = "tools/call"
  wrk.headers["Mcp-Name"] = "add"
  meta = ',"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",' ..
    '"io.modelcontextprotocol/clientCapabilities":{},' ..
    '"io.modelcontextprotocol/clientInfo":{"name":"wrk","version":"0"}}'
else
  wrk.headers["Mcp-Session-Id"] = session
  wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
end

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"add","arguments":%s%s}}',
    tid * 1000000000 + counter, args, meta)
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"status_errors":%d,"timeouts":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
