# Shared by the autoscale_*_e2e_test.sh scripts that run replicas behind a
# real HAProxy (demo, live, signals, discover): sources lib.sh and
# haproxy_lib.sh (source this instead, after setting HERE), picks the ports
# (BASE.., AGENT_BASE.., FRONT, and MPORT for the autoscaler's /metrics),
# and stops the process under test ($MAIN_PID: the demo or `autoscale run`)
# before HAProxy and the replicas when the test exits.
source "$HERE/lib.sh"
source "$HERE/haproxy_lib.sh"

MAIN_PID=""
cleanup_autoscale_test() {
  [[ -n $MAIN_PID ]] && kill "$MAIN_PID" 2>/dev/null && wait "$MAIN_PID" 2>/dev/null
  cleanup_haproxy_test
}
trap cleanup_autoscale_test EXIT

pick_ports || { fail "no free ports"; finish; exit 1; }
MPORT=$((BASE + 150))
port_free "$MPORT" || MPORT=$(free_port)

# autoscale_metric NAME: a churnml_autoscale_* value the autoscaler exports
# on MPORT (the first series of that name, labels included in NAME).
autoscale_metric() {
  curl -s "http://127.0.0.1:$MPORT/metrics" | awk -v n="$1" '$1 == n {print $2; exit}'
}

# status_is SERVER PREFIX: HAProxy's status of SERVER starts with PREFIX.
status_is() { [[ $(server_stat "$1" status) == "$2"* ]]; }
