#!/usr/bin/env bash
# The shipped Prometheus and Grafana files: deploy/prometheus/rules.yml is
# valid and its unit tests (rules_test.yml) pass, and fail when a threshold
# is moved; prometheus.yml is a valid config; deploy/grafana/dashboard.json
# is a dashboard whose every query parses as PromQL; and every metric the
# rules and the dashboard name is in the catalogue (docs/monitoring.md).
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$(dirname "$0")/lib.sh"

PROM=$ROOT/deploy/prometheus
DASHBOARD=$ROOT/deploy/grafana/dashboard.json
CATALOGUE=$ROOT/docs/monitoring.md

if ! command -v promtool >/dev/null || ! command -v jq >/dev/null; then
  echo "FAIL: promtool and jq are required (packages prometheus, jq)" >&2
  exit 1
fi

# --- rules: syntax, unit tests, config ---
run promtool check rules "$PROM/rules.yml"
expect_status 0 "promtool check rules"
expect_contains "$WORK/out" "SUCCESS" "check rules reports success"

run promtool test rules "$PROM/rules_test.yml"
expect_status 0 "promtool test rules"

run promtool check config "$PROM/prometheus.yml"
expect_status 0 "promtool check config"

# The tests are load-bearing: raising the 5xx threshold makes them fail.
mkdir -p "$WORK/mutated"
sed 's/^            > 0.05$/            > 0.5/' "$PROM/rules.yml" >"$WORK/mutated/rules.yml"
cp "$PROM/rules_test.yml" "$WORK/mutated/"
if cmp -s "$PROM/rules.yml" "$WORK/mutated/rules.yml"; then
  fail "mutation: the 5xx threshold line was not found in rules.yml"
fi
run promtool test rules "$WORK/mutated/rules_test.yml"
expect_status 1 "promtool test rules on a rules file with a moved threshold"
expect_contains "$WORK/err" "ChurnmlPredictHighErrorRatio" "the failing rule is named"

# Every rule has severity, summary, and a test that evaluates it.
rules=$(grep -E '^\s+- alert: ' "$PROM/rules.yml" | awk '{print $3}')
expect_eq "$(echo "$rules" | wc -l)" "$(grep -c 'severity:' "$PROM/rules.yml")" "every rule has a severity"
expect_eq "$(echo "$rules" | wc -l)" "$(grep -c 'summary:' "$PROM/rules.yml")" "every rule has a summary"
for rule in $rules; do
  firing=$(grep -c "alertname: $rule$" "$PROM/rules_test.yml")
  if [[ $firing -ge 2 ]]; then pass; else fail "rule $rule has $firing evaluations in rules_test.yml (want firing and not firing)"; fi
done

# --- dashboard: JSON shape ---
run jq -e . "$DASHBOARD"
expect_status 0 "dashboard is valid JSON"
run jq -e '(.uid | type == "string") and (.title | length > 0) and (.schemaVersion | type == "number")
           and (.panels | length > 0) and ([.panels[].id] | length == (unique | length))
           and all(.panels[]; .gridPos.w > 0 and .gridPos.h > 0)
           and all(.panels[] | select(.type != "row"); (.targets | length > 0) and all(.targets[]; .expr | length > 0))' \
  "$DASHBOARD"
expect_status 0 "dashboard has uid, title, unique panel ids, grid positions and a query per panel"

# Every dashboard query parses: wrap them as recording rules for promtool.
{
  echo "groups:"
  echo "  - name: dashboard"
  echo "    rules:"
  jq -r '.panels[].targets[]?.expr' "$DASHBOARD" |
    sed 's/\$__rate_interval/5m/g; s/\$instance/.*/g' |
    awk '{ gsub(/\x27/, "\x27\x27"); printf "      - record: dashboard:query_%d\n        expr: \x27%s\x27\n", NR, $0 }'
} >"$WORK/dashboard_rules.yml"
run promtool check rules "$WORK/dashboard_rules.yml"
expect_status 0 "every dashboard query is valid PromQL"

# --- every metric named in rules and dashboard is in the catalogue ---
names=$(cat "$PROM/rules.yml" "$DASHBOARD" | grep -oE 'churnml_[a-z0-9_]+' |
  sed -E 's/_(bucket|sum|count)$//' | sort -u)
for name in $names; do
  if grep -qF "\`$name\`" "$CATALOGUE"; then pass; else fail "$name is not in the catalogue ($CATALOGUE)"; fi
done

finish
