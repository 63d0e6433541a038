#!/usr/bin/env bash
# `churnml autoscale run --discover HOST:PORT --haproxy-socket PATH`: the
# replicas are whatever HOST resolves to (a Kubernetes headless Service,
# Consul, ...), and the autoscaler keeps a real HAProxy 2.6's pre-declared
# server slots on those addresses through the runtime API (`set server
# B/S addr IP port P`, `state ready|maint`) while it scrapes them:
#   - at start the slots move from `deploy haproxy`'s initial ports to the
#     resolved address, the spare slot goes to maint;
#   - a new address in DNS takes the spare slot, which comes UP through
#     HAProxy's own checks and answers through the front;
#   - an address gone from DNS puts its slot in maint, and every request
#     through the front lands on the remaining replica with none failing.
# DNS here is /etc/hosts, replaced by a bind mount in a private mount
# namespace for the autoscaler only (needs root and unshare); the replicas
# listen on 127.0.0.2 and 127.0.0.3 (loopback) on one port.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/autoscale_lib.sh"
if [[ $(id -u) -ne 0 ]] || ! unshare -m true 2>/dev/null; then
  echo "SKIP: needs root and mount namespaces to give the autoscaler its own /etc/hosts"
  exit 77
fi

run "$CHURNML" autoscale run --actuator haproxy --haproxy-socket "$SOCK" --discover "x:$BASE" --target 1
expect_one_line_error "--actuator haproxy with --discover"
expect_contains "$WORK/err" "give --haproxy-socket without --actuator" "the error says what to do"

train_model
RPORT=$((BASE + 50))
port_free "$RPORT" || { fail "port $RPORT is taken"; finish; exit 1; }
declare -A DPID=()
start_at() {  # start_at IP: a replica on IP:RPORT
  "$CHURNML" serve --model churn@champion --host "$1" --port "$RPORT" --threads 1 --access-log off \
    --reload-interval 0 2>"serve-$1.log" &
  DPID[$1]=$!
  wait_until "the replica on $1 is ready" 60 curl -sf -o /dev/null "http://$1:$RPORT/v2/health/ready"
}
start_at 127.0.0.2
start_at 127.0.0.3
trap 'for p in "${DPID[@]}"; do kill "$p" 2>/dev/null; done; cleanup_autoscale_test' EXIT

run "$CHURNML" deploy haproxy --replicas 2 --strategy roundrobin --base-port "$BASE" \
  --bind "127.0.0.1:$FRONT" --stats-socket "$SOCK" --check-interval 0.5 --slow-start 0 --out haproxy.cfg
expect_status 0 "deploy haproxy: two slots on its initial ports"
haproxy -db -f haproxy.cfg >haproxy.log 2>&1 &
HAPROXY_PID=$!
wait_until "HAProxy's runtime socket" 20 test -S "$SOCK"

echo "127.0.0.2 churnml-replicas" >hosts
unshare -m --propagation private bash -c \
  'mount --bind "$1" /etc/hosts && shift && exec "$@"' _ "$WORK/hosts" \
  "$CHURNML" autoscale run --discover "churnml-replicas:$RPORT" --haproxy-socket "$SOCK" \
  --interval 1 --target 1000 --no-predictive --metrics-port "$MPORT" 2>discover.log &
MAIN_PID=$!

addr_is() { [[ $(server_stat "$1" addr) == "$2" ]]; }
wait_until "r1 follows DNS to 127.0.0.2:$RPORT" 20 addr_is r1 "127.0.0.2:$RPORT" ||
  { cat discover.log; finish; exit 1; }
wait_until "r1 comes UP through HAProxy's checks" 20 status_is r1 UP
wait_until "the spare slot r2 is in maint" 10 status_is r2 MAINT
expect_contains discover.log "haproxy: set-addr r1 127.0.0.2:$RPORT" "the change is logged"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data-binary "$CUSTOMER" "http://127.0.0.1:$FRONT/predict")
expect_eq "$code" 200 "a prediction through HAProxy reaches the discovered replica"

# A second address: the spare slot takes it.
printf '127.0.0.2 churnml-replicas\n127.0.0.3 churnml-replicas\n' >hosts.new
cat hosts.new >hosts # in place: the bind mount follows the file, not its name
wait_until "r2 follows DNS to 127.0.0.3:$RPORT" 20 addr_is r2 "127.0.0.3:$RPORT"
wait_until "r2 comes UP" 20 status_is r2 UP
answered_by() {  # replicas (X-Churnml-Replica) that answer N predictions through the front
  local i
  for ((i = 0; i < $1; i++)); do
    curl -s -D - -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary "$CUSTOMER" \
      "http://127.0.0.1:$FRONT/predict" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-churnml-replica" {print $2}'
  done | sort | uniq -c | awk '{printf "%s ", $2}'
}
expect_eq "$(answered_by 10)" "r1 r2 " "both discovered replicas answer through the front"
wait_until "the autoscaler scrapes both" 10 grep -q "(2 answered)" discover.log

# The first address leaves DNS: its slot goes to maint, traffic stays whole.
write_wrk_script
wrk -t1 -c2 -d6s -s "$WORK/post.lua" "http://127.0.0.1:$FRONT/predict" >wrk.out 2>&1 &
WRK_PID=$!
sleep 1
echo "127.0.0.3 churnml-replicas" >hosts
wait_until "r1 goes to maint when its address leaves DNS" 20 status_is r1 MAINT
wait "$WRK_PID"
WRK_PID=""
expect_eq "$(wrk_errors wrk.out)" 0 "no failed request while a slot leaves"
expect_eq "$(answered_by 10)" "r2 " "only the remaining replica answers"
expect_contains discover.log "haproxy: maint r1" "the maint is logged"
expect_eq "$(autoscale_metric 'churnml_autoscale_actions_total{action="set-addr",outcome="ok"}')" 2 \
  "two address changes counted"

kill -TERM "$MAIN_PID"
wait "$MAIN_PID"
expect_eq "$?" 0 "the autoscaler exits 0 on SIGTERM"
MAIN_PID=""
echo "figures: wrk $(wrk_requests wrk.out) requests while r1 left, $(wrk_errors wrk.out) failed"
finish
