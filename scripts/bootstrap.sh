#!/usr/bin/env bash
# Installs the Debian packages churnml needs to build, test and benchmark.
# Idempotent: packages already present are left alone, and apt is only asked
# when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  clang-format
  libgtest-dev libgmock-dev libbenchmark-dev
  liblinear-dev libxgboost-dev
  libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libyaml-cpp-dev
  libsqlite3-dev libxxhash-dev
  jq procps
)
# Extra packages a later layer needs can be listed in scripts/packages.d/*.txt
# (one package per line), so each layer owns its own install step.
if compgen -G "$(dirname "$0")/packages.d/*.txt" >/dev/null; then
  while read -r pkg; do
    [[ -n "$pkg" && "$pkg" != \#* ]] && packages+=("$pkg")
  done < <(cat "$(dirname "$0")"/packages.d/*.txt)
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "bootstrap: installing ${missing[*]}" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Test tools from the npm registry, each pinned by its package-lock.json:
#   deploy/audit   ajv, the SARIF schema validator the audit tests run
#   tests/onnx     onnxruntime-node, the runtime the export e2e test scores
#                  with; --ignore-scripts: its install script downloads
#                  extras from a host these machines cannot reach, and the
#                  Linux x64 CPU binaries ship inside the package
#   tests/browser  playwright-core, which drives Debian's chromium in the
#                  dashboard e2e test (no browser download)
# A folder that is not there (the image build copies only scripts/) is
# skipped. Node.js and npm are installed from Debian when no npm is on the
# PATH: checked by command, not by package, because a machine may have them
# from elsewhere (NodeSource's nodejs bundles npm and conflicts with
# Debian's npm package).
root=$(cd "$(dirname "$0")/.." && pwd)
npm_tools=(
  "deploy/audit|node_modules/.bin/ajv|"
  "tests/onnx|node_modules/onnxruntime-node|--ignore-scripts"
  "tests/browser|node_modules/playwright-core|"
)
wanted=()
for tool in "${npm_tools[@]}"; do
  IFS='|' read -r dir installed _ <<<"$tool"
  [[ -f "$root/$dir/package-lock.json" && ! -e "$root/$dir/$installed" ]] && wanted+=("$tool")
done
if ((${#wanted[@]} > 0)) && ! command -v npm >/dev/null 2>&1; then
  echo "bootstrap: installing nodejs and npm (Debian's) for the test tools" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
for tool in "${wanted[@]}"; do
  IFS='|' read -r dir _ flags <<<"$tool"
  echo "bootstrap: npm ci $flags --prefix $dir" >&2
  # shellcheck disable=SC2086  # $flags is empty or one flag
  npm ci $flags --prefix "$root/$dir" --no-audit --no-fund --loglevel=error >&2
done
