#!/usr/bin/env bash
# test_admin: the admin subcommands as scripts see them: `migrate` (idempotent,
# refuses a changed or missing applied migration with exit 2 naming it),
# `credential add` (the token alone on stdout), `list`/`revoke`, and `audit verify`
# (exit 0 with the count; exit 1 naming the seq edited by hand in SQL).
# Needs DELIBERD, DELIBERD_SOURCE_DIR and the PG* variables of scripts/test.
set -euo pipefail
: "${DELIBERD:?}" "${DELIBERD_SOURCE_DIR:?}"

db="${DELIBERD_TEST_DB_PREFIX:-t_}admin_$$_$RANDOM"
tmp=$(mktemp -d)
cleanup() {
  dropdb --if-exists --force "$db" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
createdb "$db"
export PGDATABASE="$db"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
# expect_rc RC CMD...: runs CMD with stdout/stderr in $tmp/out, $tmp/err.
expect_rc() {
  local want=$1 rc=0
  shift
  "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  if ((rc != want)); then
    cat "$tmp/out" "$tmp/err" >&2
    fail "exit $rc, wanted $want: $*"
  fi
}

# --help works everywhere
for cmd in migrate credential audit; do
  expect_rc 0 "$DELIBERD" "$cmd" --help
  grep -q '^usage: deliberd '"$cmd" "$tmp/out" || fail "$cmd --help"
done

# migrate: applies, then is a no-op
nmig=$(find "$DELIBERD_SOURCE_DIR/migrations" -name '[0-9][0-9][0-9][0-9]_*.sql' | wc -l)
expect_rc 0 "$DELIBERD" migrate
grep -qx 'applied 0001_core' "$tmp/out" || fail "migrate did not apply 0001_core"
[[ $(tail -n 1 "$tmp/out") == "schema is current ($nmig migrations)" ]] || fail "migrate summary"
expect_rc 0 "$DELIBERD" migrate
[[ $(cat "$tmp/out") == "schema is current ($nmig migrations)" ]] || fail "second migrate not a no-op"

# a changed, then a missing, applied migration is refused, naming it
cp -r "$DELIBERD_SOURCE_DIR/migrations" "$tmp/mig"
echo "-- edited" >>"$tmp/mig/0001_core.sql"
expect_rc 2 "$DELIBERD" migrate --migrations "$tmp/mig"
grep -q '0001_core' "$tmp/err" || fail "changed migration not named"
grep -q 'changed' "$tmp/err" || fail "changed migration: no reason"
rm "$tmp/mig/0001_core.sql"
expect_rc 2 "$DELIBERD" migrate --migrations "$tmp/mig"
grep -q 'applied migration 0001_core is missing' "$tmp/err" || fail "missing migration not named"
expect_rc 2 "$DELIBERD" migrate --config "$tmp/nonexistent.conf"

# credential add: stdout is the token alone; the note goes to stderr
expect_rc 0 "$DELIBERD" credential add --role governance --name ops
[[ $(wc -l <"$tmp/out") == 1 ]] || fail "add printed more than the token on stdout"
token=$(cat "$tmp/out")
[[ $token =~ ^dlb_[A-Za-z0-9_-]{43}$ ]] || fail "token format"
grep -q 'created credential 1' "$tmp/err" || fail "add: no note on stderr"
grep -qF "$token" "$tmp/err" && fail "token on stderr"

# a recipient credential needs a registered recipient
expect_rc 2 "$DELIBERD" credential add --role recipient --recipient maastricht-sbe --name m
grep -q "no recipient 'maastricht-sbe' is registered" "$tmp/err" || fail "unregistered recipient"
psql -XqAt -c "INSERT INTO recipients (id, name, created_by) VALUES ('maastricht-sbe', 'M', 't')"
expect_rc 0 "$DELIBERD" credential add --role recipient --recipient maastricht-sbe --name m
expect_rc 2 "$DELIBERD" credential add --role recipient --name m2
[[ ! -s $tmp/out ]] || fail "failed add printed on stdout"
expect_rc 2 "$DELIBERD" credential add --role admin --name x
expect_rc 2 "$DELIBERD" credential add --role governance --name ops # name taken
grep -q "already named 'ops'" "$tmp/err" || fail "duplicate name message"

expect_rc 0 "$DELIBERD" credential list --format json
[[ $(jq 'length' "$tmp/out") == 2 ]] || fail "list length"
[[ $(jq -r '.[1].recipient' "$tmp/out") == maastricht-sbe ]] || fail "list recipient"
grep -qF "${token#dlb_}" "$tmp/out" && fail "token in list"
expect_rc 0 "$DELIBERD" credential list
grep -q 'governance' "$tmp/out" || fail "text list"
# --expires: a date (through that day) or an instant; a past one is refused
expect_rc 2 "$DELIBERD" credential add --role auditor --name old --expires 2001-01-01
expect_rc 2 "$DELIBERD" credential add --role auditor --name old --expires soon
expect_rc 0 "$DELIBERD" credential add --role output_checker --name later --expires 2999-12-31
expect_rc 0 "$DELIBERD" credential list --format json
[[ $(jq -r '.[2].expires_at' "$tmp/out") == 2999-12-31T23:00:00Z ]] ||
  fail "expiry: $(jq -c '.[2]' "$tmp/out")"
[[ $(jq -r '.[2].status + " " + .[2].role' "$tmp/out") == "active output_checker" ]] ||
  fail "status"
[[ $(jq -r '.[2].last_used_at' "$tmp/out") == null ]] || fail "last used"
expect_rc 0 "$DELIBERD" credential revoke --name later

expect_rc 0 "$DELIBERD" credential revoke --name ops
[[ $(cat "$tmp/out") == "revoked credential 1" ]] || fail "revoke output"
expect_rc 2 "$DELIBERD" credential revoke 1
expect_rc 2 "$DELIBERD" credential revoke 0
expect_rc 2 "$DELIBERD" credential revoke

# audit: intact, then broken at the row edited by hand
expect_rc 0 "$DELIBERD" audit verify
[[ $(cat "$tmp/out") == "audit trail intact: 5 events" ]] || fail "verify output: $(cat "$tmp/out")"
expect_rc 0 "$DELIBERD" audit list --after 1 --limit 1
[[ $(jq -r '.seq' "$tmp/out") == 2 ]] || fail "audit list paging"
[[ $(jq -r '.actor' "$tmp/out") == cli:* ]] || fail "audit actor"
psql -XqAt -c "UPDATE audit_events SET details = '{\"name\":\"x\"}' WHERE seq = 2"
expect_rc 1 "$DELIBERD" audit verify
grep -q '^audit trail broken at seq 2: ' "$tmp/out" || fail "broken seq not named: $(cat "$tmp/out")"

echo "ok"
