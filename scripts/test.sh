#!/usr/bin/env bash
# The whole Beatbook check, as CI runs it (.ci/run):   bash scripts/test.sh
#
#   1. formatting          cargo fmt --all --check
#   2. lints               cargo clippy, host (whole workspace) and wasm32 (the app, the
#                          review bundle and the API client), -D warnings
#   3. host tests          cargo test for beatbook-core, beatbook-client (answers to typed
#                          results and errors, queries), beatbook-review (its pure logic:
#                          chart scales, periods, filters, formats), beatbook-server and
#                          beatbook-tools (seed, bench users, the load generator's sample
#                          data), and the app's pure logic (cargo test -p beatbook --lib)
#      ... and beatbook-server again on PostgreSQL 15 (scripts/postgres.sh: a fresh
#      cluster in a temp dir on a free 127.0.0.1 port, stopped whatever the outcome)
#   4. browser unit tests  cargo test -p beatbook --target wasm32-unknown-unknown
#                          (wasm-bindgen-test-runner + chromedriver + headless Chromium)
#   5. API contract        scripts/schemathesis.sh against the built server (its own
#                          OpenAPI document, as an officer and a supervisor; data from
#                          beatbook-tools seed, seed 1)
#   6. several instances   scripts/instances.sh test: three servers on one database behind
#                          HAProxy, 500 devices through a proxy that drops a fifth of the
#                          answers after commit, then one instance SIGKILLed mid-run:
#                          every revision stored exactly once
#   7. end-to-end tests    release app (trunk) + server binary, then node --test tests/e2e/
#                          (Playwright driving headless Chromium); skipped if there are none
#
# Exits non-zero on the first failing step. Environment for the e2e tests:
#   BEATBOOK_ROOT        repo root
#   BEATBOOK_DIST        built app (dist/)
#   BEATBOOK_SERVER_BIN  server binary (target/server/beatbook-server)
#   CHROMIUM_PATH        /usr/bin/chromium (for playwright-core's executablePath)
# Knobs: BEATBOOK_E2E_CONCURRENCY (default 1), BEATBOOK_E2E_TIMEOUT_MS (per test, 180000).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/setup.sh
source "$ROOT/scripts/setup.sh"

START=$SECONDS
# Free disk where the build goes, in the log: a full run's target
# directory takes several GiB.
df -h "${CARGO_TARGET_DIR:-$ROOT/target}" "$ROOT" 2>/dev/null | sed 's/^/disk: /' || true
step() { printf '\n==> [%dm%02ds] %s\n' $(((SECONDS - START) / 60)) $(((SECONDS - START) % 60)) "$*"; }

step "cargo fmt --all --check"
cargo fmt --all --check

step "cargo clippy (host, workspace)"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo clippy (wasm32, app, review bundle and API client)"
cargo clippy -p beatbook -p beatbook-review -p beatbook-client --target wasm32-unknown-unknown --all-targets -- -D warnings

step "cargo test (host: beatbook-core, beatbook-client, beatbook-review, beatbook-server, beatbook-tools, the app's pure logic)"
# The app crate is tested in the browser below (its web-sys calls cannot run natively);
# its pure logic (no browser calls) runs here too. The review bundle's tests are all pure
# logic (its screens are covered by the e2e tests): they run here, in the workspace line.
cargo test --workspace --exclude beatbook
cargo test -p beatbook --lib

step "cargo test -p beatbook-server on PostgreSQL 15 (a fresh cluster, stopped at the end)"
# The same integration tests, each on a database of its own on a real
# server (server/tests/common: db_target), and the PostgreSQL race tests.
# fsync off: these test what the server does, not the disk; the benchmarks
# keep it on.
# shellcheck source=scripts/postgres.sh
source "$ROOT/scripts/postgres.sh"
trap pg_cluster_stop EXIT
pg_cluster_start "-c fsync=off -c synchronous_commit=off"
BEATBOOK_TEST_POSTGRES="$PG_URL" cargo test -p beatbook-server
pg_cluster_stop
trap - EXIT

step "cargo test -p beatbook --target wasm32-unknown-unknown (headless Chromium)"
export CHROMEDRIVER=/usr/bin/chromedriver
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/webdriver.json"
# Run in the browser even in test files without wasm_bindgen_test_configure!(run_in_browser).
export WASM_BINDGEN_USE_BROWSER=1
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"
# A zone with summer time, so tests/local_time.rs can check each instant's own offset.
export TZ=Europe/London
cargo test -p beatbook --target wasm32-unknown-unknown

shopt -s nullglob
e2e_tests=(tests/e2e/*.test.mjs)
shopt -u nullglob
if [ "${#e2e_tests[@]}" -eq 0 ]; then
  step "e2e: no tests/e2e/*.test.mjs yet, skipped"
else
  step "build the app (trunk, release)"
  bash "$ROOT/scripts/build-app.sh"

  step "build the server and the tools (--profile server)"
  cargo build --profile server -p beatbook-server -p beatbook-tools

  # A fixed seed in the suite, so a green run stays green; run the script
  # alone (no SCHEMATHESIS_SEED) to explore with fresh random cases.
  step "schemathesis: the live API against its OpenAPI document"
  SCHEMATHESIS_SEED="${SCHEMATHESIS_SEED:-1}" \
    bash "$ROOT/scripts/schemathesis.sh" "${CARGO_TARGET_DIR:-$ROOT/target}/server/beatbook-server" \
    "${CARGO_TARGET_DIR:-$ROOT/target}/server/beatbook-tools"

  step "several instances: three servers on one database behind HAProxy, answers dropped, one SIGKILLed"
  bash "$ROOT/scripts/instances.sh" test "${CARGO_TARGET_DIR:-$ROOT/target}/server/beatbook-server" \
    "${CARGO_TARGET_DIR:-$ROOT/target}/server/beatbook-tools" \
    "${CARGO_TARGET_DIR:-$ROOT/target}/server/beatbook-load"

  step "e2e: node --test tests/e2e/ (${#e2e_tests[@]} files)"
  export BEATBOOK_ROOT="$ROOT"
  export BEATBOOK_DIST="$ROOT/dist"
  export BEATBOOK_SERVER_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/server/beatbook-server"
  export CHROMIUM_PATH=/usr/bin/chromium
  node --test \
    --test-concurrency="${BEATBOOK_E2E_CONCURRENCY:-1}" \
    --test-timeout="${BEATBOOK_E2E_TIMEOUT_MS:-180000}" \
    tests/e2e/
fi

step "all checks passed"
