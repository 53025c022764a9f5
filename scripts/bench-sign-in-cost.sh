#!/usr/bin/env bash
# What the sign-in path costs the server, one attempt at a time: the server
# (the `server` profile, as deployed) on a fresh temporary database, then
# `beatbook-tools bench-sign-in` times
#   wrong_password       wrong passwords for officer IDs nobody has (the
#                        limits checked and counted, Argon2id against the
#                        dummy hash, a security event written), and
#   refused_locked_pair  attempts at a locked (officer ID, address) pair
#                        (refused by the limits before any hashing: the
#                        limits' own cost),
# printing the median, p90 and mean of each. No budget: a figure to compare
# between builds. An older build's binary can be given to compare with:
#
#   bash scripts/bench-sign-in-cost.sh                      # this tree's server
#   bash scripts/bench-sign-in-cost.sh /path/to/beatbook-server
#
# Figures depend on what else the machine is doing: the load average is printed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
WRONG="${WRONG:-150}"
REFUSED="${REFUSED:-300}"

cargo build -q --profile server -p beatbook-server -p beatbook-tools --bins
SERVER="${1:-$TARGET_DIR/server/beatbook-server}"
TOOLS="$TARGET_DIR/server/beatbook-tools"

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
mkdir -p "$WORK/dist"

RUST_LOG=warn "$SERVER" serve --listen 127.0.0.1:0 --db "$WORK/s.db" --dist "$WORK/dist" \
  >"$WORK/out.log" 2>"$WORK/err.log" &
SERVER_PID=$!
URL=""
for _ in $(seq 1 100); do
  URL="$(sed -n 's/^listening on //p' "$WORK/out.log")"
  [[ -n "$URL" ]] && break
  sleep 0.1
done
[[ -n "$URL" ]] || { echo "server did not start:" >&2; cat "$WORK/err.log" >&2; exit 1; }

echo "server: $SERVER"
timeout 600 "$TOOLS" bench-sign-in --url "$URL" --wrong "$WRONG" --refused "$REFUSED"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
