-- wrk script: POST a batch of 1000 documents of ~200 bytes per request to
-- /stream/bench (the same documents as bench_engine and bench_redis).
local pad = string.rep("x", 150)
local docs = {}
for i = 0, 999 do
  docs[#docs + 1] = string.format('{"n":%d,"sensor":"s-17","pad":"%s"}', i, pad)
end
wrk.method = "POST"
wrk.path = "/stream/bench"
wrk.headers["Content-Type"] = "application/json"
wrk.body = "[" .. table.concat(docs, ",") .. "]"
