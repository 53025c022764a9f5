#!/usr/bin/env bash
# Several server instances on one database behind a load balancer (issue 12):
# three `beatbook-server serve --no-migrate` processes on one PostgreSQL 15
# database (a fresh cluster, scripts/postgres.sh; each instance its own
# writer: one transaction-level advisory lock per revision write transaction
# serialises them), HAProxy from Debian in front (round robin, readiness
# checks on /api/v1/health/ready), all on 127.0.0.1 ports picked at run time.
# BEATBOOK_INSTANCES_DB=sqlite runs the same on one SQLite file instead
# (SQLite's write lock, taken with BEGIN IMMEDIATE, serialises the writers).
#
#   bash scripts/instances.sh test [SERVER_BIN TOOLS_BIN LOAD_BIN]
#       1. 500 devices push through a proxy that drops a fifth of the POST
#          answers after the server committed (`beatbook-tools
#          fault-proxy`), retrying as phones do: every unique revision is
#          stored, none twice (beatbook-load reads back what the server
#          holds; lost=0 duplicated=0, or it exits non-zero);
#       2. the same with a fresh set of devices while one instance is
#          SIGKILLed in the middle of the run: still exactly once, and the
#          generator finishes through the two left.
#   bash scripts/instances.sh bench [SERVER_BIN TOOLS_BIN LOAD_BIN]
#       500 devices at once (40 revisions each, batches of 10, 10%
#       duplicates) against one instance, then through HAProxy against
#       three: p99 push latency of each, side by side, from one run; then
#       the rate of 50 devices (2,000 revisions each, batches of 100)
#       against one instance and against three, each beside the ceiling
#       measured in the same run (`beatbook-tools bench-ceiling`, on
#       PostgreSQL one client's bare INSERT ... ON CONFLICT DO NOTHING in
#       transactions of 100; target: at least 0.7 of it).
#
# Bounded: every run of the generator has a deadline, and everything this
# script started is stopped when it ends, whatever the outcome.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

MODE="${1:-}"
case "$MODE" in
  test | bench) ;;
  *)
    echo "usage: scripts/instances.sh test|bench [SERVER_BIN TOOLS_BIN LOAD_BIN]" >&2
    exit 2
    ;;
esac
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
if [[ $# -ge 4 ]]; then
  SERVER="$2" TOOLS="$3" LOAD="$4"
else
  cargo build -q --profile server -p beatbook-server -p beatbook-tools --bins
  SERVER="$TARGET_DIR/server/beatbook-server"
  TOOLS="$TARGET_DIR/server/beatbook-tools"
  LOAD="$TARGET_DIR/server/beatbook-load"
fi
HAPROXY="$(command -v haproxy || echo /usr/sbin/haproxy)"
if [[ ! -x "$HAPROXY" ]]; then
  echo "instances.sh: haproxy is missing (scripts/setup.sh installs it)" >&2
  exit 1
fi
# 500 devices hold 500 connections on each hop.
if [[ "$(ulimit -n)" != unlimited && "$(ulimit -n)" -lt 8192 ]]; then ulimit -n 8192 2>/dev/null || true; fi

BACKEND="${BEATBOOK_INSTANCES_DB:-postgres}"
case "$BACKEND" in
  postgres | sqlite) ;;
  *)
    echo "instances.sh: BEATBOOK_INSTANCES_DB is postgres or sqlite, not '$BACKEND'" >&2
    exit 2
    ;;
esac

WORK="$(mktemp -d)"
PIDS=()
# shellcheck source=scripts/postgres.sh
source "$ROOT/scripts/postgres.sh"
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  pg_cluster_stop
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
mkdir -p "$WORK/dist"
if [[ "$BACKEND" == postgres ]]; then
  # Durable commits as in production: the bench's latencies are real.
  pg_cluster_start
  psql "$PG_URL/postgres" -qc "CREATE DATABASE force"
  DB="$PG_URL/force"
else
  DB="$WORK/force.db"
fi

# How many of the run's revisions (officers PREFIX...) the database holds.
stored_of() {
  local prefix="$1"
  if [[ "$BACKEND" == postgres ]]; then
    psql "$DB" -tAqc "select count(*) from revisions where officer_id like '$prefix%'"
  else
    python3 - "$DB" "$prefix" <<'EOF'
import sqlite3, sys
c = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=5)
print(c.execute("select count(*) from revisions where officer_id like ?", (sys.argv[2] + "%",)).fetchone()[0])
EOF
  fi
}

say() { printf 'instances: %s\n' "$*" >&2; }
field() { grep -o "$1=[0-9.]*" <<<"$2" | tail -1 | cut -d= -f2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Waits for FILE to hold a `listening on URL` line; prints the URL.
listening() {
  local file="$1" url=""
  for _ in $(seq 1 200); do
    url="$(sed -n 's/^listening on //p' "$file")"
    if [[ -n "$url" ]]; then
      echo "$url"
      return 0
    fi
    sleep 0.05
  done
  echo "instances.sh: nothing listening after 10 s; its log:" >&2
  cat "${file%.out}.log" >&2 || true
  return 1
}

"$SERVER" migrate --db "$DB" >/dev/null

# Starts instance N on the shared database; sets INSTANCE_PID[N], INSTANCE_ADDR[N].
declare -A INSTANCE_PID INSTANCE_ADDR
start_instance() {
  local n="$1"
  "$SERVER" serve --no-migrate --listen 127.0.0.1:0 --db "$DB" --dist "$WORK/dist" \
    >"$WORK/s$n.out" 2>"$WORK/s$n.log" &
  INSTANCE_PID[$n]=$!
  PIDS+=("$!")
  local url
  url="$(listening "$WORK/s$n.out")"
  INSTANCE_ADDR[$n]="${url#http://}"
}

# HAProxy in front of instances 1..3, round robin; an instance that fails
# its readiness check (or refuses connections) is taken out within a second,
# and a request whose connection to it failed is sent to another.
start_balancer() {
  local port
  port="$(free_port)"
  cat >"$WORK/haproxy.cfg" <<EOF
global
    maxconn 8000
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout queue 30s
    retries 3
    option redispatch
    retry-on conn-failure empty-response
frontend api
    bind 127.0.0.1:$port
    default_backend instances
backend instances
    balance roundrobin
    option httpchk GET /api/v1/health/ready
    default-server check inter 500ms fall 2 rise 2 maxconn 300
    server s1 ${INSTANCE_ADDR[1]}
    server s2 ${INSTANCE_ADDR[2]}
    server s3 ${INSTANCE_ADDR[3]}
EOF
  "$HAPROXY" -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
  PIDS+=("$!")
  BALANCER="127.0.0.1:$port"
  for _ in $(seq 1 100); do
    if curl -fsS "http://$BALANCER/api/v1/health/live" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "instances.sh: HAProxy did not answer; its log:" >&2
  cat "$WORK/haproxy.log" >&2
  return 1
}

# Makes COUNT signed-in officers named PREFIX...; prints the tokens file.
users() {
  local prefix="$1" count="$2"
  (umask 077 && "$TOOLS" bench-users --db "$DB" --count "$count" --prefix "$prefix" \
    >"$WORK/$prefix.tokens" 2>"$WORK/$prefix.users.log") || {
    cat "$WORK/$prefix.users.log" >&2
    return 1
  }
  echo "$WORK/$prefix.tokens"
}

# Runs the generator: URL TOKENS SEED [DEVICES PER_DEVICE BATCH]; prints its
# last line (the verdict).
load() {
  local url="$1" tokens="$2" seed="$3" devices="${4:-500}" per="${5:-40}" batch="${6:-10}" out
  out="$WORK/load-$seed.out"
  if ! "$LOAD" --url "$url" --tokens "$tokens" --devices "$devices" --entries-per-device "$per" \
    --batch "$batch" --dup-rate 0.1 --seed "$seed" --max-attempts 30 --deadline-s 300 \
    >"$out" 2>"$WORK/load-$seed.log"; then
    say "the load generator failed (seed $seed):"
    tail -20 "$out" "$WORK/load-$seed.log" >&2
    return 1
  fi
  tail -1 "$out"
}

# Checks a verdict line: nothing lost, nothing twice, all expected stored.
exactly_once() {
  local line="$1" what="$2"
  local expected stored lost duplicated
  expected="$(field expected "$line")" stored="$(field stored "$line")"
  lost="$(field lost "$line")" duplicated="$(field duplicated "$line")"
  if [[ -z "$expected" || "$expected" != "$stored" || "$lost" != 0 || "$duplicated" != 0 ]]; then
    say "FAILED ($what): $line"
    return 1
  fi
  say "ok ($what): $line"
}

for n in 1 2 3; do start_instance "$n"; done
start_balancer
say "3 instances (${INSTANCE_ADDR[*]}) behind HAProxy at $BALANCER, one $BACKEND database"

if [[ "$MODE" == test ]]; then
  "$TOOLS" fault-proxy --upstream "$BALANCER" --drop-rate 0.2 --seed 5 \
    >"$WORK/proxy.out" 2>"$WORK/proxy.log" &
  PROXY_PID=$!
  PIDS+=("$PROXY_PID")
  PROXY="$(listening "$WORK/proxy.out")"

  line="$(load "$PROXY" "$(users lost 500)" 11)"
  exactly_once "$line" "500 devices, a fifth of the answers dropped after commit"

  tokens="$(users kill 500)"
  load "$PROXY" "$tokens" 12 >"$WORK/kill.line" &
  LOAD_PID=$!
  # SIGKILL instance 2 once the run is well under way: a tenth of its
  # revisions stored (read from the database the instances share).
  target=2000
  for _ in $(seq 1 600); do
    stored="$(stored_of kill)" || stored=0
    [[ "$stored" -ge "$target" ]] && break
    kill -0 "$LOAD_PID" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "${INSTANCE_PID[2]}"
  wait "${INSTANCE_PID[2]}" 2>/dev/null || true
  say "SIGKILLed instance 2 with $stored of the run's revisions stored"
  if ! wait "$LOAD_PID"; then
    say "FAILED: the run with an instance killed did not finish"
    exit 1
  fi
  exactly_once "$(cat "$WORK/kill.line")" "500 devices, instance 2 SIGKILLed mid-run, answers dropped"
  kill -TERM "$PROXY_PID"
  wait "$PROXY_PID" 2>/dev/null || true
  say "fault proxy: $(tail -1 "$WORK/proxy.out")"
  if [[ "$stored" -ge "$(field expected "$(cat "$WORK/kill.line")")" ]]; then
    say "FAILED: the run ended before instance 2 was killed; nothing was tested"
    exit 1
  fi
else
  one="$(load "http://${INSTANCE_ADDR[1]}" "$(users one 500)" 21)"
  exactly_once "$one" "one instance"
  three="$(load "http://$BALANCER" "$(users three 500)" 22)"
  exactly_once "$three" "three instances"
  printf '\n500 devices at once, 40 revisions each, batches of 10 (load average %s)\n' \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf '  one instance:              p50 %6s ms  p99 %6s ms  rate %s/s\n' \
    "$(field p50_ms "$one")" "$(field p99_ms "$one")" "$(field rate "$one")"
  printf '  three instances (HAProxy): p50 %6s ms  p99 %6s ms  rate %s/s\n' \
    "$(field p50_ms "$three")" "$(field p99_ms "$three")" "$(field rate "$three")"

  rate_one="$(load "http://${INSTANCE_ADDR[1]}" "$(users rone 50)" 23 50 2000 100)"
  exactly_once "$rate_one" "rate, one instance"
  rate_three="$(load "http://$BALANCER" "$(users rthree 50)" 24 50 2000 100)"
  exactly_once "$rate_three" "rate, three instances"
  if [[ "$BACKEND" == postgres ]]; then
    psql "$PG_URL/postgres" -qc "CREATE DATABASE ceiling"
    CEILING_DB="$PG_URL/ceiling"
  else
    CEILING_DB="$WORK/ceiling.db"
  fi
  ceiling="$("$TOOLS" bench-ceiling --rows 100000 --batch 100 --db "$CEILING_DB" | tail -1)"
  printf '\n50 devices, 2,000 revisions each, batches of 100 (load average %s)\n' \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf '  ceiling (%s, one client, transactions of 100): %s/s\n' "$BACKEND" "$(field rate "$ceiling")"
  awk -v one="$(field rate "$rate_one")" -v three="$(field rate "$rate_three")" \
    -v c="$(field rate "$ceiling")" 'BEGIN {
    printf "  one instance:    %d/s  ratio %.2f (target >= 0.7)\n", one, one / c
    printf "  three instances: %d/s  ratio %.2f (target >= 0.7)\n", three, three / c
    exit (one / c >= 0.7 && three / c >= 0.7) ? 0 : 1
  }' || { say "MISSED: a rate below 0.7 of the ceiling"; exit 1; }
fi
