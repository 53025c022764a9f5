#!/usr/bin/env bash
# Storage save benchmark in headless Chromium: one save with 5,000 entries
# stored, against a bare localStorage.setItem of the same bytes (same run).
# Budget: median at most 2 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
out=$(cargo test --release -p beatbook --target wasm32-unknown-unknown --test storage_bench \
  -- --include-ignored --nocapture 2>&1) || { echo "$out"; exit 1; }
line=$(grep -o 'storage_bench .*' <<<"$out")
echo "$line"
median=$(grep -o 'save_median_ms=[0-9.]*' <<<"$line" | cut -d= -f2)
awk -v m="$median" 'BEGIN { if (m > 2.0) { print "over budget: " m " ms > 2 ms"; exit 1 } print "within budget: " m " ms <= 2 ms" }'
