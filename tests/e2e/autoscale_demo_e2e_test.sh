#!/usr/bin/env bash
# `churnml demo --replicas 3`: the demo's last step serves the champion on
# three `churnml serve` replicas behind a real HAProxy (started and enabled
# through HAProxy's runtime API by the local actuator) and prints the front
# URL; requests through it reach all three replicas; when the demo ends the
# replicas and HAProxy are stopped. Without haproxy on the PATH it says so in
# one line and serves one replica.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/autoscale_lib.sh"

"$CHURNML" demo --workdir demo --rows 2000 --replicas 3 --port "$FRONT" \
  --replica-base-port "$BASE" --serve-seconds 60 >demo.out 2>demo.err </dev/null &
MAIN_PID=$!
front_up() { grep -q "^Serving: " demo.out; }
wait_until "the demo prints its front URL" 150 front_up ||
  { cat demo.err demo/haproxy.log 2>/dev/null; finish; exit 1; }
expect_contains demo.out "Serving:     http://127.0.0.1:$FRONT (HAProxy, leastconn, in front of 3 replicas" \
  "the front URL is HAProxy's"
expect_contains demo.err "7/7 serving churn@champion on 3 replicas behind HAProxy" "the step says so"

SOCK="$WORK/demo/haproxy.sock"
for s in r1 r2 r3; do expect_eq "$(server_stat "$s" status)" UP "$s is UP in HAProxy"; done
declare -A seen=()
for _ in $(seq 1 30); do
  replica=$(curl -s -D - -o /dev/null -X POST -H 'Content-Type: application/json' \
    --data-binary @demo/customer.json "http://127.0.0.1:$FRONT/predict" |
    tr -d '\r' | awk -F': ' 'tolower($1) == "x-churnml-replica" {print $2}')
  [[ -n $replica ]] && seen[$replica]=1
done
expect_eq "$(printf '%s\n' "${!seen[@]}" | sort | tr '\n' ' ')" "r1 r2 r3 " "requests through the front reach all three replicas"
answer=$(curl -s -X POST -H 'Content-Type: application/json' --data-binary @demo/customer.json \
  "http://127.0.0.1:$FRONT/predict")
expect_eq "$(jq -r '.probability >= 0 and .probability <= 1' <<<"$answer")" true "a prediction through HAProxy"

kill -INT "$MAIN_PID"
wait "$MAIN_PID"
expect_eq "$?" 0 "the demo ends cleanly on Ctrl-C"
MAIN_PID=""
expect_contains demo.err "replicas drained and stopped" "the replicas are stopped"
stopped() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in $BASE $((BASE + 1)) $((BASE + 2)) $FRONT; do
  wait_until "port $p closed after the demo" 15 stopped "$p"
done

# Without haproxy on the PATH: one line, one replica.
mkdir -p nohaproxy
for tool in dirname realpath; do ln -sf "$(command -v $tool)" nohaproxy/; done
run env PATH="$WORK/nohaproxy" "$CHURNML" demo --workdir demo2 --rows 1000 --replicas 3 --port 0 </dev/null
expect_status 0 "the demo without haproxy"
expect_contains "$WORK/err" "--replicas 3: haproxy is not installed (apt-get install haproxy), so one replica serves" \
  "one clear line when haproxy is missing"
expect_contains "$WORK/err" "7/7 checking that churn@champion serves" "and it serves one replica"
finish
