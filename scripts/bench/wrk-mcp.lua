-- wrk script for scripts/bench-compare.sh: POSTs the same MCP tools/call (add)
-- on one session, opened (initialize + notifications/initialized) by the
-- shell script, whose id comes in MCP_SESSION. Each request gets its own
-- JSON-RPC id (a thread number and a counter), as a real client's would:
-- one id reused by concurrent requests on a session is not valid JSON-RPC.
-- done() prints one line, "RESULT {json}", that scripts/bench/report.py reads.

local session = os.getenv("MCP_SESSION")
local args = os.getenv("MCP_ARGS") or '{"a":1,"b":2}'
local threads = 0
local counter = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["Mcp-Session-Id"] = session
wrk.headers["MCP-Protocol-Version"] = "2025-11-25"

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"add","arguments":%s}}',
    tid * 1000000000 + counter, args)
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
