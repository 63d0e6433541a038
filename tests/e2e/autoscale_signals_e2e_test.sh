#!/usr/bin/env bash
# `churnml autoscale run --signal p99` and `--signal queue-depth`:
#   - p99 against three real replicas behind a real HAProxy under wrk: when
#     one replica is made slow by fault injection, the p99 of the prediction
#     routes (from the difference of two scrapes of each replica's latency
#     histogram, summed over replicas) rises and so does the recommendation
#     (HPA's formula with p99 as a ratio of its target);
#   - the quantile agrees with Prometheus: the same bucket increases given to
#     promtool's histogram_quantile give the value the autoscaler exports;
#   - a replica with hostile buckets (not cumulative) is refused in one line
#     and counted as down; a restarted replica is skipped for the interval;
#     an interval without requests is no signal and the count holds;
#   - queue-depth takes the deepest report per queue over the workers and
#     sums the selected queues (desired = ceil(depth / target)).
# The fixed texts (agreement, hostile, restart, queue depth) come from a
# small real HTTP server in this test; the replicas and HAProxy are real.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/autoscale_lib.sh"
command -v python3 >/dev/null || { echo "python3 missing"; exit 2; }
command -v promtool >/dev/null || { echo "promtool missing (apt-get install prometheus)"; exit 2; }

# --- flags ------------------------------------------------------------------
run "$CHURNML" autoscale run --targets "http://127.0.0.1:$BASE/metrics" --signal p42
expect_one_line_error "an unknown --signal"
expect_contains "$WORK/err" "choose rps, inflight, p99 or queue-depth" "the choices are listed"
run "$CHURNML" autoscale run --targets "http://127.0.0.1:$BASE/metrics" --signal rps --queues a
expect_one_line_error "--queues without --signal queue-depth"

# --- a server of fixed /metrics texts ----------------------------------------
# GET /NAME/metrics answers scrape n (1, 2, ...) of NAME: every bucket of
# NAME's spec at n x its increase (so each interval adds the same), or from
# scrape `reset_at` on, (n - reset_at + 1) x it (the replica restarted);
# "text" specs answer their text as is.
cat >fixed_metrics.py <<'PY'
import http.server, json, sys
spec = json.load(open(sys.argv[1]))
hits = {}
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        name = self.path.strip("/").split("/")[0]
        if name not in spec:
            self.send_error(404)
            return
        hits[name] = n = hits.get(name, 0) + 1
        s = spec[name]
        if "text" in s:
            body = s["text"]
        else:
            k = n - s["reset_at"] + 1 if n >= s.get("reset_at", 1 << 30) else n
            body = "".join(
                'churnml_http_request_duration_seconds_bucket{route="/predict",le="%s"} %d\n'
                % (le, k * inc) for le, inc in s["buckets"])
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
open(sys.argv[2], "w").write(str(server.server_address[1]))
server.serve_forever()
PY
# a: 200 requests per interval, fast; b: 100 per interval, all 50-100 ms.
cat >spec.json <<'EOF'
{
  "a": {"buckets": [["0.01", 180], ["0.05", 198], ["0.1", 200], ["+Inf", 200]]},
  "b": {"buckets": [["0.01", 0], ["0.05", 0], ["0.1", 100], ["+Inf", 100]]},
  "idle": {"buckets": [["0.01", 0], ["0.05", 0], ["0.1", 0], ["+Inf", 0]]},
  "restart": {"buckets": [["0.01", 10], ["0.05", 10], ["0.1", 10], ["+Inf", 10]], "reset_at": 3},
  "hostile": {"text": "churnml_http_request_duration_seconds_bucket{route=\"/predict\",le=\"0.1\"} 90\nchurnml_http_request_duration_seconds_bucket{route=\"/predict\",le=\"+Inf\"} 9\n"},
  "w1": {"text": "churnml_jobs_queue_depth{queue=\"default\"} 40\nchurnml_jobs_queue_depth{queue=\"nightly\"} 5\n"},
  "w2": {"text": "churnml_jobs_queue_depth{queue=\"default\"} 42\n"}
}
EOF
python3 fixed_metrics.py spec.json fixed.port &
FIXED_PID=$!
trap 'kill $FIXED_PID 2>/dev/null; cleanup_autoscale_test' EXIT
wait_until "the fixed-text server listens" 20 test -s fixed.port
FIXED="http://127.0.0.1:$(cat fixed.port)"

# p99 of a + b, exported at full precision, against promtool's histogram_quantile.
"$CHURNML" autoscale run --targets "$FIXED/a/metrics,$FIXED/b/metrics" --signal p99 --target 0.05 \
  --interval 1 --duration 30 --metrics-port "$MPORT" 2>p99-fixed.log &
MAIN_PID=$!
has_number() { [[ $(autoscale_metric churnml_autoscale_load) =~ ^[0-9.]+$ ]]; }
wait_until "the p99 of the fixed replicas is exported" 20 has_number
p99=$(autoscale_metric churnml_autoscale_load)
desired=$(autoscale_metric churnml_autoscale_desired_replicas)
kill "$MAIN_PID"
wait "$MAIN_PID" 2>/dev/null
MAIN_PID=""
expect_contains p99-fixed.log "--signal p99: no seasonal forecast" "p99 runs without a forecast"
# Rank 297 of 300 lies in (0.05, 0.1], which holds 102: 0.05 + 0.05 x 99/102.
within "$p99" 0.0985294 0.0985295 && pass || fail "p99 of the fixed buckets: $p99, expected 0.0985294..."
# ceil(2 replicas x 0.0985 / 0.05) = ceil(3.94)
expect_eq "$desired" 4 "desired = ceil(current x p99 / target)"
series() {  # series NAME LE INCREASE: one promtool input series over two minutes
  printf "      - series: 'churnml_http_request_duration_seconds_bucket{route=\"/predict\",le=\"%s\",instance=\"%s\"}'\n        values: '0+%sx1'\n" "$2" "$1" "$3"
}
{
  printf 'evaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n'
  series a 0.01 180; series a 0.05 198; series a 0.1 200; series a +Inf 200
  series b 0.01 0; series b 0.05 0; series b 0.1 100; series b +Inf 100
  printf '    promql_expr_test:\n'
  printf '      - expr: histogram_quantile(0.99, sum by (le) (churnml_http_request_duration_seconds_bucket - churnml_http_request_duration_seconds_bucket offset 1m))\n'
  printf "        eval_time: 1m\n        exp_samples:\n          - labels: '{}'\n            value: %s\n" "$p99"
} >quantile_test.yml
promtool test rules quantile_test.yml >promtool.out 2>&1 && pass ||
  fail "promtool's histogram_quantile disagrees with the exported p99 $p99: $(cat promtool.out)"

# Hostile, idle and restarted replicas.
run "$CHURNML" autoscale run --targets "$FIXED/hostile/metrics,$FIXED/idle/metrics" --signal p99 \
  --target 0.05 --interval 1 --duration 2
expect_status 0 "a run with a hostile and an idle replica ends normally"
expect_contains "$WORK/err" "scrape $FIXED/hostile/metrics: churnml_http_request_duration_seconds_bucket: route \"/predict\" is not a histogram" \
  "non-cumulative buckets are refused, naming the replica"
[[ $(grep -c "hostile/metrics" "$WORK/err") -ge 2 ]] && pass || fail "the hostile replica is refused every interval"
expect_contains "$WORK/err" "on 1 replicas (1 answered)" "the hostile replica is counted as down"
expect_contains "$WORK/err" "no p99 (no prediction request in the interval)" "no request in the interval: no signal"
expect_contains "$WORK/err" "no signal this interval, holds at 1" "and the count holds"
run "$CHURNML" autoscale run --targets "$FIXED/restart/metrics,$FIXED/b/metrics" --signal p99 \
  --target 0.05 --interval 1 --duration 3
expect_contains "$WORK/err" "1 replica(s) restarted since the last scrape, skipped" "a counter reset skips that replica's interval"

# Queue depth: the deepest report per queue (42 of default) plus nightly's 5.
run "$CHURNML" autoscale run --targets "$FIXED/w1/metrics,$FIXED/w2/metrics" --signal queue-depth \
  --target 10 --interval 1 --duration 1 --no-predictive
expect_status 0 "queue-depth run"
expect_contains "$WORK/err" "decision: queue-depth 47 on 2 replicas (2 answered) -> 5" \
  "max per queue over the workers, summed: ceil(47 / 10)"
run "$CHURNML" autoscale run --targets "$FIXED/w1/metrics,$FIXED/w2/metrics" --signal queue-depth \
  --queues nightly --target 10 --interval 1 --duration 1 --no-predictive --min-replicas 1
expect_contains "$WORK/err" "decision: queue-depth 5 on 2 replicas (2 answered) -> 1" \
  "--queues nightly: 5 jobs need ceil(5 / 10) = 1 worker"

# --- p99 on real replicas: one made slow -------------------------------------
train_model
for i in 1 2 3; do
  start_replica "$i" || { cat "$WORK/replica$i.log"; fail "replica $i did not start"; finish; exit 1; }
done
run "$CHURNML" deploy haproxy --replicas 3 --strategy roundrobin --base-port "$BASE" \
  --bind "127.0.0.1:$FRONT" --stats-socket "$SOCK" --check-interval 0.5 --out haproxy.cfg
expect_status 0 "deploy haproxy"
start_haproxy haproxy.cfg || { cat "$WORK/haproxy.log"; fail "HAProxy did not start"; finish; exit 1; }
cat >paced.lua <<LUA
wrk.method = "POST"
wrk.body = '$CUSTOMER'
wrk.headers["Content-Type"] = "application/json"
function delay() return 10 end
LUA
wrk -t1 -c3 -d90s -s paced.lua "http://127.0.0.1:$FRONT/predict" >wrk.out 2>&1 &
WRK_PID=$!
"$CHURNML" autoscale run --targets "$(replica_url 1)/metrics,$(replica_url 2)/metrics,$(replica_url 3)/metrics" \
  --signal p99 --target 0.04 --interval 2 --stabilization 0 --max-replicas 10 \
  --metrics-port "$MPORT" 2>p99-live.log &
MAIN_PID=$!
wait_until "a p99 from the live replicas" 30 has_number
sleep 4  # two more intervals at the healthy latency
before=$(autoscale_metric churnml_autoscale_desired_replicas)
p99_before=$(autoscale_metric churnml_autoscale_load)
expect_eq "$(faults 3 '{"delay_ms": 80}')" 200 "replica 3 made slow (80 ms per prediction)"
rose() {
  local d
  d=$(autoscale_metric churnml_autoscale_desired_replicas)
  [[ $d =~ ^[0-9]+$ ]] && ((d >= 6))
}
wait_until "the recommendation rises with the slow replica's latency" 30 rose
p99_after=$(autoscale_metric churnml_autoscale_load)
after=$(autoscale_metric churnml_autoscale_desired_replicas)
((before <= 3)) && pass || fail "healthy replicas at a p99 of $p99_before s need at most 3, got $before"
# A third of the requests take 80 ms or more (more once they queue behind
# each other on the slow replica's one thread).
within "$p99_after" 0.05 5 && pass || fail "the p99 with a third of the requests at 80 ms: $p99_after"
expect_contains p99-live.log "decision: p99 " "decisions name the p99"
kill "$WRK_PID"
wait "$WRK_PID" 2>/dev/null
WRK_PID=""
echo "figures: p99 ${p99_before}s -> ${p99_after}s, desired $before -> $after (3 replicas, target 0.04 s)"
finish
