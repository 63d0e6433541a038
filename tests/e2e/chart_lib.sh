# Shared by the chart tests (k8s_chart_e2e_test.sh, autoscale_chart_e2e_test.sh):
# the chart, its render/validate tools (deploy/helm/tools, npm packages
# pinned by package-lock.json, installed on first use) and a YAML-to-JSON
# reader for jq. Source it before lib.sh, after setting HERE.
ROOT=$(cd "$HERE/../.." && pwd)
TOOLS="$ROOT/deploy/helm/tools"
CHART="$ROOT/deploy/helm/churnml"
command -v node >/dev/null || { echo "node missing (apt-get install nodejs npm)"; exit 2; }
if [[ ! -d $TOOLS/node_modules/kubernetes-models ]]; then
  npm ci --prefix "$TOOLS" --no-audit --no-fund --loglevel=error >&2 ||
    { echo "npm ci --prefix deploy/helm/tools failed"; exit 2; }
fi

render() { node "$TOOLS/render.mjs" "$@"; }      # render CHART [-f VALUES] [--release NAME]
validate() { node "$TOOLS/validate.mjs" "$@"; }  # validate FILE.yaml: every object vs its schema

# as_json FILE: the YAML documents of FILE as one JSON array (for jq).
as_json() {
  local file
  file=$(realpath "$1")
  (cd "$TOOLS" && node --input-type=module -e '
    import fs from "node:fs"; import YAML from "yaml";
    const docs = YAML.parseAllDocuments(fs.readFileSync(process.argv[1], "utf8")).map((d) => d.toJS()).filter(Boolean);
    process.stdout.write(JSON.stringify(docs));' "$file")
}
