-- wrk script: POST /predict with one customer (bench/serve/customer.json).
-- Run from the repository root, or set CHURN_CUSTOMER to the JSON file.
--   wrk -t1 -c64 -d10s --latency -s bench/serve/predict.lua http://127.0.0.1:8000
local path = os.getenv("CHURN_CUSTOMER") or "bench/serve/customer.json"
local f = assert(io.open(path, "r"))
local body = f:read("*a"):gsub("%s+$", "")
f:close()
wrk.method = "POST"
wrk.path = "/predict"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
