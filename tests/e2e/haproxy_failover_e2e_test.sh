#!/usr/bin/env bash
# HAProxy 2.6 in front of three real replicas with `serve --agent-port`,
# under wrk, as `churnml deploy haproxy --agent-base-port` writes it:
#   - the agent answers HAProxy's agent-check (weights visible in show stat);
#   - SIGKILL of one replica mid-load: retry-on + redispatch keep failed
#     requests bounded (target zero), it goes DOWN, and rejoins when restarted;
#   - SIGTERM of one replica mid-load: the agent says drain first, zero failed;
#   - a replica made slow by fault injection loses weight through its agent.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
source "$HERE/haproxy_lib.sh"

pick_ports || { fail "no free ports"; finish; exit 1; }
train_model
for i in 1 2 3; do
  start_replica "$i" --agent-port $((AGENT_BASE + i - 1)) --agent-drain-delay 3 ||
    { cat "$WORK/replica$i.log"; fail "replica $i did not start"; finish; exit 1; }
done
write_wrk_script

# The agent itself: one line per connection.
reply=$(timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$AGENT_BASE; cat <&3")
expect_eq "$reply" "up ready 100%" "an idle healthy replica asks for its full weight"
run "$CHURNML" serve --model churn@champion --port 0 --agent-port 70000
expect_status 2 "agent port out of range"
run "$CHURNML" serve --model churn@champion --port 0 --agent-port "$AGENT_BASE"
expect_status 2 "agent port in use"
expect_contains "$WORK/err" "127.0.0.1:$AGENT_BASE" "the error names the address"

run "$CHURNML" deploy haproxy --replicas 3 --strategy roundrobin --base-port "$BASE" \
  --agent-base-port "$AGENT_BASE" --bind "127.0.0.1:$FRONT" --stats-socket "$SOCK" \
  --check-interval 0.5 --agent-interval 0.5 --slow-start 2 --out "$WORK/haproxy.cfg"
expect_status 0 "deploy haproxy with agent-check"
expect_contains "$WORK/haproxy.cfg" "agent-check agent-port $AGENT_BASE" "agent-check in the config"
haproxy -c -f "$WORK/haproxy.cfg" >"$WORK/check.out" 2>&1 && pass || fail "haproxy -c: $(cat "$WORK/check.out")"
start_haproxy "$WORK/haproxy.cfg" || { cat "$WORK/haproxy.log"; fail "haproxy did not bring every server up"; finish; exit 1; }
agent_ok() { [[ $(server_stat r1 agent_status) == L7OK ]]; }
wait_until "HAProxy reads replica 1's agent" 10 agent_ok

# --- SIGKILL mid-load -----------------------------------------------------
wrk -t2 -c12 -d9s -s "$WORK/post.lua" "http://127.0.0.1:$FRONT/predict" >"$WORK/wrk-kill.out" 2>&1 &
WRK_PID=$!
sleep 3
kill -9 "${REPLICA_PID[2]}"
wait "${REPLICA_PID[2]}" 2>/dev/null
killed_at=$(date +%s.%N)
r2_down() { [[ $(server_stat r2 status) == DOWN ]]; }
wait_until "r2 is DOWN after SIGKILL" 10 r2_down
down_after=$(awk -v a="$killed_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
wait "$WRK_PID"
WRK_PID=""
kill_errors=$(wrk_errors "$WORK/wrk-kill.out")
kill_total=$(wrk_requests "$WORK/wrk-kill.out")
echo "SIGKILL: $kill_errors failed of $kill_total; DOWN after ${down_after}s"
if [[ ${kill_total:-0} -gt 100 && $kill_errors -le 2 ]]; then pass; else
  fail "SIGKILL mid-load: $kill_errors failed requests (bound 2): $(cat "$WORK/wrk-kill.out")"
fi
# It rejoins when restarted on the same ports.
start_replica 2 --agent-port $((AGENT_BASE + 1)) --agent-drain-delay 3 || fail "r2 did not restart"
r2_up() { [[ $(server_stat r2 status) == UP ]]; }
wait_until "r2 rejoins (UP)" 15 r2_up
before=$(predictions 2)
wrk -t1 -c6 -d3s -s "$WORK/post.lua" "http://127.0.0.1:$FRONT/predict" >"$WORK/wrk-rejoin.out" 2>&1
if [[ $(predictions 2) -gt $before ]]; then pass; else fail "the restarted r2 gets no traffic"; fi

# --- SIGTERM mid-load: drain first, zero failed ------------------------------
wrk -t2 -c12 -d9s -s "$WORK/post.lua" "http://127.0.0.1:$FRONT/predict" >"$WORK/wrk-term.out" 2>&1 &
WRK_PID=$!
sleep 3
kill -TERM "${REPLICA_PID[1]}"
r1_drain() { [[ $(server_stat r1 status) == DRAIN* ]]; }
wait_until "HAProxy shows r1 draining (the agent said drain)" 3 r1_drain
wait "${REPLICA_PID[1]}"
expect_eq "$?" 0 "r1 exits 0 after SIGTERM"
unset 'REPLICA_PID[1]'
wait "$WRK_PID"
WRK_PID=""
term_errors=$(wrk_errors "$WORK/wrk-term.out")
echo "SIGTERM: $term_errors failed of $(wrk_requests "$WORK/wrk-term.out")"
expect_eq "$term_errors" 0 "no failed request while r1 drains and stops"
start_replica 1 --agent-port "$AGENT_BASE" --agent-drain-delay 3 || fail "r1 did not restart"
r1_up() { [[ $(server_stat r1 status) == UP ]]; }
wait_until "r1 rejoins" 15 r1_up

# --- a slow replica loses weight through its agent ---------------------------
# Load first, so each replica's health baseline is its normal speed.
wrk -t2 -c12 -d40s -s "$WORK/post.lua" "http://127.0.0.1:$FRONT/predict" >"$WORK/wrk-slow.out" 2>&1 &
WRK_PID=$!
sleep 14
expect_eq "$(faults 3 '{"delay_ms": 20}')" 200 "replica 3 made slow"
r3_light() {
  local w
  w=$(server_stat r3 weight)
  [[ -n $w && $w -lt 50 ]]
}
wait_until "HAProxy's weight for r3 falls below half (agent: $(server_stat r3 agent_status))" 20 r3_light
echo "r3 agent: weight $(server_stat r3 weight), status $(server_stat r3 status), agent $(server_stat r3 agent_status)"
b3=$(predictions 3)
b_all=$(($(predictions 1) + $(predictions 2) + b3))
sleep 5
a3=$(predictions 3)
a_all=$(($(predictions 1) + $(predictions 2) + a3))
slow_share=$(share $((a3 - b3)) $((a_all - b_all)))
echo "slow replica's share over 5 s: $slow_share (1/3 without the agent)"
if within "$slow_share" 0 0.15; then pass; else fail "slow r3 still gets $slow_share of the traffic"; fi
r1_weight=$(server_stat r1 weight)
if [[ ${r1_weight:-0} -ge 50 ]]; then pass; else fail "healthy r1's weight fell too: $r1_weight"; fi
expect_eq "$(faults 3 '{"delay_ms": 0}')" 200 "replica 3 back to normal"
wait "$WRK_PID"
WRK_PID=""
expect_eq "$(wrk_errors "$WORK/wrk-slow.out")" 0 "no failed request while r3 was slow"

finish
