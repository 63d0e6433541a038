#!/usr/bin/env bash
# `churnml autoscale run --actuator haproxy`: the live autoscaler drives
# local replicas behind a real HAProxy 2.6 through its runtime API, under a
# wrk load that steps low → high → low:
#   - it starts with --min-replicas (one) and leaves the other slots in MAINT;
#   - high load: it starts replicas, enables them once ready (UP in HAProxy);
#   - low load again: after the stabilization window it drains them, stops
#     them once HAProxy shows no session, and no request fails meanwhile;
#   - its own /metrics exports churnml_autoscale_desired_replicas and inputs;
#   - SIGTERM: it drains and stops the replicas it started, and exits 0.
# Also: `autoscale run --targets` counts a replica that does not answer as
# down without stopping, and the flags' errors are one line.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/autoscale_lib.sh"
train_model

# --- flags ------------------------------------------------------------------
run "$CHURNML" autoscale run --target 100
expect_one_line_error "run without --targets or an actuator"
run "$CHURNML" autoscale run --actuator haproxy --target 100
expect_one_line_error "--actuator haproxy without --haproxy-socket"
run "$CHURNML" autoscale run --targets ftp://x/metrics --target 100
expect_one_line_error "a target that is not http://"
run "$CHURNML" autoscale run --targets "http://127.0.0.1:$BASE/metrics" --signal p42
expect_one_line_error "an unknown --signal"

# --- recommend only: a target that does not answer is down, not fatal -------
start_replica 1 || { cat "$WORK/replica1.log"; fail "replica 1 did not start"; finish; exit 1; }
run "$CHURNML" autoscale run --targets "$(replica_url 1)/metrics,http://127.0.0.1:$((BASE + 2))/metrics" \
  --interval 1 --duration 3 --target 100 --no-predictive --scrape-timeout-ms 500
expect_status 0 "a run over one live and one dead target ends normally"
expect_contains "$WORK/err" "on 1 replicas (1 answered)" "the dead target is not counted as a replica"
expect_contains "$WORK/err" "scrape http://127.0.0.1:$((BASE + 2))/metrics" "the failed scrape names its target"
kill "${REPLICA_PID[1]}"
wait "${REPLICA_PID[1]}" 2>/dev/null
unset 'REPLICA_PID[1]'

# --- the actuator -----------------------------------------------------------
run "$CHURNML" deploy haproxy --replicas 3 --strategy leastconn --base-port "$BASE" \
  --bind "127.0.0.1:$FRONT" --stats-socket "$SOCK" --check-interval 0.5 --slow-start 1 \
  --out "$WORK/haproxy.cfg"
expect_status 0 "deploy haproxy writes three server slots"
haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
HAPROXY_PID=$!
wait_until "HAProxy's runtime socket" 20 test -S "$SOCK"

"$CHURNML" autoscale run --actuator haproxy --haproxy-socket "$SOCK" \
  --serve-args "--model churn@champion --threads 1 --access-log off --reload-interval 0" \
  --replica-log-dir "$WORK" --interval 1 --target 300 --min-replicas 1 --max-replicas 3 \
  --stabilization 6 --no-predictive --min-drain-ms 1500 --metrics-port "$MPORT" \
  2>"$WORK/autoscale.log" &
MAIN_PID=$!

serving_count() {
  local n=0 s
  for s in r1 r2 r3; do status_is "$s" UP && n=$((n + 1)); done
  echo "$n"
}
count_is() { [[ $(serving_count) == "$1" ]]; }
wait_until "the autoscaler starts one replica (r1 UP)" 60 status_is r1 UP ||
  { cat "$WORK/autoscale.log" "$WORK/r1.log"; finish; exit 1; }
expect_eq "$(server_stat r3 status)" MAINT "unused slots are in maint"

# Recommend only, with the replicas read from HAProxy's runtime API.
run "$CHURNML" autoscale run --haproxy-socket "$SOCK" --interval 1 --duration 2 --target 300 --no-predictive
expect_status 0 "autoscale run --haproxy-socket (no actuator)"
expect_contains "$WORK/err" "on 1 replicas (1 answered)" "HAProxy's UP servers are the replicas scraped"

cat >"$WORK/slow.lua" <<LUA
wrk.method = "POST"
wrk.body = '$CUSTOMER'
wrk.headers["Content-Type"] = "application/json"
function delay() return 25 end
LUA
write_wrk_script
FRONT_URL="http://127.0.0.1:$FRONT/predict"

# Low: ~80 requests/s on two connections, far under one replica's 300.
wrk -t1 -c2 -d5s -s "$WORK/slow.lua" "$FRONT_URL" >"$WORK/wrk-low1.out" 2>&1
expect_eq "$(wrk_errors "$WORK/wrk-low1.out")" 0 "no failed request at low load"
expect_eq "$(serving_count)" 1 "one replica is enough at low load"

# High: as fast as the machine goes: thousands per second.
wrk -t2 -c8 -d25s -s "$WORK/post.lua" "$FRONT_URL" >"$WORK/wrk-high.out" 2>&1 &
WRK_PID=$!
up_at_start=$(date +%s)
wait_until "high load scales up to three replicas" 25 count_is 3
scale_up_s=$(($(date +%s) - up_at_start))
desired_high=$(autoscale_metric churnml_autoscale_desired_replicas)
expect_eq "$desired_high" 3 "the exported recommendation is 3 under high load"
wait "$WRK_PID"
WRK_PID=""
expect_eq "$(wrk_errors "$WORK/wrk-high.out")" 0 "no failed request while scaling up"

# Low again, measured over the whole scale-down.
wrk -t1 -c2 -d30s -s "$WORK/slow.lua" "$FRONT_URL" >"$WORK/wrk-low2.out" 2>&1 &
WRK_PID=$!
down_at_start=$(date +%s)
wait_until "low load drains back to one replica" 30 count_is 1
both_maint() { status_is r2 MAINT && status_is r3 MAINT; }
wait_until "the drained slots end in maint" 20 both_maint
scale_down_s=$(($(date +%s) - down_at_start))
gone() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_until "the drained replicas' processes stopped" 20 gone $((BASE + 2))
wait "$WRK_PID"
WRK_PID=""
low2_requests=$(wrk_requests "$WORK/wrk-low2.out")
expect_eq "$(wrk_errors "$WORK/wrk-low2.out")" 0 "zero failed requests during the scale-down"
[[ ${low2_requests:-0} -gt 200 ]] && pass || fail "the scale-down phase carried traffic ($low2_requests requests)"
expect_contains "$WORK/autoscale.log" "actuator: drain r3" "r3 was drained"
expect_contains "$WORK/autoscale.log" "actuator: stop r3 (drained)" "r3 stopped only once drained"

curl -s "http://127.0.0.1:$MPORT/metrics" >"$WORK/as-metrics.txt"
expect_contains "$WORK/as-metrics.txt" "churnml_autoscale_desired_replicas 1" "recommendation back at 1"
expect_contains "$WORK/as-metrics.txt" 'churnml_autoscale_recommended_replicas{policy="reactive"}' "inputs exported"
expect_contains "$WORK/as-metrics.txt" 'churnml_autoscale_actions_total{action="drain",outcome="ok"} 2' "two drains counted"
if command -v promtool >/dev/null; then
  promtool check metrics <"$WORK/as-metrics.txt" >"$WORK/promtool.out" 2>&1 && pass ||
    fail "promtool check metrics: $(cat "$WORK/promtool.out")"
fi

# SIGTERM: drains and stops what it started, exits 0.
kill -TERM "$MAIN_PID"
wait "$MAIN_PID"
expect_eq "$?" 0 "the autoscaler exits 0 on SIGTERM"
MAIN_PID=""
gone "$BASE" && pass || fail "r1's replica still answers after the autoscaler stopped"
expect_eq "$(server_stat r1 status)" MAINT "r1 left in maint"

echo "figures: scale-up to 3 in ${scale_up_s}s, scale-down to 1 in ${scale_down_s}s," \
  "high phase $(wrk_requests "$WORK/wrk-high.out") requests, scale-down phase $low2_requests requests, 0 failed"
finish
