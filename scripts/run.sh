#!/usr/bin/env bash
# Build the app and run the Beatbook server on it.
#   bash scripts/run.sh                      # http://127.0.0.1:8080
#   BEATBOOK_LISTEN=0.0.0.0:9000 BEATBOOK_DB=/var/lib/beatbook.db bash scripts/run.sh
# Extra arguments are passed to `beatbook-server serve`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

LISTEN="${BEATBOOK_LISTEN:-127.0.0.1:8080}"
DB="${BEATBOOK_DB:-beatbook.db}"

bash "$ROOT/scripts/build-app.sh"
exec cargo run --profile server -p beatbook-server -- serve --listen "$LISTEN" --db "$DB" --dist dist "$@"
