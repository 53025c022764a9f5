#!/usr/bin/env bash
# Review and programme return benchmark (issue #5): seeds a force into a
# fresh temporary database (`beatbook-server seed`, `server` profile), starts
# the real server on a free 127.0.0.1 port, signs in as a supervisor (SGT101,
# one-time password from the seed's output) and times:
#   (a) the first page of the shift list (50 shifts of the supervisor's team)
#   (b) last calendar month's return
#       targets (a) and (b) < 300 ms with a year of a 300-officer force
#   (c) a CSV export of every entry of the period, rows/s and the server's
#       resident memory before and after (target >= 50,000 rows/s, flat memory)
#
#   OFFICERS=300 MONTHS=12 bash scripts/bench-review.sh   # the defaults; exits 1 on a missed target
#
# Figures depend on what else the machine is doing: the load average is printed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OFFICERS="${OFFICERS:-300}"
MONTHS="${MONTHS:-12}"
MS_TARGET=300
ROWS_TARGET=50000
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

cargo build -q --profile server -p beatbook-server --bins
SERVER="$TARGET_DIR/server/beatbook-server"
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

(umask 077 && "$SERVER" seed --db "$WORK/b.db" --officers "$OFFICERS" --months "$MONTHS" --seed 1 >"$WORK/seed.out")
tail -n 1 "$WORK/seed.out"
PASSWORD="$(awk -F'\t' '$1 == "SGT101" { sub(/.*: /, "", $4); print $4 }' "$WORK/seed.out")"

"$SERVER" serve --listen 127.0.0.1:0 --db "$WORK/b.db" --dist "$WORK/dist" >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  grep -q '^listening on ' "$WORK/serve.out" 2>/dev/null && break
  sleep 0.1
done
URL="$(sed -n 's/^listening on //p' "$WORK/serve.out")"
[[ -n "$URL" ]] || { echo "server did not start"; cat "$WORK/serve.err"; exit 1; }

TOKEN="$(curl -sf -X POST -H 'content-type: application/json' \
  -d "{\"officer_id\":\"SGT101\",\"password\":\"$PASSWORD\",\"device_id\":\"bench-desk\"}" \
  "$URL/api/v1/auth/sign-in" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')"
[[ -n "$TOKEN" ]] || { echo "sign-in failed"; exit 1; }
AUTH="Authorization: Bearer $TOKEN"

# Milliseconds of the best of three (the first is printed too: cold cache).
time_ms() {
  local path="$1" all=() t
  for _ in 1 2 3; do
    t="$(curl -sf -o /dev/null -w '%{time_total}' -H "$AUTH" "$URL$path")"
    all+=("$(awk -v t="$t" 'BEGIN { printf "%.0f", t * 1000 }')")
  done
  echo "${all[0]} $(printf '%s\n' "${all[@]}" | sort -n | head -n 1)"
}

fail=0
read -r first best < <(time_ms "/api/v1/shifts")
echo "shift list, first page: first ${first} ms, best ${best} ms (target < ${MS_TARGET})"
[[ "$best" -lt "$MS_TARGET" ]] || fail=1
read -r first best < <(time_ms "/api/v1/return")
echo "return, last month:     first ${first} ms, best ${best} ms (target < ${MS_TARGET})"
[[ "$best" -lt "$MS_TARGET" ]] || fail=1

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$SERVER_PID/status"; }
FROM="$(date -u -d "$MONTHS months ago" +%Y-%m-%d)"
TO="$(date -u +%Y-%m-%d)"
before="$(rss)"
t="$(curl -sf -o "$WORK/entries.csv" -w '%{time_total}' -H "$AUTH" \
  "$URL/api/v1/export/entries.csv?from=$FROM&to=$TO&reason=benchmark")"
after="$(rss)"
rows="$(($(wc -l <"$WORK/entries.csv") - 1))"
rate="$(awk -v r="$rows" -v t="$t" 'BEGIN { printf "%.0f", r / t }')"
echo "export entries.csv:     ${rows} rows in ${t} s = ${rate} rows/s (target >= ${ROWS_TARGET}); server RSS ${before} -> ${after} KiB"
[[ "$rate" -ge "$ROWS_TARGET" ]] || fail=1
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$fail"
