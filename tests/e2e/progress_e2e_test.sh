#!/usr/bin/env bash
# Progress you can watch: in a real terminal (tmux), `train` shows its stage
# with a spinner and the elapsed time while the model fits, and XGBoost's
# boosting round with its log loss on the test split and an ETA; with stderr redirected, no progress line is
# written at all.
source "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null || { echo "tmux is required (scripts/packages.d/cli.txt)"; exit 1; }

run "$CHURNML" data generate --rows 200000 --seed 3 --out big.csv
expect_status 0 "generate"

session="churnml-progress-$$"
tmux new-session -d -s "$session" -x 200 -y 30 "bash --norc --noprofile"
trap 'tmux kill-session -t "$session" 2>/dev/null; [[ -n ${CHURNML_E2E_KEEP-} ]] || rm -rf "$WORK"' EXIT
sleep 0.5
tmux send-keys -t "$session" \
  "cd '$WORK' && '$CHURNML' train --data big.csv --no-track --out m --model xgboost --n-estimators 400 --threads 1; echo EXIT=\$?" Enter

seen_fit=""
seen_spinner=""
seen_round=""
for _ in $(seq 1 1200); do  # up to 4 minutes on a loaded machine
  pane=$(tmux capture-pane -p -t "$session")
  if grep -q "train: preprocess and fit xgboost (2/5)" <<<"$pane"; then
    seen_fit=yes
    grep -qE "train: preprocess and fit xgboost \(2/5\).* [|/\\-] [0-9]+ s" <<<"$pane" && seen_spinner=yes
    grep -qE "\(2/5\), round [0-9]+/400, test logloss [0-9]\.[0-9]{4}, ETA [0-9]+ s" <<<"$pane" &&
      seen_round=yes
  fi
  grep -q "^EXIT=" <<<"$pane" && break
  sleep 0.2
done
pane=$(tmux capture-pane -p -t "$session")
expect_eq "$(grep -o '^EXIT=[0-9]*' <<<"$pane")" "EXIT=0" "train in a terminal"
expect_eq "$seen_fit" "yes" "the fit stage is shown while it runs"
expect_eq "$seen_spinner" "yes" "the fit stage has a spinner and the elapsed time"
expect_eq "$seen_round" "yes" "XGBoost's boosting rounds are counted with the test log loss and an ETA"
if grep -q "trained xgboost on 160,000 rows" <<<"$pane"; then pass; else
  fail "summary after the progress line: $pane"
fi
if grep -q "train: " <<<"$(grep -v '^\$\|cd ' <<<"$pane" | tail -n 12)"; then
  fail "the progress line is cleared at the end: $pane"
else pass; fi

# Not a terminal: stderr carries the summary only.
run "$CHURNML" train --data big.csv --no-track --out m2 --model logistic
expect_status 0 "train with stderr redirected"
if grep -q $'\r' "$WORK/err" || grep -q "train: " "$WORK/err"; then
  fail "progress written to a non-terminal stderr: $(head -c 300 "$WORK/err")"
else pass; fi

finish
