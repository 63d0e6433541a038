#!/usr/bin/env bash
# `churnml autoscale replay` on synthetic daily traces: the predictive policy
# asks for the peak's replicas before the load arrives and the reactive one
# only after; scheduled floors hold; the stabilization window stops flapping;
# bad traces and flags are one error line naming the row or flag.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"

# Four days of 5-minute samples: 200/s at 02:00 up to 1,800/s at 14:00 (UTC),
# starting on Monday 1970-01-05.
awk 'BEGIN {
  print "time,load"
  for (t = 0; t < 4 * 86400; t += 300) {
    hour = (t % 86400) / 3600
    printf "%d,%.1f\n", 345600 + t, 1000 + 800 * cos((hour - 14) / 24 * 2 * 3.141592653589793)
  }
}' >daily.csv

# first_at FILE DAY N: the first time on DAY (0-based) a decision asks for >= N replicas.
first_at() {
  awk -F, -v day="$2" -v n="$3" 'NR > 1 && $1 >= 345600 + day * 86400 && $8 >= n { print $1; exit }' "$1"
}
needed=$(awk -F, 'NR > 1 && $1 >= 345600 + 3 * 86400 && $2 > 1300 { print $1; exit }' daily.csv)

run "$CHURNML" autoscale replay --metrics daily.csv --target 100 --max-replicas 30 --no-predictive --out reactive.csv
expect_status 0 "reactive replay"
expect_contains "$WORK/err" "samples:" "summary line"
run "$CHURNML" autoscale replay --metrics daily.csv --target 100 --max-replicas 30 --startup 1800 --out predictive.csv
expect_status 0 "predictive replay"
expect_eq "$(head -1 predictive.csv)" "time,load,current,reactive,scheduled,predictive,forecast,desired,reason" "CSV header"
r=$(first_at reactive.csv 3 14)
p=$(first_at predictive.csv 3 14)
echo "day 4: load needs 14 replicas at $(((needed % 86400) / 60)) min; reactive asks at $(((r % 86400) / 60)), predictive at $(((p % 86400) / 60))"
if [[ -n $r && $r -ge $needed ]]; then pass; else fail "reactive asked before the load ($r < $needed)"; fi
if [[ -n $p && $p -le $((needed - 1200)) ]]; then pass; else fail "predictive not 20+ min ahead ($p vs $needed)"; fi
if grep -q ',"predictive: ' predictive.csv; then pass; else fail "no decision gives the forecast as its reason"; fi

# A scheduled floor: at least 12 on weekdays 08:00-20:00, whatever the load.
run "$CHURNML" autoscale replay --metrics daily.csv --target 100 --max-replicas 30 --no-predictive \
  --floor "Mon-Fri 08:00-20:00 12" --out floor.csv
expect_status 0 "replay with a floor"
low=$(awk -F, 'NR > 1 { m = int(($1 % 86400) / 60); if (m >= 480 && m < 1200 && $8 < 12) n++ } END { print n + 0 }' floor.csv)
expect_eq "$low" 0 "never under the floor during its hours"

# Flapping load: the 300 s window holds the count; without it, it flaps.
awk 'BEGIN { print "time,load"; for (i = 0; i < 60; i++) printf "%d,%d\n", 345600 + 60 * i, (i % 2) ? 450 : 950 }' >flap.csv
changes() { awk -F, 'NR > 2 && $8 != prev { n++ } NR > 1 { prev = $8 } END { print n + 0 }' "$1"; }
run "$CHURNML" autoscale replay --metrics flap.csv --target 100 --max-replicas 20 --no-predictive --out held.csv
run "$CHURNML" autoscale replay --metrics flap.csv --target 100 --max-replicas 20 --no-predictive \
  --stabilization 0 --out flappy.csv
held=$(changes held.csv)
flappy=$(changes flappy.csv)
if [[ $held -le 2 && $flappy -gt 20 ]]; then pass; else fail "changes: $held with the window, $flappy without"; fi

# A p99 trace (seconds): every replica's, so desired = ceil(current x p99 / target).
printf 'time,load\n0,0.05\n60,0.1\n120,0.1\n180,0.025\n' >p99.csv
run "$CHURNML" autoscale replay --metrics p99.csv --signal p99 --target 0.05 --min-replicas 2 \
  --stabilization 0
expect_status 0 "replay --signal p99"
expect_eq "$(tail -n +2 "$WORK/out" | cut -d, -f8 | tr '\n' ' ')" "2 4 8 4 " \
  "at the target, twice it (twice), half of it"
run "$CHURNML" autoscale replay --metrics p99.csv --signal p42
expect_one_line_error "an unknown --signal"

# Errors: one line naming the row or the flag.
printf 'time,load\n100,5\n160,lots\n' >bad.csv
run "$CHURNML" autoscale replay --metrics bad.csv
expect_status 2 "bad trace"
expect_one_line_error "bad trace"
expect_contains "$WORK/err" "line 3, column load" "names the row and column"
run "$CHURNML" autoscale replay --metrics daily.csv --floor "Weekdays 8-20 4"
expect_status 2 "bad floor"
expect_contains "$WORK/err" "--floor" "names the flag"
run "$CHURNML" autoscale replay --metrics daily.csv --min-replicas 5 --max-replicas 2
expect_status 2 "min above max"

finish
