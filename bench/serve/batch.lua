-- wrk script: POST /predict/batch with the body in CHURN_BATCH_BODY
-- ({"customers":[...]}, 100 customers; bench/serve_load.sh writes it from the
-- generated CSV with bench/serve/make_batch.py).
--   CHURN_BATCH_BODY=batch.json wrk -t1 -c64 -d10s --latency -s bench/serve/batch.lua URL
local path = assert(os.getenv("CHURN_BATCH_BODY"), "set CHURN_BATCH_BODY")
local f = assert(io.open(path, "r"))
local body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.path = "/predict/batch"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
