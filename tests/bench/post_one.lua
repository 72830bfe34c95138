-- wrk script: POST one small JSON document per request to /stream/bench, or,
-- with BENCH_FACE=katar, publish it to Katar topic bench (POST /publish/bench,
-- the raw form): the same bytes through either face.
wrk.method = "POST"
wrk.path = os.getenv("BENCH_FACE") == "katar" and "/publish/bench" or "/stream/bench"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"sensor":"s-17","temperature":21.5,"ok":true,"tags":["a","b"]}'
