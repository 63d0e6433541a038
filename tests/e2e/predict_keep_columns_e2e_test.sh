#!/usr/bin/env bash
# `churnml predict --keep-columns`: input columns (in the schema or not)
# travel to the output beside the score, in input order, CSV-quoted where
# needed, also through several threads and chunks; an unknown name is one
# error line naming the flag and the closest column; without the flag an
# extra column is still refused.
source "$(dirname "$0")/lib.sh"

run "$CHURNML" data generate --rows 3000 --seed 5 --out train.csv
expect_status 0 "generate"
run "$CHURNML" train --data train.csv --no-track --out model
expect_status 0 "train"
run "$CHURNML" data generate --rows 20000 --seed 6 --out new.csv
expect_status 0 "generate new"
# A Region column after customerID: plain, with a comma and quotes, empty.
awk 'BEGIN {FS = OFS = ","; split("north|\"south, \"\"east\"\"\"|", r, "|")}
     NR == 1 {$1 = $1 ",Region"; print; next}
     {$1 = $1 "," r[(NR % 3) + 1]; print}' new.csv >region.csv

run "$CHURNML" predict --model model --data region.csv --out scored.csv \
  --keep-columns tenure,Region,customerID --threads 2
expect_status 0 "predict with --keep-columns"
expect_eq "$(head -1 scored.csv)" "customerID,tenure,Region,probability,prediction" "output header"
expect_eq "$(sed -n 2p scored.csv | cut -d, -f1-3)" \
  "$(sed -n 2p new.csv | cut -d, -f1),$(sed -n 2p new.csv | cut -d, -f6),$(sed -n 2p region.csv | cut -d, -f2)" \
  "row 1 carries its own id, tenure and Region"
expect_eq "$(wc -l <scored.csv)" 20001 "every row scored"
# Python's csv module reads it back: quoting is right, rows are in order.
check=$(/usr/bin/python3 - <<'PY'
import csv
with open("new.csv") as f:
    src = list(csv.DictReader(f))
with open("scored.csv") as f:
    out = list(csv.DictReader(f))
regions = ["north", 'south, "east"', ""]
bad = [i for i, (s, o) in enumerate(zip(src, out))
       if o["customerID"] != s["customerID"] or o["tenure"] != s["tenure"]
       or o["Region"] != regions[(i + 2) % 3] or not 0 <= float(o["probability"]) <= 1]
print(len(out), len(bad))
PY
)
expect_eq "$check" "20000 0" "kept columns read back as CSV, row by row"
# The scores are the same as without the extra columns.
run "$CHURNML" predict --model model --data new.csv --out plain.csv
expect_status 0 "predict without --keep-columns"
expect_eq "$(cut -d, -f1 scored.csv | md5sum)" "$(cut -d, -f1 plain.csv | md5sum)" "same ids"
expect_eq "$(awk -F, '{print $(NF-1), $NF}' scored.csv | md5sum)" \
  "$(awk -F, '{print $(NF-1), $NF}' plain.csv | md5sum)" "same scores"

run "$CHURNML" predict --model model --data region.csv --out x.csv --keep-columns Regoin
expect_status 2 "unknown kept column"
expect_one_line_error "unknown kept column"
expect_contains "$WORK/err" '--keep-columns: no column "Regoin" in region.csv; did you mean "Region"?' \
  "the error names the flag and the closest column"
expect_no_file x.csv "no output after the error"
run "$CHURNML" predict --model model --data region.csv --out x.csv
expect_status 2 "an extra column without --keep-columns"
expect_contains "$WORK/err" 'unknown column "Region"' "still refused"
finish
