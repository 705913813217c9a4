-- wrk script for scripts/bench-load. Arguments: mode (healthz | check | comments).
-- Environment: BENCH_CORPUS (one JSON string per line), BENCH_KEY (site API key),
-- BENCH_RUN (prefix that keeps external ids unique across runs), BENCH_OUT (where
-- done() writes the result as JSON).
--
-- wrk runs on the same cores as the server, so every microsecond its Lua spends
-- building a request is taken from the server under test. Each thread therefore
-- builds a pool of requests once, in init(), and request() only picks the next one.
-- For /v1/comments the external id must differ on every request: the pooled request
-- is split around a fixed-width counter, so request() joins three strings.
--
-- Each wrk thread numbers its own requests; the thread id plus that counter makes
-- every external id distinct without any shared state between threads.

local next_thread = 0

function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end

-- Authors cycle over 997 readers per thread, so a pool of 4 × 997 requests holds every
-- reader, every body of the corpus (400) and every hot thread (40) of the old
-- per-request generator, in the same proportions.
local POOL = 4 * 997
local ID_WIDTH = 10
local ID_HOLE = string.rep("#", ID_WIDTH)

local mode = "healthz"
local heads, tails = {}, {}
local counter = 0

function init(args)
  mode = args[1] or "healthz"
  local run = os.getenv("BENCH_RUN") or "r"
  local corpus = {}
  local path = os.getenv("BENCH_CORPUS")
  if path then
    for line in io.lines(path) do
      if #line > 2 then corpus[#corpus + 1] = line end
    end
  end
  if #corpus == 0 then corpus[1] = '"hello world"' end
  wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_KEY") or "")
  wrk.headers["Content-Type"] = "application/json"

  if mode == "healthz" then
    heads[1] = wrk.format("GET", "/healthz")
    return
  end
  for i = 1, POOL do
    local body = corpus[(i + tid * 131) % #corpus + 1]
    -- Authors, IPs and threads vary like a busy news site's: many readers, a few hot threads.
    local n = i % 997
    local author = string.format('{"id":"u%d-%d","ip":"198.51.%d.%d"}', tid, n, tid % 250, n % 250 + 1)
    local thread = string.format('{"id":"article-%d"}', i % 40)
    if mode == "check" then
      heads[i] = wrk.format("POST", "/v1/check", nil,
        '{"thread":' .. thread .. ',"author":' .. author .. ',"body":' .. body .. '}')
    else
      local req = wrk.format("POST", "/v1/comments", nil,
        '{"external_id":"' .. run .. '-' .. tid .. '-' .. ID_HOLE .. '","thread":' .. thread ..
        ',"author":' .. author .. ',"body":' .. body .. '}')
      local at = req:find(ID_HOLE, 1, true)
      heads[i] = req:sub(1, at - 1)
      tails[i] = req:sub(at + ID_WIDTH)
    end
  end
end

function request()
  counter = counter + 1
  if mode == "healthz" then
    return heads[1]
  end
  local i = counter % POOL + 1
  if mode == "check" then
    return heads[i]
  end
  return heads[i] .. string.format("%010d", counter) .. tails[i]
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
