-- wrk script for scripts/fault-tests: submits comments (a distinct external id each)
-- and records every answer, one line per response in $FAULT_DIR/answers-<thread>.txt:
--   "<status> <external_id> <comment_id> <verdict status>" for a 2xx, "<status>" else.
-- Environment: FAULT_KEY (site API key), FAULT_RUN (external id prefix), FAULT_DIR,
-- FAULT_BODY_REPEAT (repeat the text this often; big bodies fill a disk sooner),
-- FAULT_AUTHORS (distinct authors to cycle through; default one per request).

local next_thread = 0
function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end

local counter, out, run, rep, authors = 0, nil, "f", 1, 0

function init(args)
  run = os.getenv("FAULT_RUN") or "f"
  rep = tonumber(os.getenv("FAULT_BODY_REPEAT") or "1")
  authors = tonumber(os.getenv("FAULT_AUTHORS") or "0")
  out = io.open((os.getenv("FAULT_DIR") or ".") .. "/answers-" .. run .. "-" .. tid .. ".txt", "a")
  out:setvbuf("line")
  wrk.headers["Authorization"] = "Bearer " .. (os.getenv("FAULT_KEY") or "")
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local author = authors > 0 and (counter % authors) or counter
  local text = string.rep("تعليق على الخبر comment on the news " .. counter .. " ", rep)
  return wrk.format("POST", "/v1/comments", nil, string.format(
    '{"external_id":"%s-%d-%d","thread":{"id":"t%d"},"author":{"id":"a%d-%d"},"body":"%s"}',
    run, tid, counter, counter % 20, tid, author, text))
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    local ext = body:match('"external_id":"([^"]+)"') or "?"
    local id = body:match('"comment_id":"([^"]+)"') or "?"
    local verdict = body:match('"status":"([^"]+)"') or "?"
    out:write(status, " ", ext, " ", id, " ", verdict, "\n")
  else
    out:write(status, "\n")
  end
end
