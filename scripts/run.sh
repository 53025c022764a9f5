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

# shellcheck source=scripts/setup.sh
source "$ROOT/scripts/setup.sh"
bash "$ROOT/scripts/build-app.sh"
cargo build --profile server -p beatbook-server
SERVER="${CARGO_TARGET_DIR:-$ROOT/target}/server/beatbook-server"

# A fresh database has no accounts, and nobody could sign in: create a demo
# team with one officer and one supervisor, each with a one-time password
# printed once here (see server/README.md for real accounts).
if "$SERVER" user list --db "$DB" 2>/dev/null | grep -qi '^no users yet'; then
  echo "run: new database $DB: creating demo accounts (passwords shown once):"
  "$SERVER" team add --db "$DB" "Demo team" >/dev/null 2>&1
  "$SERVER" user add --db "$DB" --officer-id PC1000 --name "PC 1000 Demo" --role officer --team "Demo team" 2>/dev/null
  "$SERVER" user add --db "$DB" --officer-id SGT100 --name "Sgt 100 Demo" --role supervisor --team "Demo team" 2>/dev/null
fi
exec "$SERVER" serve --listen "$LISTEN" --db "$DB" --dist dist "$@"
