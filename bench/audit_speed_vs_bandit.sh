#!/usr/bin/env bash
# churnml audit vs Bandit wall time on N real Python files (default 2,000):
# the first N *.py files, in sorted order, of Debian's
# /usr/lib/python3/dist-packages, copied to a scratch tree.
#   bench/audit_speed_vs_bandit.sh CHURNML_BINARY [N] [SCRATCH_DIR]
# churnml runs every built-in rule with --jobs 2, best of three (warm cache);
# Bandit (Debian's bandit package) runs once with every plugin. Prints both
# wall times and the ratio.
set -euo pipefail
binary="$(realpath "$1")"
count="${2:-2000}"
tree="${3:-/tmp/audit-speed-tree}"

rm -rf "$tree"
mkdir -p "$tree"
mapfile -t sources < <(find /usr/lib/python3/dist-packages -name '*.py' -type f | LC_ALL=C sort)
for f in "${sources[@]:0:count}"; do
  dst="$tree/${f#/usr/lib/python3/dist-packages/}"
  mkdir -p "$(dirname "$dst")"
  cp "$f" "$dst"
done
files=$(find "$tree" -name '*.py' | wc -l)
bytes=$(du -sb "$tree" | cut -f1)
echo "tree: $tree, $files Python files, $((bytes / 1024 / 1024)) MiB"

best=""
for _ in 1 2 3; do
  start=$(date +%s.%N)
  "$binary" audit "$tree" --no-gitignore --jobs 2 --exit-zero --format json -o /dev/null 2>/dev/null
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc)
  if [[ -z "$best" ]] || (($(echo "$t < $best" | bc))); then best=$t; fi
done
echo "churnml audit (--jobs 2, best of 3): ${best} s"

start=$(date +%s.%N)
bandit -r "$tree" -f json -o /dev/null -q >/dev/null 2>&1 || true
end=$(date +%s.%N)
bt=$(echo "$end - $start" | bc)
echo "bandit -r (1 process): ${bt} s"
echo "ratio: $(echo "scale=1; $bt / $best" | bc)x"
