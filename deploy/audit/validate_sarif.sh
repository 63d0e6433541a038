#!/usr/bin/env bash
# Validates SARIF files against the OASIS SARIF 2.1.0 JSON schema committed
# beside this script, with ajv (JSON Schema draft 2020-12).
#   npm install --prefix deploy/audit     # once (needs the npm registry)
#   deploy/audit/validate_sarif.sh report.sarif [more.sarif...]
# Exit status: 0 valid, 1 invalid, 77 validator not installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ajv="$here/node_modules/.bin/ajv"
if [[ ! -x $ajv ]]; then
  echo "validate_sarif: ajv not installed; run: npm install --prefix $here" >&2
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for f in "$@"; do
  # ajv picks the parser by extension, so validate a .json copy.
  cp "$f" "$tmp/report.json"
  if ! "$ajv" validate --spec=draft2020 --strict=false -c ajv-formats \
      -s "$here/sarif-schema-2.1.0.json" -d "$tmp/report.json" >"$tmp/log" 2>&1; then
    echo "validate_sarif: $f is not valid SARIF 2.1.0:" >&2
    cat "$tmp/log" >&2
    status=1
  fi
done
exit $status
