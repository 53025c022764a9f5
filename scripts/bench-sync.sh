#!/usr/bin/env bash
# Sync ingest benchmark: the real server (release-like `server` profile, WAL,
# synchronous=FULL) on a free 127.0.0.1 port with a fresh temporary database
# per run, driven by beatbook-load, which checks with the server afterwards
# that nothing was lost or duplicated. Accounts are on: each simulated device
# is an officer signed in on its own device (sessions made by the hidden
# `beatbook-tools bench-users` before the server starts, so no password
# hashing falls in the measured window), and every push and read carries
# its Bearer token and is checked against the sessions table.
#
#   (a) rate:    30 devices x 2,000 revisions, batches of 100, 10% duplicates
#                target >= 30,000 revisions/s
#   (b) latency: 500 devices at once x 40 revisions, batches of 10, 10% duplicates
#                target p99 < 250 ms per push (every device pushing at the same
#                moment: the worst case; p99 grows with devices x batch / rate)
#   (c) ceiling: a bare batched insert of the same number of rows, batches of
#                100, same schema and durability, no HTTP/JSON/checks
#                (beatbook-tools bench-ceiling); prints server rate / ceiling.
#
#   bash scripts/bench-sync.sh     # exits 1 if a target is missed or data was lost/duplicated
#
# Every figure depends on what else the machine is doing: the load average is
# printed with the results.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

RATE_TARGET=30000
P99_TARGET_MS=250
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

# 500 devices hold 500 connections open on each side.
if [[ "$(ulimit -n)" != unlimited && "$(ulimit -n)" -lt 4096 ]]; then ulimit -n 4096 2>/dev/null || true; fi

# The tools (bench-users, bench-ceiling, the load generator) with the
# server's profile, so the load is generated at the same speed as before.
cargo build -q --profile server -p beatbook-server -p beatbook-tools --bins
SERVER="$TARGET_DIR/server/beatbook-server"
TOOLS="$TARGET_DIR/server/beatbook-tools"
LOAD="$TARGET_DIR/server/beatbook-load"

WORK="$(mktemp -d)"
SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
mkdir -p "$WORK/dist"

# Starts a server on a fresh database with COUNT signed-in officers (their
# tokens in $WORK/NAME.tokens); sets SERVER_PID, URL and TOKENS.
start_server() {
  local name="$1" count="$2"
  TOKENS="$WORK/$name.tokens"
  (umask 077 && "$TOOLS" bench-users --db "$WORK/$name.db" --count "$count" --prefix "$name" \
    >"$TOKENS" 2>"$WORK/$name.users.log") || { cat "$WORK/$name.users.log" >&2; exit 1; }
  "$SERVER" serve --listen 127.0.0.1:0 --db "$WORK/$name.db" --dist "$WORK/dist" \
    >"$WORK/$name.out" 2>"$WORK/$name.log" &
  SERVER_PID=$!
  URL=""
  for _ in $(seq 1 100); do
    URL="$(sed -n 's/^listening on //p' "$WORK/$name.out")"
    [[ -n "$URL" ]] && return 0
    sleep 0.1
  done
  echo "server did not start:" >&2
  cat "$WORK/$name.log" >&2
  exit 1
}

field() { grep -o "$1=[0-9.]*" <<<"$2" | head -1 | cut -d= -f2; }

echo "== (a) rate: 30 devices x 2000 revisions, batch 100"
start_server rate 30
RATE_LINE="$(timeout 300 "$LOAD" --url "$URL" --tokens "$TOKENS" --devices 30 --entries-per-device 2000 \
  --batch 100 --dup-rate 0.1 --seed 11 | tail -1)"
stop_server
echo "$RATE_LINE"

echo "== (b) latency: 500 devices x 40 revisions, batch 10"
start_server latency 500
LAT_LINE="$(timeout 300 "$LOAD" --url "$URL" --tokens "$TOKENS" --devices 500 --entries-per-device 40 \
  --batch 10 --dup-rate 0.1 --seed 12 | tail -1)"
stop_server
echo "$LAT_LINE"

echo "== (c) ceiling: bare batched insert of 60000 rows, batch 100 (and 1000, for scale)"
CEIL_LINE="$(timeout 300 "$TOOLS" bench-ceiling --rows 60000 --batch 100 --db "$WORK/ceiling.db" | tail -1)"
echo "$CEIL_LINE"
# The server commits many pushes together when they queue up (group commit),
# so it can beat the batch-100 ceiling; this shows what bigger commits reach.
timeout 300 "$TOOLS" bench-ceiling --rows 60000 --batch 1000 --db "$WORK/ceiling-1000.db" | tail -1

RATE="$(field rate "$RATE_LINE")"
P99="$(field p99_ms "$LAT_LINE")"
CEIL="$(field rate "$CEIL_LINE")"
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
awk -v r="$RATE" -v p="$P99" -v c="$CEIL" -v rt="$RATE_TARGET" -v pt="$P99_TARGET_MS" 'BEGIN {
  printf "server_rate=%d/s (target >= %d)  p99_500_devices=%.1f ms (target < %d)  ceiling=%d/s  ratio=%.2f\n", r, rt, p, pt, c, r / c
  ok = 1
  if (r < rt) { print "MISSED: rate below target"; ok = 0 }
  if (p >= pt) { print "MISSED: p99 at or above target"; ok = 0 }
  exit ok ? 0 : 1
}'
