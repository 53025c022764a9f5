#!/usr/bin/env bash
# Offline reload to a usable screen, median of 10, in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
bash scripts/build-app.sh >/dev/null
cargo build -q --profile server -p beatbook-server
node tests/e2e/bench-offline-load.mjs
