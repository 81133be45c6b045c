-- wrk script like wrk-mcp.lua, but spreading the calls over several
-- sessions (MCP_SESSIONS: comma-separated ids, each opened with initialize +
-- notifications/initialized), as `mcpcheck bench --users N` opens one session
-- per user. With MCP_SESSIONS holding N ids at N connections, the server
-- carries the same session load under wrk as under mcpcheck, so the two
-- generators can be compared like for like (one session for every
-- connection costs `serve plain` less per call than N sessions do).
-- Headers are merged per request: wrk.format with a header table replaces
-- wrk.headers rather than adding to them.

local sessions = {}
for s in string.gmatch(os.getenv("MCP_SESSIONS"), "[^,]+") do sessions[#sessions + 1] = s end
local session = sessions[1]
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
  local h = {}
  for k, v in pairs(wrk.headers) do h[k] = v end
  h["Mcp-Session-Id"] = sessions[(tid * 7 + counter) % #sessions + 1]
  return wrk.format(nil, nil, h, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"status_errors":%d,"timeouts":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
