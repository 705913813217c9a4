-- wrk script for scripts/bench-load. Arguments: mode (healthz | check | comments).
-- Environment: BENCH_CORPUS (one JSON string per line), BENCH_KEY (site API key),
-- BENCH_RUN (prefix that keeps external ids unique across runs), BENCH_OUT (where
-- done() writes the result as JSON).
--
-- Each wrk thread numbers its own requests; the thread id plus that counter makes
-- every external id distinct without any shared state between threads.

local next_thread = 0

function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end

local corpus = {}
local counter = 0
local mode = "healthz"
local run = "r"

function init(args)
  mode = args[1] or "healthz"
  run = os.getenv("BENCH_RUN") or "r"
  local path = os.getenv("BENCH_CORPUS")
  if path then
    for line in io.lines(path) do
      if #line > 2 then corpus[#corpus + 1] = line end
    end
  end
  if #corpus == 0 then corpus[1] = '"hello world"' end
  wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_KEY") or "")
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  if mode == "healthz" then
    return wrk.format("GET", "/healthz")
  end
  counter = counter + 1
  local body = corpus[(counter + tid * 131) % #corpus + 1]
  -- Authors, IPs and threads vary like a busy news site's: many readers, a few hot threads.
  local n = counter % 997
  local author = string.format('{"id":"u%d-%d","ip":"198.51.%d.%d"}', tid, n, tid % 250, n % 250 + 1)
  local thread = string.format('{"id":"article-%d"}', counter % 40)
  if mode == "check" then
    return wrk.format("POST", "/v1/check", nil,
      '{"thread":' .. thread .. ',"author":' .. author .. ',"body":' .. body .. '}')
  end
  local ext = string.format("%s-%d-%d", run, tid, counter)
  return wrk.format("POST", "/v1/comments", nil,
    '{"external_id":"' .. ext .. '","thread":' .. thread .. ',"author":' .. author ..
    ',"body":' .. body .. '}')
end

function done(summary, latency, requests)
  local out = os.getenv("BENCH_OUT")
  if not out then return end
  local secs = summary.duration / 1e6
  local e = summary.errors
  local f = io.open(out, "w")
  f:write(string.format(
    '{"requests":%d,"duration_s":%.3f,"rps":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"non_2xx":%d}}\n',
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.connect, e.read, e.write, e.timeout, e.status))
  f:close()
end
