#!/usr/bin/env bash
# Review and programme return benchmark (issue #5): seeds a force into a
# fresh temporary database (`beatbook-tools seed`, `server` profile), starts
# the real server on a free 127.0.0.1 port, signs in as a supervisor (SGT101,
# one-time password from the seed's output) and times:
#   (a) the first page of the shift list (50 shifts of the supervisor's team)
#   (b) last calendar month's return
#       targets (a) and (b): median < 300 ms with a year of a 300-officer force
#   (b2) submitting last month's return (POST /api/v1/returns: the return
#       computed, hashed and stored as the next revision; target < 300 ms),
#       reading the submitted return back (GET /api/v1/returns/submitted;
#       target < 50 ms, and below the median of computing it, (b)) and its
#       "changed since submitted" list (GET /api/v1/returns/changes; < 50 ms)
#   (c) a CSV export of every entry of last month, then of the whole seeded
#       period: rows/s and the server's resident memory before, at its peak
#       during, and after the export (target >= 50,000 rows/s at the median;
#       memory must not grow with the row count: the year's peak is printed
#       beside the month's)
# Each figure is measured REPS times (default 5; exports 3): the first, the
# best and the median are printed, the median is held to the target.
#
#   OFFICERS=300 MONTHS=12 bash scripts/bench-review.sh   # the defaults; exits 1 on a missed target
#   BENCH_DB=/tmp/force.db bash scripts/bench-review.sh   # seed once into that file (and
#       /tmp/force.db.seed.out), reuse it on later runs: seeding takes 1 to 2 minutes
#   bash scripts/bench-review.sh --db postgres://postgres@127.0.0.1:5432/force
#       the same on PostgreSQL: an empty database is seeded (its seed output kept in
#       /tmp/beatbook-bench-<database>.seed.out), a seeded one with that file reused
#   bash scripts/bench-review.sh --db postgres
#       on a throwaway PostgreSQL 15 cluster (scripts/postgres.sh), seeded, then deleted
#
# Figures depend on what else the machine is doing: the load average is printed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OFFICERS="${OFFICERS:-300}"
MONTHS="${MONTHS:-12}"
REPS="${REPS:-5}"
EXPORT_REPS="${EXPORT_REPS:-3}"
MS_TARGET=300
SUBMITTED_TARGET=50
ROWS_TARGET=50000
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
if [[ "${1:-}" == --db ]]; then
  BENCH_DB="${2:?--db needs a file, a postgres:// URL or \"postgres\"}"
fi

cargo build -q --profile server -p beatbook-server -p beatbook-tools --bins
SERVER="$TARGET_DIR/server/beatbook-server"
TOOLS="$TARGET_DIR/server/beatbook-tools"
WORK="$(mktemp -d)"
SERVER_PID=""
SAMPLER_PID=""
cleanup() {
  if [[ -n "$SAMPLER_PID" ]]; then kill "$SAMPLER_PID" 2>/dev/null || true; fi
  if [[ -n "$SERVER_PID" ]]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  pg_cluster_stop
  rm -rf "$WORK"
}
# shellcheck source=scripts/postgres.sh
source "$ROOT/scripts/postgres.sh"
trap cleanup EXIT INT TERM
mkdir -p "$WORK/dist"

DB="${BENCH_DB:-$WORK/b.db}"
SEED_OUT="$DB.seed.out"
reuse=""
if [[ "$DB" == postgres ]]; then
  pg_cluster_start
  psql "$PG_URL/postgres" -qc "CREATE DATABASE force"
  DB="$PG_URL/force"
  SEED_OUT="$WORK/seed.out"
elif [[ "$DB" == postgres://* || "$DB" == postgresql://* ]]; then
  SEED_OUT="/tmp/beatbook-bench-${DB##*/}.seed.out"
  held="$(psql "$DB" -tAqc "SELECT count(*) FROM users" 2>/dev/null || echo 0)"
  if [[ "$held" -gt 0 && -f "$SEED_OUT" ]]; then reuse=1; fi
elif [[ -n "${BENCH_DB:-}" && -f "$DB" && -f "$SEED_OUT" ]]; then
  reuse=1
fi
if [[ -n "$reuse" ]]; then
  echo "reusing $DB"
else
  (umask 077 && "$TOOLS" seed --db "$DB" --officers "$OFFICERS" --months "$MONTHS" --seed 1 >"$SEED_OUT")
fi
tail -n 1 "$SEED_OUT"
PASSWORD="$(awk -F'\t' '$1 == "SGT101" { sub(/.*: /, "", $4); print $4 }' "$SEED_OUT")"

"$SERVER" serve --listen 127.0.0.1:0 --db "$DB" --dist "$WORK/dist" >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
# Up to a minute: on a reused database a new migration may run first.
for _ in $(seq 1 600); do
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

# "first best median" of numbers given one per line (the first as given:
# cold cache).
summary() {
  local all first sorted n
  mapfile -t all
  first="${all[0]}"
  mapfile -t sorted < <(printf '%s\n' "${all[@]}" | sort -n)
  n="${#sorted[@]}"
  echo "$first ${sorted[0]} ${sorted[$((n / 2))]}"
}

# Milliseconds of REPS requests: "first best median".
time_ms() {
  local path="$1" t
  for _ in $(seq 1 "$REPS"); do
    t="$(curl -sf -o /dev/null -w '%{time_total}' -H "$AUTH" "$URL$path")"
    awk -v t="$t" 'BEGIN { printf "%.0f\n", t * 1000 }'
  done | summary
}

fail=0
load() { cut -d' ' -f1-3 /proc/loadavg; }
read -r first best median < <(time_ms "/api/v1/shifts")
echo "shift list, first page: first ${first} ms, best ${best} ms, median ${median} ms (target < ${MS_TARGET}); load $(load)"
[[ "$median" -lt "$MS_TARGET" ]] || { echo "MISSED: shift list"; fail=1; }
MONTH_FROM="$(date -u -d "$(date -u +%Y-%m-01) -1 month" +%Y-%m-%d)"
MONTH_TO="$(date -u -d "$(date -u +%Y-%m-01) -1 day" +%Y-%m-%d)"
read -r first best median < <(time_ms "/api/v1/return?from=$MONTH_FROM&to=$MONTH_TO")
computed="$median"
echo "return, last month:     first ${first} ms, best ${best} ms, median ${median} ms (target < ${MS_TARGET}); load $(load)"
[[ "$median" -lt "$MS_TARGET" ]] || { echo "MISSED: return"; fail=1; }

# Milliseconds of REPS submissions of last month's return (each stores the
# next revision): "first best median".
time_submit_ms() {
  local t
  for _ in $(seq 1 "$REPS"); do
    t="$(curl -sf -o /dev/null -w '%{time_total}' -H "$AUTH" -H 'content-type: application/json' \
      -d "{\"from\":\"$MONTH_FROM\",\"to\":\"$MONTH_TO\"}" "$URL/api/v1/returns")"
    awk -v t="$t" 'BEGIN { printf "%.0f\n", t * 1000 }'
  done | summary
}
read -r first best median < <(time_submit_ms)
echo "submit last month:      first ${first} ms, best ${best} ms, median ${median} ms (target < ${MS_TARGET}); load $(load)"
[[ "$median" -lt "$MS_TARGET" ]] || { echo "MISSED: submit"; fail=1; }
read -r first best median < <(time_ms "/api/v1/returns/submitted?from=$MONTH_FROM&to=$MONTH_TO")
echo "submitted return read:  first ${first} ms, best ${best} ms, median ${median} ms (target < ${SUBMITTED_TARGET}, and < ${computed} computing it); load $(load)"
[[ "$median" -lt "$SUBMITTED_TARGET" && "$median" -lt "$computed" ]] || { echo "MISSED: submitted return read"; fail=1; }
read -r first best median < <(time_ms "/api/v1/returns/changes?from=$MONTH_FROM&to=$MONTH_TO")
echo "changed since submitted: first ${first} ms, best ${best} ms, median ${median} ms (target < ${SUBMITTED_TARGET}); load $(load)"
[[ "$median" -lt "$SUBMITTED_TARGET" ]] || { echo "MISSED: changes since submitted"; fail=1; }

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$SERVER_PID/status"; }
# Samples the server's RSS every 20 ms into $WORK/rss until killed.
sample_rss() {
  while true; do
    rss >>"$WORK/rss"
    sleep 0.02
  done
}

# Exports entries.csv over [from, to] EXPORT_REPS times; prints the rows/s
# and the memory of each run, then checks the median rate.
export_bench() {
  local label="$1" from="$2" to="$3" rows=0 t before peak after best median rates=()
  for _ in $(seq 1 "$EXPORT_REPS"); do
    before="$(rss)"
    : >"$WORK/rss"
    sample_rss &
    SAMPLER_PID=$!
    t="$(curl -sf -o "$WORK/entries.csv" -w '%{time_total}' -H "$AUTH" \
      "$URL/api/v1/export/entries.csv?from=$from&to=$to&reason=benchmark")"
    kill "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=""
    after="$(rss)"
    peak="$(sort -n "$WORK/rss" | tail -n 1)"
    rows="$(($(wc -l <"$WORK/entries.csv") - 1))"
    rates+=("$(awk -v r="$rows" -v t="$t" 'BEGIN { printf "%.0f", r / t }')")
    echo "  $label: ${rows} rows in ${t} s = ${rates[-1]} rows/s; server RSS ${before} -> peak ${peak} -> ${after} KiB"
  done
  local sorted
  mapfile -t sorted < <(printf '%s\n' "${rates[@]}" | sort -rn)
  best="${sorted[0]}"
  median="${sorted[$((${#sorted[@]} / 2))]}"
  echo "export entries.csv, $label: ${rows} rows, best ${best} rows/s, median ${median} rows/s (target >= ${ROWS_TARGET}); load $(load)"
  [[ "$median" -ge "$ROWS_TARGET" ]] || { echo "MISSED: export ($label)"; fail=1; }
}

export_bench "last month" "$MONTH_FROM" "$MONTH_TO"
export_bench "$MONTHS months" "$(date -u -d "$MONTHS months ago" +%Y-%m-%d)" "$(date -u +%Y-%m-%d)"
echo "load average: $(load) on $(nproc) cores"
exit "$fail"
