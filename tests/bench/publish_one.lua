-- wrk script: publish one small message per request to Katar topic bench
-- (POST /publish/bench, the seed code's raw form): the same document as
-- post_one.lua sends to /stream/bench.
wrk.method = "POST"
wrk.path = "/publish/bench"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"sensor":"s-17","temperature":21.5,"ok":true,"tags":["a","b"]}'
