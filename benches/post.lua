-- The wrk script of the load benchmarks (pg/load.sh, pg/pages.sh, datasette.sh): POSTs the
-- JSON body in the file named by $BODY. With CHECK=1 it also counts every answer that is not
-- a 200 or carries "errors" (reading bodies costs wrk time, so measured runs go without).
-- Prints one line: RESULT req/s p50-ms p99-ms failures requests, where failures also count
-- wrk's own socket errors and timeouts. With AUTH set, it is sent as the Authorization header.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  bad = 0
  local f = io.open(os.getenv("BODY"), "r"); wrk.body = f:read("*a"); f:close()
  wrk.method = "POST"; wrk.headers["Content-Type"] = "application/json"
  if os.getenv("AUTH") then wrk.headers["Authorization"] = os.getenv("AUTH") end
end
if os.getenv("CHECK") == "1" then
  function response(status, headers, body)
    if status ~= 200 or string.find(body, "\"errors\"", 1, true) then bad = bad + 1 end
  end
end
function done(summary, latency, requests)
  local n = summary.errors.status + summary.errors.timeout + summary.errors.read + summary.errors.connect
  for _, t in ipairs(threads) do n = n + (t:get("bad") or 0) end
  io.write(string.format("RESULT %.2f %.3f %.3f %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, n, summary.requests))
end
