#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# A throw-away PostgreSQL cluster for the audit-log tests.
#
#   scripts/postgres-test.sh start   # prints the libpq connection string on stdout
#   scripts/postgres-test.sh stop    # stops the server and deletes the cluster
#   scripts/postgres-test.sh status  # prints the connection string if running
#
#   export ZKINFER_TEST_PG="$(scripts/postgres-test.sh start)"
#
# The cluster lives in a fresh temporary directory, listens only on a Unix
# socket inside it (no TCP port to collide with), and trusts local
# connections. `start` is idempotent: when the server is already running it
# prints the same connection string. Works as a normal user and as root (the
# server then runs as the `postgres` user, since PostgreSQL refuses root).
# fsync is off: the cluster holds test data only, and what the tests check
# (a killed client, concurrent clients) does not depend on it.
set -euo pipefail
cd "$(dirname "$0")/.."

state_dir="$PWD/build/postgres-test"
state_file="$state_dir/cluster"

log() { echo "postgres-test: $*" >&2; }

find_bindir() {
  local dir
  for dir in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
      echo "$dir"
      return
    fi
  done
  log "no PostgreSQL server binaries under /usr/lib/postgresql (install the postgresql package)"
  exit 1
}

# Runs a server command as the cluster owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

conninfo() { echo "host=$1 port=5432 user=zkinfer_test dbname=postgres"; }

running() {
  [ -f "$state_file" ] || return 1
  local dir
  dir="$(cat "$state_file")"
  [ -d "$dir/data" ] && as_owner "$(find_bindir)/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

start() {
  if running; then
    conninfo "$(cat "$state_file")"
    return
  fi
  stop_quietly
  local bindir dir
  bindir="$(find_bindir)"
  dir="$(mktemp -d "${TMPDIR:-/tmp}/zkinfer-pg.XXXXXX")"
  mkdir -p "$state_dir"
  echo "$dir" >"$state_file"
  if [ "$(id -u)" -eq 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
      log "running as root needs the 'postgres' user (created by the postgresql package)"
      exit 1
    fi
    chown postgres: "$dir"
  fi
  if ! as_owner "$bindir/initdb" -D "$dir/data" --username=zkinfer_test --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    log "initdb failed"
    exit 1
  fi
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$dir'
port = 5432
fsync = off
full_page_writes = off
dynamic_shared_memory_type = mmap
max_connections = 100
EOF
  if ! as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null; then
    tail -n 40 "$dir/server.log" >&2 || true
    log "the server did not start"
    exit 1
  fi
  if ! as_owner "$bindir/pg_isready" -q -h "$dir" -p 5432 -t 30; then
    tail -n 40 "$dir/server.log" >&2 || true
    log "the server does not accept connections"
    exit 1
  fi
  log "running in $dir"
  conninfo "$dir"
}

stop_quietly() {
  [ -f "$state_file" ] || return 0
  local dir
  dir="$(cat "$state_file")"
  if [ -d "$dir/data" ]; then
    as_owner "$(find_bindir)/pg_ctl" -D "$dir/data" -m immediate -w -t 60 stop >/dev/null 2>&1 || true
  fi
  case "$dir" in
    */zkinfer-pg.*) rm -rf "$dir" ;;
  esac
  rm -f "$state_file"
}

case "${1:-}" in
  start) start ;;
  stop)
    stop_quietly
    log "stopped"
    ;;
  status)
    if running; then conninfo "$(cat "$state_file")"; else
      log "not running"
      exit 1
    fi
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
