-- wrk script: POST one small JSON document per request to /stream/bench.
wrk.method = "POST"
wrk.path = "/stream/bench"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"sensor":"s-17","temperature":21.5,"ok":true,"tags":["a","b"]}'
