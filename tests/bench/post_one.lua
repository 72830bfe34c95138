-- wrk script: POST one small JSON document per request to /stream/bench, or,
-- with BENCH_FACE=katar, publish it to Katar topic bench (POST /publish/bench,
-- the raw form), or, with BENCH_FACE=hub, insert it as an item of Hub channel
-- bench (POST /channel/bench): the same bytes through each face.
wrk.method = "POST"
local face = os.getenv("BENCH_FACE")
wrk.path = face == "katar" and "/publish/bench" or (face == "hub" and "/channel/bench" or "/stream/bench")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"sensor":"s-17","temperature":21.5,"ok":true,"tags":["a","b"]}'
