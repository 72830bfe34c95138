-- wrk script: publish a batch of 1000 messages of ~200 bytes per request to
-- Katar topic bench (POST /publish): the same documents as post_batch.lua.
local pad = string.rep("x", 150)
local docs = {}
for i = 0, 999 do
  docs[#docs + 1] = string.format('{"n":%d,"sensor":"s-17","pad":"%s"}', i, pad)
end
wrk.method = "POST"
wrk.path = "/publish"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"topic":"bench","messages":[' .. table.concat(docs, ",") .. ']}'
