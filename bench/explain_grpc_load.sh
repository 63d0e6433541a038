#!/usr/bin/env bash
# Explanation cost and gRPC throughput of `churnml serve` (docs/benchmarks.md,
# "Explanations and gRPC"). One server (XGBoost, 100 trees of depth 6,
# 3,000 generated training rows) with --grpc-port; clients are Python
# (Debian's python3, urllib and python3-grpcio), so client overhead bounds
# the throughput figures: compare the rows with each other, not with wrk.
#   bench/explain_grpc_load.sh BUILD_DIR [SECONDS] [THREADS]
set -euo pipefail
churnml=$(realpath "${1:?usage: $0 BUILD_DIR [SECONDS] [THREADS]}/churnml")
seconds=${2:-10}
threads=${3:-4}
here=$(cd "$(dirname "$0")" && pwd)
client="$here/../tests/e2e/oip_grpc_client.py"
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
key=bench-key-0123456789abcdef-0123456789
echo "$key" >keys.txt
"$churnml" data generate --rows 3000 --seed 31 --out train.csv 2>/dev/null
"$churnml" train --data train.csv --no-track --model xgboost --max-depth 6 --n-estimators 100 \
  --out model 2>/dev/null
"$churnml" serve --model model --api-key-file keys.txt --port 0 --grpc-port 0 --access-log off \
  2>serve.log &
pid=$!
for _ in $(seq 300); do grep -q 'ready in' serve.log && break; sleep 0.1; done
http=$(sed -n 's|.* on http://\([^ ]*\) (ready in.*|\1|p' serve.log)
grpc=$(sed -n 's|.*gRPC (inference.GRPCInferenceService) on \([^ ]*\).*|\1|p' serve.log)
/usr/bin/python3 - "$http" "$key" "$seconds" "$threads" <<'PY'
import json, sys, threading, time, urllib.request
url, key, seconds, threads = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
customer = {"customerID": "7590-VHVEG", "gender": "Female", "SeniorCitizen": 0, "Partner": "Yes",
            "Dependents": "No", "tenure": 1, "PhoneService": "No",
            "MultipleLines": "No phone service", "InternetService": "DSL",
            "OnlineSecurity": "No", "OnlineBackup": "Yes", "DeviceProtection": "No",
            "TechSupport": "No", "StreamingTV": "No", "StreamingMovies": "No",
            "Contract": "Month-to-month", "PaperlessBilling": "Yes",
            "PaymentMethod": "Electronic check", "MonthlyCharges": 29.85, "TotalCharges": "29.85"}
def run(path, body):
    data = json.dumps(body).encode()
    lat, lock = [], threading.Lock()
    stop = time.monotonic() + seconds
    def worker():
        mine = []
        while time.monotonic() < stop:
            req = urllib.request.Request("http://" + url + path, data=data, method="POST",
                headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
            t0 = time.perf_counter()
            urllib.request.urlopen(req).read()
            mine.append(time.perf_counter() - t0)
        with lock:
            lat.extend(mine)
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    start = time.monotonic()
    [t.start() for t in pool]; [t.join() for t in pool]
    elapsed = time.monotonic() - start
    lat.sort()
    print(json.dumps({"route": path, "rows": len(body.get("customers", [body])),
                      "rps": round(len(lat) / elapsed, 1), "p50_ms": round(1000 * lat[len(lat) // 2], 3),
                      "p99_ms": round(1000 * lat[int(0.99 * len(lat))], 3)}))
run("/predict", customer)
run("/explain", customer)
batch = {"customers": [dict(customer, customerID=str(i)) for i in range(100)]}
run("/predict/batch", batch)
run("/explain/batch", batch)
PY
"$churnml" data generate --rows 100 --seed 32 --out rows.csv 2>/dev/null
for rows in 1 100; do
  /usr/bin/python3 "$client" bench "$grpc" "$key" rows.csv "$seconds" "$threads" "$rows"
  /usr/bin/python3 "$client" bench "$grpc" "$key" rows.csv "$seconds" "$threads" "$rows" "http://$http"
done
