#!/usr/bin/env bash
# test_checks_key: the person key of the cross-delivery cap.  With
# checks.person_key_file unset, the first capped check creates person.key beside the
# configuration (32 bytes, mode 0600) and records its fingerprint (audited); an
# uncapped check needs no key; a lost key is recreated but refused (503) because it
# does not match the recorded fingerprint, and restoring the original works again;
# a key file readable by others, of the wrong size or a symlink is refused.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export DELIBERD_TEST_DB_PREFIX=${DELIBERD_TEST_DB_PREFIX:-checks_}

t_init checks_key
t_migrate
t_run import "$DELIBERD_SOURCE_DIR/conf/deliberations/21-128.conf" ||
  t_fail "import: $(cat "$T_DIR/run.err")"
delivery=$(t_credential delivery dora)
t_start

sql() {
  psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$T_DB" -c "$1"
}
check() { # check QUERY-SUFFIX: a small passing extract of 21/128
  t_http POST "/v1/checks?deliberation=21-128&recipient=maastricht-sbe&$1" \
    "$delivery" -H 'Content-Type: text/csv' --data-binary "@$T_DIR/ok.csv"
}
printf 'person_id,reference_period,sex\n101,2024Q1,1\n102,2024Q2,2\n' >"$T_DIR/ok.csv"
key=$T_DIR/person.key
p1="group=naric&phase=1&destination=recipient_premises"
p2="group=naric&phase=2&destination=secure_room"

# phase 2 is uncapped: no key needed, none created
check "$p2"
t_expect_status 200
t_expect_json .verdict pass
[[ ! -e $key ]] || t_fail "an uncapped check created the person key"

# the first capped check creates the key beside the configuration and records it
check "$p1"
t_expect_status 200
t_expect_json .verdict pass
[[ -f $key ]] || t_fail "no person key was created"
[[ $(stat -c '%a %s' "$key") == "600 32" ]] || t_fail "person key: $(stat -c '%a %s' "$key"), wanted mode 600, 32 bytes"
t_log_has 'created the person key file' || t_fail "no warning about the new person key"
[[ $(sql "SELECT count(*) FROM person_key") == 1 ]] || t_fail "the key fingerprint is not recorded"
[[ $(sql "SELECT count(*) FROM audit_events WHERE action = 'person_key.recorded'") == 1 ]] ||
  t_fail "recording the key fingerprint was not audited"
ls "$T_DIR" | grep -q 'person.key.tmp' && t_fail "a temporary key file was left behind"

# lost: a new key is made, but it does not match the recorded one
mv "$key" "$T_DIR/saved.key"
check "$p1"
t_expect_error 503 unavailable
t_expect_json '.error.message | test("does not match")' true
check "$p2"
t_expect_status 200

# malformed key files are refused
rm -f "$key"
for bad in mode size symlink; do
  case $bad in
  mode) cp "$T_DIR/saved.key" "$key" && chmod 640 "$key" ;;
  size) head -c 31 /dev/urandom >"$key" && chmod 600 "$key" ;;
  symlink) ln -s "$T_DIR/saved.key" "$key" ;;
  esac
  check "$p1"
  t_expect_error 503 unavailable
  rm -f "$key"
done

# restored: works again, and the persons of the first delivery are still known
cp -p "$T_DIR/saved.key" "$key"
check "$p1"
t_expect_status 200
t_expect_json .verdict pass
[[ $(sql "SELECT persons FROM cap_scopes") == 2 ]] || t_fail "the scope should still count 2 persons"
# the same key as 64 hex digits and a newline is the same key
{ od -An -tx1 -v "$T_DIR/saved.key" | tr -d " \n"; echo; } >"$key"
chmod 600 "$key"
check "$p1"
t_expect_json .verdict pass
[[ $(sql "SELECT persons FROM cap_scopes") == 2 ]] || t_fail "the hex form hashed persons differently"
t_done
