# lib.sh: shared harness for integration tests that run the real `deliberd serve`
# against the real PostgreSQL.  Source it from a test script:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   t_init myname                      # own database, temp dir, cert, cleanup trap
#   t_config limits.max_body_bytes=4096 listen.workers=1   # optional overrides
#   t_migrate
#   tok=$(t_credential governance alice)   # or: t_credential recipient bob maastricht-sbe
#   t_start                            # waits for the ready line; sets T_PORT, T_URL
#   t_http GET /v1/things "$tok"       # sets HTTP_STATUS, HTTP_BODY (+ $T_DIR/http.headers)
#   t_expect_status 200
#   t_expect_json '.status' ok
#   t_stop                             # SIGTERM; sets T_EXIT
#   t_done                             # prints "PASS <name>"
#
# Needs: DELIBERD (the binary), DELIBERD_SOURCE_DIR (the repository; defaults to the
# one this file is in), the PG* variables of scripts/test (the development server
# at /work/pgdev is used when PGHOST is unset and it exists), openssl, curl, jq.
# Everything a test creates (database, files, server process) goes away on exit,
# whatever happens.  Nothing here sleeps a fixed time: t_wait_until polls a condition
# with a deadline.  Never print a token: keep them in variables.

set -euo pipefail

: "${DELIBERD:?set DELIBERD to the deliberd binary}"
DELIBERD_SOURCE_DIR=${DELIBERD_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
if [[ -z ${PGHOST:-} && -d /work/pgdev/run ]]; then
  export PGHOST=/work/pgdev/run PGPORT=${PGPORT:-5433} PGUSER=${PGUSER:-postgres}
fi
unset PGDATABASE

T_NAME=""
T_DIR=""
T_DB=""
T_CONF=""
T_PID=""
T_PORT=""
T_URL=""
T_EXIT=""
T_LOG=""
HTTP_STATUS=""
HTTP_BODY=""
declare -A T_KEYS=()

t_fail() {
  echo "FAIL ${T_NAME}: $*" >&2
  if [[ -n $T_LOG && -s $T_LOG ]]; then
    echo "--- last lines of the server log:" >&2
    tail -n 30 "$T_LOG" >&2
  fi
  exit 1
}

t_note() {
  echo "# $*"
}

# t_cleanup: the EXIT trap.  Stops the server (SIGKILL if it does not stop in 10 s),
# drops the database, removes the directory (kept with T_KEEP=1).
t_cleanup() {
  local rc=$?
  if [[ -n $T_PID ]] && kill -0 "$T_PID" 2>/dev/null; then
    kill -TERM "$T_PID" 2>/dev/null || true
    local i
    for ((i = 0; i < 100; i++)); do
      kill -0 "$T_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$T_PID" 2>/dev/null || true
    wait "$T_PID" 2>/dev/null || true
  fi
  if [[ -n $T_DB ]]; then
    dropdb --if-exists --force "$T_DB" 2>/dev/null || true
  fi
  if [[ -n $T_DIR && ${T_KEEP:-0} != 1 ]]; then
    rm -rf "$T_DIR"
  elif [[ -n $T_DIR ]]; then
    echo "# kept $T_DIR (database $T_DB dropped)" >&2
  fi
  return $rc
}

# t_app_role: the role the daemon and the CLI connect as, as in production (see
# docs/security.md): it owns nothing, `deliberd migrate` (as $PGUSER, the owner)
# grants it what it needs, so the append-only triggers bind it.  Roles belong to the
# whole cluster: created once, by whichever test comes first.
T_APP_ROLE=${DELIBERD_TEST_APP_ROLE:-deliberd_app}
t_app_role() {
  psql -XAtq -d postgres -v ON_ERROR_STOP=1 >/dev/null 2>&1 <<SQL || t_fail "cannot create the role $T_APP_ROLE"
DO \$\$ BEGIN
  CREATE ROLE $T_APP_ROLE LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END \$\$;
SQL
}

# t_init NAME: a temporary directory, a database of its own, a fresh self-signed
# certificate for 127.0.0.1/localhost, and the default test configuration.
t_init() {
  T_NAME=$1
  T_DIR=$(mktemp -d "/tmp/deliberd-it-$T_NAME.XXXXXX")
  trap t_cleanup EXIT
  T_DB="${DELIBERD_TEST_DB_PREFIX:-t_}${T_NAME}_$$_$RANDOM"
  createdb "$T_DB"
  t_app_role
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$T_DIR/key.pem" -out "$T_DIR/cert.pem" -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null ||
    t_fail "openssl could not make a certificate"
  T_CONF="$T_DIR/deliberd.conf"
  T_LOG="$T_DIR/serve.log"
  T_KEYS=(
    [listen.address]='"127.0.0.1"'
    [listen.port]=0
    [listen.workers]=2
    [tls.certificate]='"cert.pem"'
    [tls.key]='"key.pem"'
    [database.conninfo]="\"dbname=$T_DB user=$T_APP_ROLE\""
    [database.migrate_conninfo]="\"dbname=$T_DB\""
    [database.migrations_dir]="\"$DELIBERD_SOURCE_DIR/migrations\""
    [log.level]='"debug"'
    [log.format]='"json"'
  )
  t_write_config "$T_CONF"
}

# t_config KEY=VALUE...: overrides keys (section.key, libconfig value syntax: strings
# quoted, e.g. 'log.level="info"' or limits.max_body_bytes=4096) and rewrites $T_CONF.
t_config() {
  local kv
  for kv in "$@"; do
    T_KEYS[${kv%%=*}]=${kv#*=}
  done
  t_write_config "$T_CONF"
}

# t_write_config FILE: renders T_KEYS, grouped by section, into FILE.
t_write_config() {
  local file=$1 tmpfile="$1.tmp" section key
  local -A sections=()
  for key in "${!T_KEYS[@]}"; do
    sections[${key%%.*}]+="  ${key#*.} = ${T_KEYS[$key]};"$'\n'
  done
  {
    echo "# written by tests/integration/lib.sh for $T_NAME"
    for section in $(printf '%s\n' "${!sections[@]}" | sort); do
      echo "$section = {"
      printf '%s' "${sections[$section]}"
      echo "};"
    done
  } >"$tmpfile"
  mv "$tmpfile" "$file" # atomic: a SIGHUP never sees half a file
}

# t_run ARGS...: runs `deliberd ARGS... --config $T_CONF`; stdout in $T_DIR/run.out,
# stderr in $T_DIR/run.err; returns its exit status.
t_run() {
  local rc=0
  "$DELIBERD" "$@" --config "$T_CONF" >"$T_DIR/run.out" 2>"$T_DIR/run.err" || rc=$?
  return $rc
}

# t_run_at AT ARGS...: t_run with the process's clock at AT (RFC 3339, e.g.
# 2031-02-01T00:00:00+01:00), through libfaketime (Debian package faketime): deliberd
# has no clock back door, so a test moves the clock of the process instead.
T_FAKETIME_LIB=${T_FAKETIME_LIB:-$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -n 1)}
t_faketime_env() {
  [[ -n $T_FAKETIME_LIB ]] || t_fail "libfaketime is not installed (scripts/setup: faketime)"
  # ASan wants to be first in the library list; libfaketime only wraps clock calls.
  printf '%s\n' TZ=UTC FAKETIME_DONT_FAKE_MONOTONIC=1 "LD_PRELOAD=$T_FAKETIME_LIB" \
    "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
}
# t_faketime_offset EPOCH: libfaketime's "+Ns" for the real clock to read EPOCH now.
t_faketime_offset() {
  printf '%+ds\n' $(($1 - $(date +%s)))
}
t_run_at() {
  local at=$1 stamp rc=0
  shift
  stamp=$(date -d "$at" +%s) || t_fail "t_run_at: not an instant: $at"
  local envs
  mapfile -t envs < <(t_faketime_env)
  # An offset from the real clock (independent of any time zone), so the process
  # starts at AT and its clock runs on.
  env "${envs[@]}" "FAKETIME=$(t_faketime_offset "$stamp")" "$DELIBERD" "$@" --config "$T_CONF" \
    >"$T_DIR/run.out" 2>"$T_DIR/run.err" || rc=$?
  return $rc
}

t_migrate() {
  t_run migrate || {
    cat "$T_DIR/run.err" >&2
    t_fail "deliberd migrate failed"
  }
}

# t_credential ROLE NAME [RECIPIENT]: prints the new token (capture it; never echo it).
t_credential() {
  local role=$1 name=$2 args=(--role "$1" --name "$2")
  if [[ -n ${3:-} ]]; then
    args+=(--recipient "$3")
  fi
  t_run credential add "${args[@]}" || {
    cat "$T_DIR/run.err" >&2
    t_fail "deliberd credential add --role $role failed"
  }
  head -n 1 "$T_DIR/run.out"
}

# t_import FILE...: records deliberation files with `deliberd import`, so that their
# versions count (the one place tests register terms from files).
t_import() {
  t_run import "$@" || t_fail "import $*: $(cat "$T_DIR/run.err")"
}

# t_recipient ID [NAME]: registers a recipient directly in the database, for tests
# that need one (a recipient credential must name a registered recipient) without
# importing a deliberation.
t_recipient() {
  t_db "INSERT INTO recipients (id, name, created_by) VALUES ('$1', '${2:-$1}', 'test')" \
    >/dev/null
}

# t_approve REF VERSION TOKEN: a (second) governance credential approves a proposed
# version over the API; fails the test unless it becomes approved.
t_approve() {
  t_http POST "/v1/deliberations/$1/versions/$2/approval" "$3"
  t_expect_status 200
  t_expect_json '.versions[0].state' approved
}

# t_db SQL: runs one SQL statement against the test database, prints the rows
# (unaligned, tuples only).
t_db() {
  psql -X -q -At -v ON_ERROR_STOP=1 -d "$T_DB" -c "$1"
}

# t_wait_until SECONDS CMD...: polls CMD every 0.1 s until it succeeds; false on timeout.
t_wait_until() {
  local limit=$1 i
  shift
  for ((i = 0; i < limit * 10; i++)); do
    if "$@"; then
      return 0
    fi
    sleep 0.1
  done
  "$@"
}

# ready: the ready line is there, or the server has died (t_start tells which)
_t_ready() {
  grep -q '^deliberd: listening on ' "$T_DIR/serve.out" 2>/dev/null && return 0
  kill -0 "$T_PID" 2>/dev/null || return 0
  return 1
}

# t_start: starts `deliberd serve` in the background (stdout $T_DIR/serve.out, stderr
# $T_LOG) and waits for its ready line; sets T_PORT and T_URL.
T_SERVE_ENV=()
t_start() {
  : >"$T_DIR/serve.out"
  : >"$T_LOG"
  # T_SERVE_ENV: NAME=VALUE settings for the daemon's environment (e.g. libfaketime).
  env "${T_SERVE_ENV[@]}" "$DELIBERD" serve --config "$T_CONF" >"$T_DIR/serve.out" 2>"$T_LOG" &
  T_PID=$!
  t_wait_until 30 _t_ready || t_fail "no ready line within 30 s"
  kill -0 "$T_PID" 2>/dev/null || {
    wait "$T_PID" || true
    t_fail "deliberd serve exited before listening"
  }
  T_URL=$(sed -n 's/^deliberd: listening on //p' "$T_DIR/serve.out" | head -n 1)
  T_PORT=${T_URL##*:}
  [[ $T_PORT =~ ^[0-9]+$ ]] || t_fail "no port on the ready line: $T_URL"
}

# t_stop [SIGNAL]: sends SIGNAL (default TERM), waits up to 60 s; sets T_EXIT.
t_stop() {
  local sig=${1:-TERM}
  [[ -n $T_PID ]] || t_fail "t_stop: no server"
  kill -"$sig" "$T_PID"
  t_wait_until 60 _t_gone || t_fail "the server did not stop within 60 s of SIG$sig"
  T_EXIT=0
  wait "$T_PID" || T_EXIT=$?
  T_PID=""
}

_t_gone() {
  ! kill -0 "$T_PID" 2>/dev/null
}

# t_signal SIGNAL: sends a signal to the running server (e.g. HUP).
t_signal() {
  kill -"$1" "$T_PID"
}

# t_http METHOD PATH [TOKEN] [CURL-ARGS...]: one HTTPS request.  Sets HTTP_STATUS
# ("000" when no HTTP answer came) and HTTP_BODY; headers in $T_DIR/http.headers.
t_http() {
  local method=$1 path=$2 token=${3:-}
  shift 3 2>/dev/null || shift $#
  local auth=()
  if [[ -n $token ]]; then
    # the token goes through a file: never on a command line others can read
    printf 'header = "Authorization: Bearer %s"\n' "$token" >"$T_DIR/auth.curl"
    auth=(--config "$T_DIR/auth.curl")
  fi
  rm -f "$T_DIR/http.body" "$T_DIR/http.headers"
  HTTP_STATUS=$(curl -sk --max-time 60 -X "$method" "${auth[@]}" -D "$T_DIR/http.headers" \
    -o "$T_DIR/http.body" -w '%{http_code}' "$@" "$T_URL$path") || true
  HTTP_BODY=$(cat "$T_DIR/http.body" 2>/dev/null || true)
  rm -f "$T_DIR/auth.curl"
}

# t_header NAME: a response header of the last t_http (case-insensitive), "" if absent.
t_header() {
  tr -d '\r' <"$T_DIR/http.headers" | sed -n "s/^$1: //Ip" | tail -n 1
}

t_expect_status() {
  [[ $HTTP_STATUS == "$1" ]] || t_fail "status $HTTP_STATUS, wanted $1; body: $HTTP_BODY"
}

# t_expect_json FILTER VALUE: jq -r FILTER on the last body must print VALUE.
t_expect_json() {
  local got
  got=$(jq -r "$1" <<<"$HTTP_BODY" 2>/dev/null) || t_fail "body is not JSON: $HTTP_BODY"
  [[ $got == "$2" ]] || t_fail "$1 is '$got', wanted '$2'; body: $HTTP_BODY"
}

# t_expect_error STATUS CODE: the JSON error shape with that status and code.
t_expect_error() {
  t_expect_status "$1"
  t_expect_json '.error.code' "$2"
  t_expect_json '.error.message | type' string
}

# t_log_has REGEX: does the server log (JSON lines) have a line matching it?
t_log_has() {
  grep -Eq -- "$1" "$T_LOG"
}

t_done() {
  echo "PASS $T_NAME"
}
