#!/usr/bin/env bash
# churnml audit end to end: exit codes (0/1/2, --fail-on, --exit-zero),
# report formats, baselines surviving inserted lines, SARIF validated against
# the OASIS 2.1.0 schema (when deploy/audit has ajv installed), and the
# project's own scan failing on no high finding.
REPO=$(cd "$(dirname "$0")/../.." && pwd)
source "$(dirname "$0")/lib.sh"

cp -r "$REPO/src/audit/testdata/golden/project" proj
chmod -R u+rwX,go-w proj
ADV="$REPO/src/audit/testdata/advisories.json"

# Exit codes.
run "$CHURNML" audit proj
expect_status 1 "findings at or above the default --fail-on low"
expect_contains "$WORK/out" "SUMMARY" "text report is complete"
expect_contains "$WORK/err" "files/s" "timing goes to stderr"
run "$CHURNML" audit proj --exit-zero
expect_status 0 "--exit-zero"
run "$CHURNML" audit proj --rules CML-K014 --fail-on medium
expect_status 0 "only a low finding with --fail-on medium"
run "$CHURNML" audit proj --rules CML-K014 --fail-on low
expect_status 1 "a low finding with --fail-on low"
run "$CHURNML" audit does-not-exist
expect_status 2 "missing path"
expect_one_line_error "missing path"
run "$CHURNML" audit proj --format yaml
expect_status 2 "unknown format"
expect_one_line_error "unknown format"
run "$CHURNML" audit proj --rules CML-NOPE
expect_status 2 "unknown rule"
run "$CHURNML" audit proj --fail-on severe
expect_status 2 "bad --fail-on"

# Formats and --output (written atomically; the report is complete even
# when the exit status is 1).
run "$CHURNML" audit proj --advisories "$ADV" --format json --output report.json
expect_status 1 "json run"
expect_eq "$(json_field report.json '.summary.findings.suppressed_inline')" "2" "inline suppressions"
expect_contains report.json "GHSA-m2qf-hxjv-5gpq" "advisory finding"
expect_contains report.json 'AKIA****' "secret redacted"
# churnml:ignore CML-S001 -- AWS's documented example key ID
if grep -q AKIAIOSFODNN7EXAMPLE report.json; then fail "secret leaked into JSON"; else pass; fi
run "$CHURNML" audit proj --advisories "$ADV" --format sarif -o report.sarif
expect_status 1 "sarif run"
expect_eq "$(json_field report.sarif '.version')" "2.1.0" "sarif version"
expect_eq "$(json_field report.sarif '[.runs[0].results[].locations[0].physicalLocation.artifactLocation.uri | startswith("/")] | any')" \
  "false" "relative URIs"
bash "$REPO/deploy/audit/validate_sarif.sh" report.sarif
case $? in
  0) pass ;;
  77) echo "SKIP: SARIF schema validation (npm install --prefix deploy/audit)" ;;
  *) fail "SARIF output does not validate against the 2.1.0 schema" ;;
esac
# Taint flows (source line -> sink line) are SARIF codeFlows; they validate too.
run "$CHURNML" audit "$REPO/src/audit/testdata/golden/project" --format sarif -o flows.sarif
expect_eq "$(json_field flows.sarif '[.runs[0].results[] | select(.codeFlows)] | length > 0')" \
  "true" "sarif codeFlows for a taint flow"
bash "$REPO/deploy/audit/validate_sarif.sh" flows.sarif
case $? in
  0) pass ;;
  77) echo "SKIP: SARIF schema validation (npm install --prefix deploy/audit)" ;;
  *) fail "SARIF with codeFlows does not validate against the 2.1.0 schema" ;;
esac

# Baselines: accepted findings stop failing the run, inserted lines keep them
# accepted, a new finding fails it again.
run "$CHURNML" audit proj --write-baseline baseline.json --exit-zero
expect_status 0 "write baseline"
expect_file baseline.json "baseline written"
run "$CHURNML" audit proj --baseline baseline.json
expect_status 0 "everything baselined"
{ printf '"""Inserted docstring."""\n\n\n'; cat proj/app.py; } > app.tmp && mv app.tmp proj/app.py
run "$CHURNML" audit proj --baseline baseline.json
expect_status 0 "baseline survives inserted lines"
echo 'token_value = eval(input())' >> proj/app.py
run "$CHURNML" audit proj --baseline baseline.json --format json -o new.json
expect_status 1 "a new finding fails the baselined run"
expect_eq "$(json_field new.json '[.findings[] | select(.suppression == "none")] | length')" "1" \
  "only the new finding is active"

# Config file: excludes and disabled rules; unknown keys are errors.
cat > audit.yaml <<'YAML'
exclude: ["deploy/"]
disable: [CML-V002]
fail_on: critical
YAML
run "$CHURNML" audit proj --config audit.yaml --rules 'CML-K*,CML-V*' --format json -o cfg.json
expect_status 0 "no critical finding under the config"
expect_eq "$(json_field cfg.json '[.findings[] | select(.path | startswith("deploy/"))] | length')" "0" \
  "config excludes"
echo "colour: blue" > bad.yaml
run "$CHURNML" audit proj --config bad.yaml
expect_status 2 "unknown config key"
expect_contains "$WORK/err" "colour" "error names the key"

# The project itself: no high or critical finding (test fixtures excluded).
run "$CHURNML" audit "$REPO" --config "$REPO/deploy/audit/self-audit.yaml" --fail-on high
expect_status 0 "churnml's own code has no high finding: $(grep -E '^  [a-z].*CML-' "$WORK/out" | head -5)"

finish
