#!/usr/bin/env bash
# `churnml serve --grpc-port`: KServe's inference.GRPCInferenceService,
# driven by a client the project did not write — Debian's python3-grpcio
# with stubs grpc_tools.protoc generates now from the same .proto
# (oip_grpc_client.py): liveness open, ModelInfer refused without or with a
# wrong key, probabilities equal HTTP /infer's bit for bit (typed and raw
# tensors), explain adds contributions that add up to the log-odds, bad
# input and another model name refused with their codes; the calls appear
# in /metrics beside HTTP's; SIGTERM stops both. With A/B variants and a
# shadow: a 90/10 split observed over gRPC within bounds, each customer on
# the same variant over gRPC and HTTP /predict, the variant series counting
# gRPC answers, explain answered (and additive) by the customer's variant's
# model, every call offered to the shadow; the per-key rate limit refuses
# ModelInfer past the burst with RESOURCE_EXHAUSTED and retry-after.
CLIENT="$(cd "$(dirname "$0")" && pwd)/oip_grpc_client.py"
source "$(dirname "$0")/lib.sh"

/usr/bin/python3 -c 'import grpc, grpc_tools' 2>/dev/null ||
  { echo "python3-grpcio / python3-grpc-tools missing (scripts/bootstrap.sh)"; exit 2; }

KEY=grpc-e2e-key-0123456789abcdef-01234
printf '%s\n' "$KEY" >keys.txt
chmod 600 keys.txt

run "$CHURNML" data generate --rows 3000 --seed 31 --out train.csv
expect_status 0 "generate"
run "$CHURNML" data generate --rows 200 --seed 32 --out new.csv
expect_status 0 "generate new"
run "$CHURNML" train --data train.csv --no-track --model xgboost --max-depth 6 --threads 1 --out model
expect_status 0 "train xgboost"
run "$CHURNML" train --data train.csv --no-track --model logistic --out challenger
expect_status 0 "train the challenger (logistic)"

# A port in use is one error line naming the flag.
start_server first.log --model model --api-key-file keys.txt --grpc-port 0 || fail "first server did not start"
GRPC=$(sed -n 's|.*gRPC (inference.GRPCInferenceService) on \([^ ]*\).*|\1|p' first.log | head -1)
expect_eq "${GRPC%:*}" 127.0.0.1 "the gRPC address is printed"
run timeout 60 "$CHURNML" serve --model model --api-key-file keys.txt --port 0 --grpc-port "${GRPC##*:}"
expect_status 2 "gRPC port in use"
expect_contains "$WORK/err" "--grpc-port" "the error names the flag"
expect_one_line_error "gRPC port in use"
stop_server

start_server server.log --model model --api-key-file keys.txt --grpc-port 0 --max-batch 100 ||
  fail "server did not start: $(cat server.log)"
GRPC=$(sed -n 's|.*gRPC (inference.GRPCInferenceService) on \([^ ]*\).*|\1|p' server.log | head -1)
/usr/bin/python3 "$CLIENT" check "$GRPC" "$URL" "$KEY" new.csv >client.out 2>client.err
client_status=$?
while read -r verdict rest; do
  if [[ $verdict == ok ]]; then pass; else fail "python3-grpcio client: $rest"; fi
done <client.out
expect_eq "$client_status" 0 "client exit status ($(tail -c 300 client.err))"
[[ $(grep -c '^ok' client.out) -ge 20 ]] && pass || fail "client ran $(wc -l <client.out) checks"

http GET /metrics
expect_contains "$WORK/body" 'route="/inference.GRPCInferenceService/ModelInfer"' "gRPC calls are counted"
expect_contains "$WORK/body" 'churnml_http_auth_failures_total' "refused gRPC calls count as auth failures"
stop_server
expect_status 0 "SIGTERM stops HTTP and gRPC"

# --- A/B variants and the shadow over gRPC, as over HTTP ---
start_server variants.log --model model --variant challenger=challenger:10 --shadow challenger \
  --api-key-file keys.txt --grpc-port 0 --prediction-log plog --access-log off ||
  fail "variant server did not start: $(cat variants.log)"
GRPC=$(sed -n 's|.*gRPC (inference.GRPCInferenceService) on \([^ ]*\).*|\1|p' variants.log | head -1)
/usr/bin/python3 "$CLIENT" variants "$GRPC" "$URL" "$KEY" new.csv 10 >variants.out 2>variants.err
client_status=$?
while read -r verdict rest; do
  if [[ $verdict == ok ]]; then pass; else fail "python3-grpcio client (variants): $rest"; fi
done <variants.out
expect_eq "$client_status" 0 "variants client exit status ($(tail -c 300 variants.err))"
[[ $(grep -c '^ok' variants.out) -ge 12 ]] && pass || fail "variants client ran $(wc -l <variants.out) checks"
stop_server
expect_status 0 "SIGTERM stops the variant server"
# The prediction log holds the gRPC answers with their variant.
logged=$(cat plog/*.jsonl 2>/dev/null | grep '"variant":"challenger"' | grep -c '"customer_id":"cust-')
[[ $logged -ge 100 ]] && pass ||
  fail "the prediction log holds gRPC answers of the challenger ($logged lines): $(ls plog)"

# --- the per-key rate limit applies to ModelInfer ---
start_server limited.log --model model --api-key-file keys.txt --grpc-port 0 \
  --rate-limit 1 --rate-burst 2 --access-log off || fail "rate-limited server did not start"
GRPC=$(sed -n 's|.*gRPC (inference.GRPCInferenceService) on \([^ ]*\).*|\1|p' limited.log | head -1)
/usr/bin/python3 "$CLIENT" ratelimit "$GRPC" "$KEY" new.csv >limit.out 2>limit.err
client_status=$?
while read -r verdict rest; do
  if [[ $verdict == ok ]]; then pass; else fail "python3-grpcio client (rate limit): $rest"; fi
done <limit.out
expect_eq "$client_status" 0 "rate-limit client exit status ($(tail -c 300 limit.err))"
stop_server
finish
