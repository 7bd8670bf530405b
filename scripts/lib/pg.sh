# shellcheck shell=bash
# pg.sh: a private PostgreSQL 15 cluster for scripts/run and scripts/test, run as
# the unprivileged `postgres` user (initdb refuses root).  Sourced, not executed.
# The cluster listens on a Unix socket in a private directory only (no TCP), so it
# never clashes with another server; the port only names the socket file.

PG_BIN=/usr/lib/postgresql/15/bin
PG_USER=postgres

# pg_as_user CMD...: runs CMD as the cluster's owner.
pg_as_user() {
  (cd / && runuser -u "$PG_USER" -- "$@") # from a directory it may enter
}

# pg_reachable DIR: can the postgres user create files in DIR?
pg_reachable() {
  pg_as_user test -w "$1" -a -x "$1" 2>/dev/null
}

# pg_init DATADIR: creates the cluster once (idempotent).
pg_init() {
  local data=$1
  if [[ -f $data/PG_VERSION ]]; then
    return 0
  fi
  mkdir -p "$data"
  chown "$PG_USER:" "$data"
  chmod 700 "$data"
  pg_as_user "$PG_BIN/initdb" -D "$data" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 --no-instructions >"$data.initdb.log" 2>&1 || {
    cat "$data.initdb.log" >&2
    return 1
  }
  echo "include_if_exists = 'deliberd-local.conf'" >>"$data/postgresql.conf"
}

# pg_start DATADIR SOCKETDIR PORT LOGFILE: starts it (socket only) and waits.
pg_start() {
  local data=$1 sockdir=$2 port=$3 log=$4
  mkdir -p "$sockdir"
  chown "$PG_USER:" "$sockdir"
  chmod 700 "$sockdir"
  touch "$log"
  chown "$PG_USER:" "$log"
  cat >"$data/deliberd-local.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$sockdir'
port = $port
fsync = ${PG_FSYNC:-on}
CONF
  chown "$PG_USER:" "$data/deliberd-local.conf"
  if pg_as_user "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    echo "pg: a server is already running on $data; stopping it first" >&2
    pg_as_user "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  fi
  pg_as_user "$PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null || {
    echo "pg: the server did not start; its log ($log):" >&2
    tail -n 20 "$log" >&2
    return 1
  }
}

# pg_stop DATADIR: stops it if running (fast shutdown), quietly.
pg_stop() {
  local data=$1
  if [[ -f $data/postmaster.pid ]]; then
    pg_as_user "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
}

# pg_socket_dir_ok DIR: a Unix socket path is limited to 107 bytes.
pg_socket_dir_ok() {
  ((${#1} + 20 < 107))
}
