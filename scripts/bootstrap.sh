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

# The SARIF schema validator (ajv) the audit tests run, pinned by
# deploy/audit/package-lock.json, from the npm registry.
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ ! -x "$root/deploy/audit/node_modules/.bin/ajv" ]]; then
  if command -v npm >/dev/null 2>&1; then
    echo "bootstrap: installing the SARIF validator (npm ci --prefix deploy/audit)" >&2
    npm ci --prefix "$root/deploy/audit" --no-audit --no-fund --loglevel=error >&2
  else
    echo "bootstrap: npm not found; SARIF schema validation will be skipped" >&2
  fi
fi

# onnxruntime-node, the ONNX runtime the export e2e test scores with, pinned
# by tests/onnx/package-lock.json. --ignore-scripts: its install script
# downloads optional extras from a host these machines cannot reach; the
# Linux x64 CPU binaries ship inside the package and load as they are.
if [[ ! -d "$root/tests/onnx/node_modules/onnxruntime-node" ]]; then
  if command -v npm >/dev/null 2>&1; then
    echo "bootstrap: installing onnxruntime-node (npm ci --ignore-scripts --prefix tests/onnx)" >&2
    npm ci --ignore-scripts --prefix "$root/tests/onnx" --no-audit --no-fund --loglevel=error >&2
  else
    echo "bootstrap: npm not found; the ONNX export e2e test will be skipped" >&2
  fi
fi

# Playwright's driver (no browser download: the dashboard e2e test uses
# Debian's chromium), pinned by tests/browser/package-lock.json.
if [[ ! -d "$root/tests/browser/node_modules/playwright-core" ]]; then
  if command -v npm >/dev/null 2>&1; then
    echo "bootstrap: installing playwright-core (npm ci --prefix tests/browser)" >&2
    npm ci --prefix "$root/tests/browser" --no-audit --no-fund --loglevel=error >&2
  else
    echo "bootstrap: npm not found; tests/e2e/dashboard_e2e_test.sh will fail until it is installed" >&2
  fi
fi
