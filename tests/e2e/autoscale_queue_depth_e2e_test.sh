#!/usr/bin/env bash
# `churnml autoscale run --signal queue-depth` on real `churnml worker`
# processes over one SQLite store: every worker exports the store's ready
# depth per queue (churnml_jobs_queue_depth{queue}, for the queues it
# serves), the autoscaler takes the deepest report per queue over the
# workers and sums the selected queues; desired = ceil(depth / target)
# (HPA's AverageValue).
#   w1 serves `default` (concurrency 1: it runs one of the 12 long jobs);
#   w2 serves every queue but only the `train` kind, so it claims nothing
#   and reports `default` and `nightly` as they are.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
export CHURNML_STORE="$WORK/mlruns"

W1="" W2="" AS=""
trap 'for p in $AS $W1 $W2; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; [[ -n ${CHURNML_E2E_KEEP-} ]] || rm -rf "$WORK"' EXIT

for _ in $(seq 1 12); do
  run "$CHURNML" jobs submit noop --ms 60000
done
expect_status 0 "12 long jobs on the default queue"
for _ in 1 2 3; do run "$CHURNML" jobs submit noop --ms 10 --queue nightly; done
expect_status 0 "3 jobs on the nightly queue"

p1=$(free_port)
p2=$(free_port)
while [[ $p2 == "$p1" ]]; do p2=$(free_port); done
"$CHURNML" worker --name w1 --queues default --concurrency 1 --lease 1.5 --grace 0 \
  --metrics-port "$p1" 2>w1.log &
W1=$!
"$CHURNML" worker --name w2 --kinds train --lease 1.5 --grace 0 --metrics-port "$p2" 2>w2.log &
W2=$!
depth_of() {  # depth_of PORT QUEUE VALUE: the worker on PORT reports VALUE for QUEUE
  [[ $(curl -s "http://127.0.0.1:$1/metrics" |
    awk -v q="churnml_jobs_queue_depth{queue=\"$2\"}" '$1 == q {print $2}') == "$3" ]]
}
wait_for "w1 took one job and reports 11 ready on default" 30 depth_of "$p1" default 11
wait_for "w2 reports the same store-wide depth" 30 depth_of "$p2" default 11
wait_for "w2 reports nightly" 30 depth_of "$p2" nightly 3

targets="http://127.0.0.1:$p1/metrics,http://127.0.0.1:$p2/metrics"
run "$CHURNML" autoscale run --targets "$targets" --signal queue-depth --target 4 --interval 1 \
  --duration 1 --no-predictive --max-replicas 10
expect_status 0 "autoscale run --signal queue-depth"
# max(11, 11) on default + 3 on nightly = 14 jobs: ceil(14 / 4) = 4 workers.
expect_contains "$WORK/err" "decision: queue-depth 14 on 2 replicas (2 answered) -> 4" \
  "the deepest report per queue, summed, over the target per worker"
run "$CHURNML" autoscale run --targets "$targets" --signal queue-depth --queues nightly \
  --target 1 --interval 1 --duration 1 --no-predictive --max-replicas 10
expect_contains "$WORK/err" "decision: queue-depth 3 on 2 replicas (2 answered) -> 3" \
  "--queues nightly: only its 3 jobs"
finish
