#!/usr/bin/env bash
# `churnml deploy haproxy`: each of the five strategies' haproxy.cfg runs in
# a real HAProxy 2.6 in front of three real replicas on loopback, and the
# traffic under wrk is split the way the strategy is defined. Replica 3 is
# slow (a 15 ms model delay by fault injection, from its start, so its own
# health baseline is the slow one and it stays healthy):
#   roundrobin    requests in turn: equal counts whatever the speed;
#   weighted      3:2:1 counts;
#   leastconn     the slow replica, always holding more requests, gets few;
#   random2       the less loaded of two random picks: the slow one gets few;
#   hash-customer one customer id, one replica; disabling a replica moves
#                 only its own customers (consistent hashing).
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
source "$HERE/haproxy_lib.sh"

pick_ports || { fail "no free ports"; finish; exit 1; }
train_model
for i in 1 2 3; do
  start_replica "$i" || { cat "$WORK/replica$i.log"; fail "replica $i did not start"; finish; exit 1; }
done
expect_eq "$(faults 3 '{"delay_ms": 15}')" 200 "replica 3 made slow"
write_wrk_script

# --- the command's errors --------------------------------------------------
run "$CHURNML" deploy haproxy --replicas 3 --strategy round-robin
expect_status 2 "unknown strategy"
expect_one_line_error "unknown strategy"
expect_contains "$WORK/err" "roundrobin, weighted, leastconn, random2, hash-customer" "lists the strategies"
run "$CHURNML" deploy haproxy --replicas 3 --strategy weighted
expect_status 2 "weighted without weights"
expect_contains "$WORK/err" "--weights" "names --weights"
run "$CHURNML" deploy haproxy --replicas 3 --strategy weighted --weights 3,2
expect_status 2 "too few weights"
run "$CHURNML" deploy haproxy --replicas 0
expect_status 2 "zero replicas"

# config STRATEGY [ARGS...]: writes $WORK/STRATEGY.cfg and checks it with haproxy -c.
config() {
  local strategy=$1
  shift
  run "$CHURNML" deploy haproxy --replicas 3 --strategy "$strategy" --base-port "$BASE" \
    --bind "127.0.0.1:$FRONT" --stats-socket "$SOCK" --out "$WORK/$strategy.cfg" "$@"
  expect_status 0 "deploy haproxy --strategy $strategy"
  if haproxy -c -f "$WORK/$strategy.cfg" >"$WORK/check.out" 2>&1; then pass; else
    fail "haproxy -c rejects the $strategy config: $(cat "$WORK/check.out")"
  fi
}

# measure STRATEGY: runs wrk through HAProxy for 4 s and sets S1 S2 S3 (each
# replica's share of the answered predictions) and ERRORS.
measure() {
  local before=() after=() i total=0
  for i in 1 2 3; do before[i]=$(predictions "$i"); done
  wrk -t2 -c12 -d4s -s "$WORK/post.lua" "http://127.0.0.1:$FRONT/predict" >"$WORK/wrk-$1.out" 2>&1
  for i in 1 2 3; do
    after[i]=$(predictions "$i")
    total=$((total + after[i] - before[i]))
  done
  S1=$(share $((after[1] - before[1])) $total)
  S2=$(share $((after[2] - before[2])) $total)
  S3=$(share $((after[3] - before[3])) $total)
  ERRORS=$(wrk_errors "$WORK/wrk-$1.out")
  echo "$1: $total predictions, shares $S1 $S2 $S3, $ERRORS failed"
  if [[ $total -gt 100 ]]; then pass; else fail "$1: only $total predictions: $(cat "$WORK/wrk-$1.out")"; fi
  expect_eq "$ERRORS" 0 "$1: no failed request"
}

check_shares() {  # check_shares STRATEGY LO1 HI1 LO2 HI2 LO3 HI3
  local s=$1
  within "$S1" "$2" "$3" && within "$S2" "$4" "$5" && within "$S3" "$6" "$7" && { pass; return; }
  fail "$s: shares $S1 $S2 $S3 outside [$2,$3] [$4,$5] [$6,$7]"
}

# --- round robin: equal counts, slow replica included --------------------
config roundrobin
start_haproxy "$WORK/roundrobin.cfg" || fail "haproxy roundrobin did not bring every server up"
measure roundrobin
check_shares roundrobin 0.28 0.39 0.28 0.39 0.28 0.39
# The response names the replica that answered.
code=$(curl -s -o /dev/null -D "$WORK/h" -w '%{http_code}' -H 'Content-Type: application/json' \
  --data-binary "$CUSTOMER" "http://127.0.0.1:$FRONT/predict")
expect_eq "$code" 200 "prediction through HAProxy"
if grep -qi '^X-Churnml-Replica: r[123]' "$WORK/h"; then pass; else fail "no X-Churnml-Replica header"; fi
stop_haproxy

# --- weighted 3:2:1 -----------------------------------------------------------
config weighted --weights 3,2,1
grep -q "server r1 127.0.0.1:$BASE weight 3" "$WORK/weighted.cfg" && pass || fail "weights not in the config"
start_haproxy "$WORK/weighted.cfg" || fail "haproxy weighted did not bring every server up"
measure weighted
check_shares weighted 0.44 0.56 0.28 0.39 0.12 0.22
stop_haproxy

# --- least connections: the slow replica holds requests longer, gets fewer ----
config leastconn
start_haproxy "$WORK/leastconn.cfg" || fail "haproxy leastconn did not bring every server up"
measure leastconn
check_shares leastconn 0.35 0.65 0.35 0.65 0 0.15
stop_haproxy

# --- power of two random choices ----------------------------------------------
config random2
grep -q "balance random(2)" "$WORK/random2.cfg" && pass || fail "random(2) not in the config"
start_haproxy "$WORK/random2.cfg" || fail "haproxy random2 did not bring every server up"
measure random2
check_shares random2 0.3 0.7 0.3 0.7 0 0.2
stop_haproxy

# --- consistent hashing on the customer id ----------------------------------
config hash-customer
start_haproxy "$WORK/hash-customer.cfg" || fail "haproxy hash-customer did not bring every server up"
served_by() {  # served_by ID: the replica that answered customer ID
  curl -s -o /dev/null -D - -H 'Content-Type: application/json' -H "X-Customer-ID: $1" \
    --data-binary "$CUSTOMER" "http://127.0.0.1:$FRONT/predict" |
    tr -d '\r' | sed -n 's/^[Xx]-[Cc]hurnml-[Rr]eplica: //p'
}
declare -A first=()
sticky=1
for ((c = 0; c < 40; c++)); do
  id="C-$((c * 7919))"
  first[$id]=$(served_by "$id")
  for k in 1 2; do [[ $(served_by "$id") == "${first[$id]}" ]] || sticky=0; done
done
expect_eq "$sticky" 1 "every customer id is answered by the same replica each time"
distinct=$(printf '%s\n' "${first[@]}" | sort -u | grep -c '^r[123]$')
if [[ $distinct -ge 2 ]]; then pass; else fail "40 customers all hashed to one replica"; fi
# Take r1 out: only r1's customers move.
haproxy_cmd "disable server churnml_replicas/r1" >/dev/null
moved_others=0
moved_own=0
for id in "${!first[@]}"; do
  now=$(served_by "$id")
  if [[ ${first[$id]} == r1 ]]; then
    [[ $now != r1 ]] && moved_own=$((moved_own + 1))
  elif [[ $now != "${first[$id]}" ]]; then
    moved_others=$((moved_others + 1))
  fi
done
expect_eq "$moved_others" 0 "customers of r2 and r3 stay where they were when r1 leaves"
own=$(printf '%s\n' "${first[@]}" | grep -c '^r1$')
expect_eq "$moved_own" "$own" "every customer of r1 moved to another replica"
stop_haproxy

finish
