#!/usr/bin/env bash
# `churnml explain`: every row's score with its top-k features (log-odds
# contributions, one per raw feature, one-hot levels summed back); with
# every feature asked for, base value + contributions == logit(probability)
# for both model kinds, and probabilities equal `predict`'s; bad input is one
# error line and no output file.
source "$(dirname "$0")/lib.sh"

run "$CHURNML" data generate --rows 4000 --seed 21 --out train.csv
expect_status 0 "generate"
run "$CHURNML" data generate --rows 2000 --seed 22 --out new.csv
expect_status 0 "generate new"
run "$CHURNML" train --data train.csv --no-track --out logistic
expect_status 0 "train logistic"
run "$CHURNML" train --data train.csv --no-track --model xgboost --max-depth 6 \
  --n-estimators 100 --threads 1 --out xgboost
expect_status 0 "train xgboost"

for kind in logistic xgboost; do
  run "$CHURNML" explain --model "$kind" --input new.csv --output "why-$kind.csv" --top-k 19 --json
  expect_status 0 "explain $kind"
  expect_eq "$(json_field out .rows)" 2000 "$kind: rows in the summary"
  expect_eq "$(json_field out .unit)" log-odds "$kind: unit"
  run "$CHURNML" predict --model "$kind" --data new.csv --out "scored-$kind.csv"
  expect_status 0 "predict $kind"
  check=$(/usr/bin/python3 - "why-$kind.csv" "scored-$kind.csv" <<'PY'
import csv, math, sys
why = list(csv.DictReader(open(sys.argv[1])))
scored = list(csv.DictReader(open(sys.argv[2])))
bad = 0
worst = 0.0
for w, s in zip(why, scored):
    p = float(w["probability"])
    if w["customerID"] != s["customerID"] or p != float(s["probability"]):
        bad += 1
        continue
    names = [w[f"top{i}_feature"] for i in range(1, 20)]
    terms = [float(w["base_value"])] + [float(w[f"top{i}_contribution"]) for i in range(1, 20)]
    margin = math.log(p / (1 - p))
    err = abs(sum(terms) - margin) / sum(abs(t) for t in terms)
    worst = max(worst, err)
    mags = [abs(t) for t in terms[1:]]
    if len(set(names)) != 19 or "Contract" not in names or mags != sorted(mags, reverse=True):
        bad += 1
print(len(why), bad, "ok" if worst < 1e-5 else f"additivity {worst}")
PY
)
  expect_eq "$check" "2000 0 ok" "$kind: same probabilities as predict, 19 distinct raw features largest first, base + sum = logit(p)"
done

run "$CHURNML" explain --model xgboost --input new.csv --output - --top-k 2
expect_status 0 "explain to stdout"
expect_eq "$(head -1 out)" \
  "customerID,probability,prediction,base_value,top1_feature,top1_value,top1_contribution,top2_feature,top2_value,top2_contribution" \
  "header with two features"
expect_eq "$(wc -l <out)" 2001 "one line per row"

run "$CHURNML" explain --model logistic --input new.csv --output k0.csv --top-k 0
expect_status 2 "top-k 0"
expect_one_line_error "top-k 0"
sed '3s/,Month-to-month,/,Monthly,/; 3s/,One year,/,Monthly,/; 3s/,Two year,/,Monthly,/' new.csv >bad.csv
run "$CHURNML" explain --model logistic --input bad.csv --output bad-out.csv
expect_status 2 "invalid row"
expect_one_line_error "invalid row"
expect_contains err "Contract" "the error names the column"
expect_no_file bad-out.csv "no output after an error"
finish
