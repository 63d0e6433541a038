#!/usr/bin/env bash
# The command line's error contract (docs/cli.md): every usage mistake,
# schema mistake, exception and failed write to stdout is exactly one line
# `churnml: error: ...` on stderr with exit status 2 (1 for findings), and
# the line says what to do: the command, flag, config key or column meant.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"

# expect_error CODE LINE DESCRIPTION: stderr is exactly LINE, status CODE.
expect_error() {
  expect_status "$1" "$3"
  expect_eq "$(cat "$WORK/err")" "$2" "$3"
}

run "$CHURNML" data generate --rows 400 --seed 7 --out customers.csv
expect_status 0 "generate"

# ---- commands, flags, config keys ----------------------------------------
run "$CHURNML" trian --data customers.csv
expect_error 2 "churnml: error: unknown command trian; did you mean train?" "mistyped command"
run "$CHURNML" data valdate customers.csv
expect_error 2 "churnml: error: unknown command data valdate; did you mean data validate?" \
  "mistyped nested command"
run "$CHURNML" data
expect_error 2 "churnml: error: churnml data needs a command: generate, validate (see churnml data --help)" \
  "group without its command"
run "$CHURNML" train --data customers.csv --outt model
expect_error 2 "churnml: error: unknown flag --outt for churnml train; did you mean --out?" \
  "mistyped flag"
run "$CHURNML" train --data customers.csv --jbos 2 --no-track --out m
expect_error 2 "churnml: error: unknown flag --jbos for churnml train; did you mean --threads?" \
  "mistyped former spelling suggests the canonical flag"
run "$CHURNML" predict --model m
expect_error 2 "churnml: error: predict: --data is required (see churnml predict --help)" \
  "missing required flag"

mkdir cfg && cd cfg || exit 2
printf 'store: ./mlruns\ntrain:\n  modle: xgboost\n' >churnml.yaml
run "$CHURNML" train --data ../customers.csv
expect_error 2 "churnml: error: churnml.yaml:3: unknown key train.modle; did you mean train.model?" \
  "config key typo names file and line"
expect_no_file mlruns "a config error creates no store"
printf 'train:\n  model: [xgboost\n' >churnml.yaml
run "$CHURNML" train --data ../customers.csv
expect_status 2 "config syntax error"
expect_one_line_error "config syntax error"
expect_contains "$WORK/err" "churnml: error: churnml.yaml:" "config syntax error names the file"
cd .. || exit 2

# ---- train checks everything before a run exists ------------------------
run "$CHURNML" --store s1 train --data customers.csv --model xgb
expect_error 2 "churnml: error: unknown model kind xgb; valid: logistic, xgboost; did you mean xgboost?" \
  "model kind"
run "$CHURNML" --store s1 train --data missing.csv
expect_error 2 "churnml: error: --data missing.csv: no such file" "missing data file"
mkdir existing
run "$CHURNML" --store s1 train --data customers.csv --out existing
expect_error 2 "churnml: error: --out existing already exists; choose another directory or add --force to replace a model there" \
  "existing --out"
run "$CHURNML" --store s1 train --data customers.csv --test-size 1.5
expect_error 2 "churnml: error: --test-size must be between 0 and 1 (exclusive), got 1.5" \
  "test size out of range"
run "$CHURNML" --store s1 train --data customers.csv --cv 1
expect_error 2 "churnml: error: --cv must be 0 (off) or at least 2 folds, got 1" "one fold"
expect_no_file s1 "usage mistakes leave no store and no FAILED run"

# ---- one vocabulary: former spellings still work --------------------------
run "$CHURNML" train --data customers.csv --no-track --output m1
expect_status 0 "train --output (former spelling of --out)"
expect_file m1/model.json "train --output wrote the model"
run "$CHURNML" predict --model m1 --input customers.csv --output p1.csv -j 1
expect_status 0 "predict --input/--output/-j (former spellings)"
run "$CHURNML" predict --model m1 --data customers.csv --out p2.csv --threads 1
expect_status 0 "predict --data/--out/--threads"
expect_eq "$(cmp -s p1.csv p2.csv && echo same)" "same" "both spellings give the same output"
expect_contains "$WORK/err" "on 1 thread →" "one thread, singular"
run "$CHURNML" data validate --data customers.csv
expect_status 0 "data validate --data"
expect_contains "$WORK/err" "0 problems" "plural problems"

# ---- schema mistakes ----------------------------------------------------------
tr ',' ';' <customers.csv >semicolon.csv
run "$CHURNML" predict --model m1 --data semicolon.csv --out x.csv
expect_error 2 "churnml: error: the header looks ';'-separated (split at ';' it holds 21 of the 21 expected columns); churnml reads comma-separated files: convert it first" \
  "semicolon delimiter"
iconv -f UTF-8 -t UTF-16 customers.csv >utf16.csv
run "$CHURNML" predict --model m1 --data utf16.csv --out x.csv
expect_error 2 "churnml: error: the file looks encoded as UTF-16 (little-endian, with a byte-order mark); churnml reads UTF-8: convert it first, e.g. iconv -f UTF-16 -t UTF-8 IN > OUT" \
  "UTF-16 file"
sed '1s/tenure/Tenure/' customers.csv >renamed.csv
run "$CHURNML" predict --model m1 --data renamed.csv --out x.csv
expect_status 2 "renamed column"
expect_one_line_error "renamed column"
expect_contains "$WORK/err" 'unknown column "Tenure" (did you mean "tenure"?)' "renamed column hint"
run "$CHURNML" evaluate --model m1 --data renamed.csv
expect_status 2 "renamed column (evaluate)"
expect_contains "$WORK/err" 'unknown column "Tenure" (did you mean "tenure"?)' \
  "renamed column hint (evaluate lists the header problems)"

# An extra column is an error, unless the schema says to read past it.
awk -F, 'BEGIN{OFS=","} NR==1{print $0,"Region"; next} {print $0,"north"}' customers.csv >region.csv
run "$CHURNML" predict --model m1 --data region.csv --out x.csv
expect_status 2 "extra column with the default schema"
expect_contains "$WORK/err" 'unknown column "Region"' "extra column named"
{ echo "extra_columns: ignore"; cat "$HERE/../../src/data/testdata/telco_schema.yaml"; } >lenient.yaml
run "$CHURNML" train --data region.csv --schema lenient.yaml --no-track --out m_lenient
expect_status 0 "train with extra_columns: ignore"
run "$CHURNML" predict --model m_lenient --data region.csv --out lenient.csv
expect_status 0 "predict reads past the ignored column"
expect_eq "$(head -1 lenient.csv)" "customerID,probability,prediction" "ignored column not in output"

# ---- model references ---------------------------------------------------------
run "$CHURNML" predict --model m1/model.json --data customers.csv --out x.csv
expect_error 2 "churnml: error: --model m1/model.json is a file; pass the model's directory (m1)" \
  "model.json instead of its directory"
run "$CHURNML" --store s2 train --data customers.csv --register churn --alias champion
expect_status 0 "train and register"
run "$CHURNML" --store s2 predict --model churn --data customers.csv --out x.csv
expect_error 2 "churnml: error: --model churn is a registered model; name a version or an alias: churn@champion, churn/1" \
  "bare registered name"
run "$CHURNML" --store nowhere predict --model churn@champion --data customers.csv --out x.csv
expect_error 2 "churnml: error: no tracking store at nowhere (nothing was recorded there); pass --store with the folder \`train\` used, or train a model first" \
  "a read with a missing store"
expect_no_file nowhere "a read creates no store"
for cmd in "runs list" "models list" "runs show abc"; do
  # shellcheck disable=SC2086
  run "$CHURNML" --store nowhere $cmd
  expect_error 2 "churnml: error: no tracking store at nowhere (nothing was recorded there); pass --store with the folder \`train\` used, or train a model first" \
    "$cmd with a missing store"
  expect_no_file nowhere "$cmd creates no store"
done
ln -s loop loop
run "$CHURNML" predict --model loop --data customers.csv --out x.csv
expect_error 2 "churnml: error: --model loop: Too many levels of symbolic links" "symlink loop as model"
# Run as root here, so unreadability is tested with a path through a file
# (ENOTDIR), which fails the same way a directory without permission does.
run "$CHURNML" evaluate --model customers.csv/model --data customers.csv
expect_status 2 "model path through a file"
expect_one_line_error "model path through a file"

# ---- exceptions become one line: invalid UTF-8 in a reported value ---------
{ head -1 customers.csv; sed -n 2p customers.csv | sed 's/,Male,/,M\xff\xfele,/; s/,Female,/,F\xff\xfemale,/'; } >badutf8.csv
run "$CHURNML" data validate badutf8.csv --json
expect_status 1 "invalid UTF-8 value in --json report"
if [[ $(wc -l <"$WORK/err") -eq 0 ]] && jq -e '.issue_count == 1' "$WORK/out" >/dev/null; then pass; else
  fail "validate --json with invalid UTF-8: $(head -c 300 "$WORK/err")"
fi
name=$'data-\xff.csv'
cp customers.csv "$name"
run "$CHURNML" --store s3 train --data "$name" --register churn --json
if [[ $status -eq 0 || ( $status -eq 2 && $(wc -l <"$WORK/err") -eq 1 ) ]]; then pass; else
  fail "non-UTF-8 data path with --register: status $status: $(head -c 300 "$WORK/err")"
fi

# ---- stdout write errors ---------------------------------------------------------
for cmd in "runs list --json" "models list" "data validate customers.csv --json" \
  "evaluate --model m1 --data customers.csv" "audit $WORK/m1 --exit-zero" \
  "train --data customers.csv --no-track --force --out m9 --json"; do
  # shellcheck disable=SC2086
  "$CHURNML" --store s2 $cmd >/dev/full 2>"$WORK/err"
  status=$?
  expect_status 2 "$cmd > /dev/full"
  expect_eq "$(tail -1 "$WORK/err")" "churnml: error: writing standard output: No space left on device" \
    "$cmd > /dev/full"
done

# ---- alerts against a server without --alerts --------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$CHURNML" --store s2 serve --model churn@champion --port "$port" 2>serve.log &
serve_pid=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
  sleep 0.2
done
run "$CHURNML" alerts list --server "http://127.0.0.1:$port"
expect_error 2 "churnml: error: the server at http://127.0.0.1:$port has no alert routes: start it with \`churnml serve --alerts RULES.yaml\` (docs/alerts.md)" \
  "alerts against a server without --alerts"
kill "$serve_pid"
wait "$serve_pid" 2>/dev/null
run "$CHURNML" alerts list --help
expect_contains "$WORK/out" "http://127.0.0.1:8000" "alerts defaults to serve's port"

finish
