-- wrk script: one Hub query, BENCH_QUERY (a path below /channel/NAME, e.g.
-- "latest", "earliest", "next/100" from a key, a minute), on channel
-- BENCH_CHANNEL, with stable=false. The answer is a 303 or a 200.
local channel = os.getenv("BENCH_CHANNEL") or "big"
local query = os.getenv("BENCH_QUERY") or "latest"
wrk.method = "GET"
wrk.path = "/channel/" .. channel .. "/" .. query .. "?stable=false"
