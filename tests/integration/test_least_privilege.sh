#!/usr/bin/env bash
# test_least_privilege: `deliberd migrate` runs as the schema's owner
# (database.migrate_conninfo) and grants the daemon's role (database.conninfo, here a
# role that owns nothing) SELECT and INSERT only on the audit trail: as that role,
# UPDATE, DELETE, TRUNCATE of audit_events, DDL and disabling the triggers all fail,
# while the daemon works.  A table added by a later migration is granted without a
# grant of its own.  Serving as a superuser is warned about.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t_init least_privilege
t_migrate
grep -q "^privileges of $T_APP_ROLE: " "$T_DIR/run.out" || t_fail "migrate granted nothing: $(cat "$T_DIR/run.out")"
tok=$(t_credential governance gina)
t_start
t_http GET /healthz
t_expect_status 200
t_log_has 'append-only triggers do not bind' && t_fail "warned about a role that owns nothing"
t_http GET /v1/audit "$tok"
t_expect_status 200

app() { # SQL: runs it as the daemon's role; prints psql's error
  psql -XAtq -d "$T_DB" -U "$T_APP_ROLE" -v ON_ERROR_STOP=1 -c "$1" 2>&1
}
denied() { # SQL WHAT
  local out
  if out=$(app "$1"); then
    t_fail "$2 succeeded as $T_APP_ROLE"
  fi
  grep -Eq 'permission denied|must be owner|append-only' <<<"$out" || t_fail "$2: unexpected error: $out"
}
n=$(app "SELECT count(*) FROM audit_events")
((n >= 1)) || t_fail "no audit events readable ($n)"
denied "UPDATE audit_events SET actor = 'x'" "UPDATE audit_events"
denied "DELETE FROM audit_events" "DELETE FROM audit_events"
denied "TRUNCATE audit_events" "TRUNCATE audit_events"
denied "ALTER TABLE audit_events DISABLE TRIGGER ALL" "disabling the triggers"
denied "DROP TRIGGER audit_events_no_change ON audit_events" "dropping a trigger"
denied "CREATE TABLE evil (x int)" "CREATE TABLE"
denied "DELETE FROM schema_migrations" "DELETE FROM schema_migrations"
denied "TRUNCATE credentials" "TRUNCATE credentials"
owned=$(app "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = current_user")
[[ $owned == 0 ]] || t_fail "$T_APP_ROLE owns $owned relations"

# a later migration's table is covered by the next migrate, with no grant of its own
mkdir "$T_DIR/migrations"
cp "$DELIBERD_SOURCE_DIR"/migrations/*.sql "$T_DIR/migrations/"
printf 'CREATE TABLE later_things (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text);\n' \
  >"$T_DIR/migrations/9999_later.sql"
t_run migrate --migrations "$T_DIR/migrations" || t_fail "migrate of the later table: $(cat "$T_DIR/run.err")"
app "INSERT INTO later_things (v) VALUES ('a')" >/dev/null || t_fail "no INSERT on a later table"
[[ $(app "SELECT count(*) FROM later_things") == 1 ]] || t_fail "no SELECT on a later table"
denied "TRUNCATE later_things" "TRUNCATE of a later table"
# re-granting is idempotent: the audit trail stays SELECT, INSERT only
denied "DELETE FROM audit_events" "DELETE FROM audit_events after a second migrate"

# serving as a superuser works but is warned about
t_stop
t_config database.conninfo="\"dbname=$T_DB\"" database.migrations_dir="\"$T_DIR/migrations\""
t_start
t_log_has 'append-only triggers do not bind' || t_fail "no warning when serving as a superuser"
t_done
