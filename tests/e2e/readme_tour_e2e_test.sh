#!/usr/bin/env bash
# The README's tour, run as written: every ```sh block that follows a
# `<!-- tour -->` line is extracted in order and run in one shell, in an
# empty folder, with the churnml under test first on PATH. The only change
# made to the text is the port: every "8000" becomes a free port, so the
# test never collides with a server already on 8000. The blocks start their
# servers in the background and stop them themselves (kill -TERM %1 && wait
# %1); anything still running when the tour ends is killed here.
#
# Every other ```sh/```bash/```console block must be marked
# `<!-- not-tour: why -->`, so a new block cannot slip past this test.
README=$(realpath "$(dirname "$0")/../../README.md")
source "$(dirname "$0")/lib.sh"

# --- extract -----------------------------------------------------------------
# awk prints the tour blocks, each preceded by a "# --- tour block N" line,
# and writes unmarked shell blocks' line numbers to unmarked.txt.
awk -v unmarked="$WORK/unmarked.txt" '
  /^<!-- tour -->[[:space:]]*$/ { mark = "tour"; next }
  /^<!-- not-tour:/ { mark = "skip"; next }
  /^```(sh|bash|console)[[:space:]]*$/ && !inside {
    inside = 1
    if (mark == "tour") { n++; print "# --- tour block " n " (README.md line " NR ")" }
    else if (mark != "skip") print NR >> unmarked
    take = (mark == "tour"); mark = ""; next
  }
  /^```/ && inside { inside = 0; take = 0; next }
  /^```/ { inside = 1; take = 0; mark = ""; next }
  take { print }
  !/^[[:space:]]*$/ && !inside { mark = "" }
' "$README" >"$WORK/tour-blocks.sh"

blocks=$(grep -c '^# --- tour block ' "$WORK/tour-blocks.sh")
if ((blocks >= 4)); then pass; else fail "expected at least 4 tour blocks in README.md, found $blocks"; fi
if [[ -s $WORK/unmarked.txt ]]; then
  fail "README.md shell blocks at line(s) $(tr '\n' ' ' <"$WORK/unmarked.txt")are marked neither <!-- tour --> nor <!-- not-tour: ... -->"
else pass; fi
if grep -q 'build/churnml' "$WORK/tour-blocks.sh"; then
  fail "the tour calls build/churnml: it must use churnml from PATH"
else pass; fi
expect_contains "$WORK/tour-blocks.sh" "models alias set churn champion 2" "the tour moves the alias to version 2"
expect_contains "$WORK/tour-blocks.sh" "cat > customer.json" "the tour writes the customer.json it posts"

# --- a free port for 8000 ---------------------------------------------------
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
TOUR_PORT=$(free_port)
mkdir "$WORK/tour"
{
  echo 'set -e -o pipefail'
  echo 'trap '\''kill $(jobs -p) 2>/dev/null || true'\'' EXIT'
  echo 'set -x'
  sed "s/\b8000\b/$TOUR_PORT/g" "$WORK/tour-blocks.sh"
} >"$WORK/tour.sh"

# --- run ----------------------------------------------------------------------
BIN_DIR=$(mktemp -d "$WORK/bin.XXXXXX")
ln -s "$CHURNML" "$BIN_DIR/churnml"
(
  cd "$WORK/tour" &&
    PATH="$BIN_DIR:$PATH" timeout 900 bash "$WORK/tour.sh" >"$WORK/tour.out" 2>"$WORK/tour.err"
)
status=$?
if [[ $status -eq 0 ]]; then pass; else
  last=$(grep '^+' "$WORK/tour.err" | grep -v '^++' | tail -1)
  fail "the README tour failed (exit $status) at: ${last:-?}; stderr tail: $(tail -c 1500 "$WORK/tour.err")"
fi

# --- what the tour promised happened -------------------------------------------
cd "$WORK/tour" || exit 2
expect_file customer.json "customer.json written by the tour"
expect_file audit.sarif "the audit's SARIF report"
expect_eq "$(head -1 scored.csv 2>/dev/null)" "customerID,probability,prediction" "scored.csv header"
run "$CHURNML" models show churn --json
expect_eq "$(json_field "$WORK/out" '.versions | length')" 2 "the tour registers two versions"
expect_eq "$(json_field "$WORK/out" '.aliases.champion')" 2 "champion moved to version 2"
# The /predict answer the tour printed came from churn/1 (before the move).
expect_contains "$WORK/tour.out" '"customerID":"7590-VHVEG"' "the tour's curl got a prediction"
expect_contains "$WORK/tour.out" '"prediction":' "the prediction has a class"
run "$CHURNML" runs list --filter "params.cv = '5'" --json
expect_eq "$(json_field "$WORK/out" '.runs | length')" 1 "the restored cross-validated run is listed"
expect_eq "$(json_field "$WORK/out" '.runs[0].metrics.cv_roc_auc_mean.value != null')" true \
  "cross-validation mean stored"
run "$CHURNML" runs list --json --limit 0
# data generate ×2 aside: lr, xgb, tracked xgb, register, churnml.yaml train.
expect_eq "$(json_field "$WORK/out" '.runs | length')" 5 "five runs recorded"
if pgrep -f "churnml serve .*--port $TOUR_PORT" >/dev/null; then
  fail "a tour server is still running"
else pass; fi

finish
