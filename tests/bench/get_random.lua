-- wrk script: GET one document at a random location of /stream/range,
-- which holds BENCH_DOCS documents (environment variable).
local docs = tonumber(os.getenv("BENCH_DOCS") or "100000")
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/stream/range/" .. math.random(0, docs - 1))
end
