#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for the tests and benchmarks (issue 12):
# Debian's binaries, a fresh cluster in a temp dir, 127.0.0.1 on a free port,
# trust authentication for the `postgres` role (nothing but this machine can
# reach it), stopped and deleted by `pg_cluster_stop`.
#
#   source scripts/postgres.sh
#   pg_cluster_start [EXTRA_SERVER_OPTIONS]   sets PG_URL (postgres://postgres@127.0.0.1:PORT)
#                                             and PG_DIR; returns non-zero if it cannot start
#   pg_cluster_stop                           stops it (immediate) and deletes PG_DIR
#
# A caller sets its own EXIT trap that calls pg_cluster_stop, so the server
# stops whatever the outcome. initdb refuses to run as root: as root, the
# cluster belongs to the `postgres` user Debian's package made (runuser).
# The server fsyncs as in production: the benchmarks measure real commits.

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
# Only a cluster this shell started is ever stopped and deleted: never a
# PG_DIR inherited from the environment.
PG_DIR=""

pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_cluster_start() {
  local extra="${1:-}"
  if [ ! -x "$PG_BIN/initdb" ]; then
    echo "postgres.sh: no $PG_BIN/initdb (scripts/setup.sh installs Debian's postgresql)" >&2
    return 1
  fi
  PG_DIR="$(mktemp -d -t beatbook-pg.XXXXXX)"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$PG_DIR"; fi
  if ! pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust \
    --locale=C.UTF-8 --encoding=UTF8 >"$PG_DIR/initdb.log" 2>&1; then
    echo "postgres.sh: initdb failed:" >&2
    cat "$PG_DIR/initdb.log" >&2
    return 1
  fi
  local port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  # 300 connections: three instances' pools and the tests' parallel servers.
  # The socket directory is the cluster's own (not /run/postgresql, which
  # may not exist or belong to the system's cluster).
  if ! pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c max_connections=300 -c shared_buffers=256MB $extra" \
    start >/dev/null; then
    echo "postgres.sh: the server did not start; its log:" >&2
    cat "$PG_DIR/server.log" >&2 || true
    return 1
  fi
  PG_URL="postgres://postgres@127.0.0.1:$port"
  export PG_URL PG_DIR
  printf 'postgres.sh: PostgreSQL %s at %s\n' \
    "$("$PG_BIN/postgres" --version | awk '{print $3}')" "$PG_URL" >&2
}

pg_cluster_stop() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ -n "${PG_DIR:-}" ]; then rm -rf "$PG_DIR"; fi
  PG_DIR=""
}
