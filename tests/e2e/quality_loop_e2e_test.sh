#!/usr/bin/env bash
# The model-quality loop on generated data, through the real binary:
# train → drift (no drift on fresh data of the same population, drift on a
# shifted one; exit codes 0/1/2, thresholds YAML) → retrain --if-drift
# (nothing to do without drift; the challenger promoted on shifted data;
# a challenger trained on noise refused, the run saying why) → rollback →
# report and drift --html opened in headless Chromium: no console errors,
# every chart present and non-empty, a screenshot kept.
source "$(dirname "$0")/lib.sh"

S="$WORK/store"
c() { "$CHURNML" --store "$S" "$@"; }
champion() { c models show churn --json | jq -r '.aliases.champion'; }
alias_of() { c models show churn --json | jq -r ".aliases.$1 // 0"; }

run c data generate --rows 20000 --seed 1 --out old.csv; expect_status 0 "generate old"
run c data generate --rows 10000 --seed 3 --out same.csv; expect_status 0 "generate same"
run c data generate --rows 20000 --seed 2 --shift 1 --out shifted.csv; expect_status 0 "generate shifted"
run c data generate --rows 10 --shift 2 --out bad.csv; expect_status 2 "shift out of range"
# Noise: the shifted rows with their labels rotated by one row.
{
  head -1 shifted.csv
  paste -d, <(tail -n +2 shifted.csv | rev | cut -d, -f2- | rev) \
    <(tail -n +2 shifted.csv | awk -F, '{print $NF}' | awk 'NR % 7 == 3 {print "Yes"; next} {print "No"}')
} >noise.csv

run c train --data old.csv --register churn --alias champion; expect_status 0 "train champion"
expect_eq "$(champion)" 1 "champion is version 1"
dir=$(c models show churn --json | jq -r '.versions[0].artifact_path')
expect_file "$dir/profile.json" "the artifact carries the reference profile"

# --- drift --------------------------------------------------------------
run c drift --model churn@champion --data same.csv; expect_status 0 "no drift on the same population"
expect_contains "$WORK/out" "dataset drift: no" "verdict printed"
run c drift --model churn@champion --data shifted.csv --json; expect_status 1 "drift on shifted data"
expect_eq "$(jq -r .dataset_drift "$WORK/out")" true "dataset_drift in JSON"
expect_eq "$(jq -r '.features[] | select(.name == "Contract") | .drifted' "$WORK/out")" true "Contract drifted"
expect_eq "$(jq -r '.features[] | select(.name == "gender") | .drifted' "$WORK/out")" false "gender did not"
expect_eq "$(jq -r '.metrics.current.roc_auc != null' "$WORK/out")" true "current metrics beside training"
run c drift --model churn@champion --data shifted.csv --fail-on never; expect_status 0 "--fail-on never"
cat >loose.yaml <<'YAML'
psi: 5
score: {psi: 5}
features:
  Contract: {psi: 0.2, alpha: 0.01}
YAML
run c drift --model churn@champion --data shifted.csv --thresholds loose.yaml --json
expect_status 0 "one drifted feature of 19 is below the share threshold"
expect_eq "$(jq -r .drifted_features "$WORK/out")" 1 "only Contract under the loose rules"
printf 'psi: 0.1\ncolour: red\n' >bad.yaml
run c drift --model churn@champion --data shifted.csv --thresholds bad.yaml; expect_status 2 "unknown key"
expect_one_line_error "unknown key in the thresholds file"
expect_contains "$WORK/err" "colour" "message names the key"

# --- retrain --------------------------------------------------------------
run c retrain --model churn@champion --data same.csv --if-drift --json
expect_status 0 "retrain --if-drift without drift"
expect_eq "$(jq -r .decision "$WORK/out")" no_drift "nothing retrained"
expect_eq "$(champion)" 1 "champion unchanged"
run c retrain --model churn@champion --data noise.csv --json; expect_status 1 "noise challenger refused"
expect_eq "$(jq -r .decision "$WORK/out")" refused "decision refused"
expect_eq "$(jq -r '.checks[] | select(.name == "delong") | .passed' "$WORK/out")" false "DeLong says why"
run_id=$(jq -r .decision_run "$WORK/out")
run c runs show "$run_id" --json; expect_status 0 "decision run recorded"
expect_contains "$WORK/out" "check.delong" "the run lists each check"
expect_eq "$(champion)" 1 "champion unchanged after refusal"
run c retrain --model churn@champion --data shifted.csv --if-drift --json
expect_status 0 "retrain on shifted data"
expect_eq "$(jq -r .decision "$WORK/out")" promoted "challenger promoted"
new=$(jq -r .challenger_version "$WORK/out")
expect_eq "$(champion)" "$new" "champion moved to the challenger"
expect_eq "$(alias_of previous)" 1 "old champion is previous"
run c retrain --model churn@champion --data shifted.csv --cooldown 1h --json
expect_eq "$(jq -r .decision "$WORK/out")" cooldown "cooldown prevents flip-flopping"
run c models rollback churn; expect_status 0 "rollback"
expect_eq "$(champion)" 1 "rollback restored version 1"
expect_eq "$(alias_of previous)" "$new" "and kept the challenger as previous"

# --- reports in a real browser -------------------------------------------
run c report --model churn@previous --data shifted.csv --out report.html; expect_status 0 "report"
expect_contains report.html 'id="calibration-table"' "report: the reliability table"
expect_contains report.html 'id="ece-after"' "report: the ECE"
# A calibrated model: ECE and reliability curve before and after calibration.
run c train --data old.csv --calibrate isotonic --no-track --out calibrated
expect_status 0 "train a calibrated model"
run c report --model calibrated --data same.csv --out calibrated.html
expect_status 0 "report on a calibrated model"
expect_contains calibrated.html 'id="ece-before"' "calibrated report: ECE before calibration"
expect_contains calibrated.html 'id="ece-after"' "calibrated report: ECE after calibration"
expect_contains calibrated.html '>before calibration<' "calibrated report: the curve before calibration"
expect_contains calibrated.html '>after isotonic<' "calibrated report: the curve after calibration"
run c drift --model churn@champion --data shifted.csv --html drift.html --fail-on never
expect_status 0 "drift --html"
if ! command -v chromium >/dev/null; then
  fail "chromium is required (scripts/packages.d/quality.txt)"
else
  for page in report calibrated drift; do
    size=$(stat -c %s "$page.html")
    if ((size < 1000000)); then pass; else fail "$page.html is $size bytes"; fi
    if grep -qiE '<script|https?://[^"]*\.(js|css)|src="http' "$page.html"; then
      fail "$page.html loads something from outside or runs script"
    else pass; fi
    timeout 120 chromium --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 \
      --virtual-time-budget=3000 --window-size=1400,3000 --screenshot="$WORK/$page.png" \
      "file://$WORK/$page.html" 2>"$WORK/$page.console" >/dev/null
    if grep -q 'CONSOLE' "$WORK/$page.console"; then
      fail "$page.html logged to the console: $(grep CONSOLE "$WORK/$page.console" | head -3)"
    else pass; fi
    expect_file "$WORK/$page.png" "$page screenshot"
    timeout 120 chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=3000 \
      --dump-dom "file://$WORK/$page.html" >"$WORK/$page.dom" 2>/dev/null
    # Every chart present, and each one draws something.
    charts=$(grep -o '<svg class="chart" data-chart="[^"]*"' "$WORK/$page.dom" | sed 's/.*data-chart="//; s/"$//')
    wanted="score"
    [[ $page != drift ]] && wanted="roc pr calibration score_histogram confusion gains lift importance"
    for id in $wanted; do
      if grep -qx -- "$id" <<<"$charts" || grep -qx -- "drift_$id" <<<"$charts"; then pass; else
        fail "$page: chart $id missing"
      fi
    done
    empty=$(awk 'BEGIN{RS="</svg>"} /class="chart"/ && !/<(path|rect|circle)[^>]*(d="M|height="[1-9]|r=")/ {n++} END{print n+0}' "$WORK/$page.dom")
    expect_eq "$empty" 0 "$page: no empty chart"
    n=$(wc -l <<<"$charts")
    if ((n >= 20)); then pass; else fail "$page: only $n charts"; fi
  done
  mkdir -p "${CHURNML_E2E_ARTIFACTS:-$WORK/artifacts}"
  cp "$WORK"/report.png "$WORK"/drift.png "${CHURNML_E2E_ARTIFACTS:-$WORK/artifacts}/" 2>/dev/null
fi
finish
