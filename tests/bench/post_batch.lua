-- wrk script: POST a batch of 1000 documents of ~200 bytes per request to
-- /stream/bench (the same documents as bench_engine and bench_redis), or,
-- with BENCH_FACE=katar, publish them to Katar topic bench in one request, or,
-- with BENCH_FACE=hub, insert them into Hub channel bench as one bulk insert.
local pad = string.rep("x", 150)
local docs = {}
for i = 0, 999 do
  docs[#docs + 1] = string.format('{"n":%d,"sensor":"s-17","pad":"%s"}', i, pad)
end
local array = "[" .. table.concat(docs, ",") .. "]"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
if os.getenv("BENCH_FACE") == "hub" then
  -- One Hub bulk insert: a multipart/mixed part per document.
  local parts = {}
  for i = 1, #docs do
    parts[#parts + 1] = "--B\r\nContent-Type: application/json\r\n\r\n" .. docs[i] .. "\r\n"
  end
  wrk.path = "/channel/bench/bulk"
  wrk.headers["Content-Type"] = "multipart/mixed; boundary=B"
  wrk.body = table.concat(parts) .. "--B--\r\n"
elseif os.getenv("BENCH_FACE") == "katar" then
  wrk.path = "/publish"
  wrk.body = '{"topic":"bench","messages":' .. array .. '}'
else
  wrk.path = "/stream/bench"
  wrk.body = array
end
