#!/usr/bin/env bash
# The shipped Prometheus and Grafana files: deploy/prometheus/rules.yml is
# valid and its unit tests (rules_test.yml) pass, and fail when a threshold
# is moved; prometheus.yml is a valid config; deploy/grafana/dashboard.json
# is a dashboard whose every query parses as PromQL; and every metric the
# rules and the dashboard name is in the catalogue (docs/monitoring.md).
# When the binary has `serve`, a live /metrics scrape passes
# `promtool check metrics` too.
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

# --- a live scrape: churnml serve's /metrics passes promtool's lint and
# holds the catalogue families the rules read ---
if "$CHURNML" serve --help >/dev/null 2>&1; then
  run "$CHURNML" data generate --rows 2000 --seed 5 --out d.csv
  run "$CHURNML" train --data d.csv --model logistic --out model
  expect_status 0 "train a model to serve"
  "$CHURNML" serve --model model --port 0 --threads 1 >"$WORK/serve.out" 2>"$WORK/serve.err" &
  serve_pid=$!
  port=""
  for _ in $(seq 1 100); do
    port=$(grep -oE 'on http://[^ ]+:[0-9]+' "$WORK/serve.err" | grep -oE '[0-9]+$' | head -1)
    [[ -n $port ]] && break
    kill -0 "$serve_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z $port ]]; then
    fail "serve did not report its port: $(head -c 600 "$WORK/serve.err")"
  else
    pass
    body=$(jq -nc '{customerID:"e2e-1", gender:"Female",
      SeniorCitizen:0, Partner:"Yes", Dependents:"No", tenure:5, PhoneService:"Yes",
      MultipleLines:"No", InternetService:"Fiber optic", OnlineSecurity:"No", OnlineBackup:"No",
      DeviceProtection:"No", TechSupport:"No", StreamingTV:"Yes", StreamingMovies:"No",
      Contract:"Month-to-month", PaperlessBilling:"Yes", PaymentMethod:"Electronic check",
      MonthlyCharges:80.5, TotalCharges:402.5}')
    curl -s -o /dev/null -X POST -H 'Content-Type: application/json' --data "$body" \
      "http://127.0.0.1:$port/predict"
    curl -s "http://127.0.0.1:$port/metrics" >"$WORK/metrics.txt"
    run promtool check metrics <"$WORK/metrics.txt"
    expect_status 0 "promtool check metrics on serve's /metrics"
    expect_eq "$(cat "$WORK/out" "$WORK/err")" "" "no lint findings on serve's /metrics"
    for family in churnml_build_info churnml_http_requests_total \
      churnml_http_request_duration_seconds churnml_process_resident_memory_bytes \
      churnml_process_open_fds churnml_metrics_scrape_duration_seconds; do
      expect_contains "$WORK/metrics.txt" "# TYPE $family " "serve reports $family"
    done
  fi
  kill "$serve_pid" 2>/dev/null
  wait "$serve_pid" 2>/dev/null
fi

finish
