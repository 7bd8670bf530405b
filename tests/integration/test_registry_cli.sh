#!/usr/bin/env bash
# test_registry_cli: `deliberd import`, `terms` and `history` on a fresh database.
# Importing 21-128.conf twice gives the same state (row counts and audit events);
# terms in force on 2025-12-01 (version 3: 76 variables 17/28/16/15, 3 groups,
# 2031-01-31), 2024-06-01 (version 2, not on record) and 2021-01-01 (none, exit 2);
# a file altering a recorded version is refused naming the fields; a file with a
# version 4 moving the deadline is an amendment that leaves version 3 byte for byte;
# UPDATE/DELETE of recorded terms in SQL fail.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export DELIBERD_TEST_DB_PREFIX=${DELIBERD_TEST_DB_PREFIX:-registry_}

t_init registry_cli
t_migrate
conf=$DELIBERD_SOURCE_DIR/conf/deliberations/21-128.conf

sql() {
  psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$T_DB" -c "$1"
}

state() {
  sql "SELECT (SELECT count(*) FROM deliberations), (SELECT count(*) FROM deliberation_versions),
         (SELECT count(*) FROM deliberation_recipients), (SELECT count(*) FROM version_variables),
         (SELECT count(*) FROM version_groups), (SELECT count(*) FROM version_group_caps),
         (SELECT count(*) FROM version_phases), (SELECT count(*) FROM version_phase_destinations),
         (SELECT count(*) FROM version_recipients), (SELECT count(*) FROM recipients),
         (SELECT count(*) FROM audit_events),
         (SELECT string_agg(terms_sha256, ',' ORDER BY number) FROM deliberation_versions)"
}

# --- import twice: the same state -------------------------------------------------
t_run import "$conf" || t_fail "first import: $(cat "$T_DIR/run.err")"
grep -q 'registered with versions 1 to 3' "$T_DIR/run.out" || t_fail "first import said: $(cat "$T_DIR/run.out")"
first=$(state)
[[ $(sql "SELECT count(*) FROM deliberation_versions") == 3 ]] || t_fail "not 3 versions"
[[ $(sql "SELECT count(*) FROM audit_events") -gt 0 ]] || t_fail "no audit events"
t_run import "$conf" || t_fail "second import: $(cat "$T_DIR/run.err")"
grep -q ': unchanged$' "$T_DIR/run.out" || t_fail "second import said: $(cat "$T_DIR/run.out")"
[[ $(state) == "$first" ]] || t_fail "state changed on re-import: $first -> $(state)"
t_run audit verify || t_fail "audit chain: $(cat "$T_DIR/run.err")"

# --- terms in force -----------------------------------------------------------------
t_run terms 21/128 --at 2025-12-01 --format json || t_fail "terms 2025-12-01: $(cat "$T_DIR/run.err")"
HTTP_BODY=$(cat "$T_DIR/run.out")
t_expect_json .version 3
t_expect_json .terms_on_record true
t_expect_json .retention_until 2031-01-31
t_expect_json .deadline 2031-01-31
t_expect_json .number 3
t_expect_json .in_force true
t_expect_json .at 2025-12-01
t_expect_json '.variables | length' 76
t_expect_json '[.variables[] | select(.section == "person")] | length' 17
t_expect_json '[.variables[] | select(.section == "labour")] | length' 28
t_expect_json '[.variables[] | select(.section == "education")] | length' 16
t_expect_json '[.variables[] | select(.section == "naric")] | length' 15
t_expect_json '.groups | length' 3
t_expect_json '[.groups[].code] | sort | join(",")' flemish_diploma,foreign_born,naric
t_expect_json '.recipients | join(",")' maastricht-sbe
t_expect_json '.reference' 21/128

t_run terms 21-128 --at 2024-06-01 --format json || t_fail "terms 2024-06-01: $(cat "$T_DIR/run.err")"
HTTP_BODY=$(cat "$T_DIR/run.out")
t_expect_json .version 2
t_expect_json .terms_on_record false
t_expect_json '.variables | length' 0

t_expect_json .in_force true
t_expect_json .at 2024-06-01
t_expect_json .number 2

# No version in force is an answer (exit 1), on stdout as well as stderr.
rc=0
t_run terms 21/128 --at 2021-01-01 || rc=$?
[[ $rc == 1 ]] || t_fail "terms before the first version: exit $rc, wanted 1"
grep -q 'no version of 21/128 was in force on 2021-01-01' "$T_DIR/run.err" ||
  t_fail "terms before the first version said: $(cat "$T_DIR/run.err")"
grep -qx 'no version of 21/128 was in force on 2021-01-01' "$T_DIR/run.out" ||
  t_fail "terms before the first version, text stdout: $(cat "$T_DIR/run.out")"
rc=0
t_run terms 21/128 --at 2021-01-01 --format json || rc=$?
[[ $rc == 1 ]] || t_fail "terms json before the first version: exit $rc, wanted 1"
HTTP_BODY=$(cat "$T_DIR/run.out")
t_expect_json .in_force false
t_expect_json .reference 21/128
t_expect_json .at 2021-01-01
t_expect_json .message 'no version of 21/128 was in force on 2021-01-01'

t_run terms 21/128 --at 2025-12-01 --format text || t_fail "terms text"
grep -q '^variables (76):' "$T_DIR/run.out" || t_fail "text terms: no variable count"
grep -q '^retention until: 2031-01-31' "$T_DIR/run.out" || t_fail "text terms: no deadline"

t_run terms 21/128 --at 2025-12-01 --format odrl || t_fail "terms odrl"
jq -e . "$T_DIR/run.out" >/dev/null || t_fail "ODRL is not JSON"
grep -q '2031-01-31' "$T_DIR/run.out" || t_fail "ODRL does not carry the deadline"

rc=0
t_run terms 21/999 --at 2025-12-01 || rc=$?
[[ $rc == 2 ]] || t_fail "unknown deliberation: exit $rc"
rc=0
t_run terms nonsense || rc=$?
[[ $rc == 2 ]] || t_fail "bad reference: exit $rc"

# --- a file that alters a recorded version is refused, naming the fields ------------
sed -e 's/retention_until = "2031-01-31"/retention_until = "2032-01-31"/' \
  -e 's/label = "de leeftijdsklasse"/label = "de leeftijd"/' "$conf" >"$T_DIR/altered.conf"
rc=0
t_run import "$T_DIR/altered.conf" || rc=$?
[[ $rc == 2 ]] || t_fail "altered file: exit $rc, wanted 2"
err=$(cat "$T_DIR/run.err")
[[ $err == *"version 3 of 21/128 differs from the recorded one"* ]] || t_fail "altered: $err"
[[ $err == *retention_until* ]] || t_fail "altered: retention_until not named: $err"
[[ $err == *"variables: changed age_class (label)"* ]] || t_fail "altered: variable not named: $err"
[[ $(state) == "$first" ]] || t_fail "a refused import changed the state"

# --- an amendment file: version 4 moves the deadline --------------------------------
v3_before=$(sql "SELECT terms_sha256 || ' ' || md5(terms_json) FROM deliberation_versions WHERE number = 3")
{
  head -n -2 "$conf"
  printf '    ,\n    { number = 4;\n      decided_on = "2026-03-02";\n'
  printf '      in_force_from = "2026-03-16";\n'
  printf '      summary = "Amendment: data to be destroyed by 30 June 2030.";\n'
  printf '      terms_on_record = true;\n'
  sed -n '/^      terms = {/,/^      };/p' "$conf" |
    sed 's/retention_until = "2031-01-31"/retention_until = "2030-06-30"/'
  printf '    }\n  );\n};\n'
} >"$T_DIR/amended.conf"
t_run import "$T_DIR/amended.conf" || t_fail "amendment import: $(cat "$T_DIR/run.err")"
grep -q 'amended: version 4 recorded' "$T_DIR/run.out" || t_fail "amendment said: $(cat "$T_DIR/run.out")"
[[ $(sql "SELECT count(*) FROM deliberation_versions") == 4 ]] || t_fail "no version 4"
v3_after=$(sql "SELECT terms_sha256 || ' ' || md5(terms_json) FROM deliberation_versions WHERE number = 3")
[[ $v3_before == "$v3_after" ]] || t_fail "version 3 changed with the amendment"
[[ $(sql "SELECT terms_sha256 = encode(sha256(convert_to(terms_json, 'UTF8')), 'hex') FROM deliberation_versions WHERE number = 3") == t ]] ||
  t_fail "stored hash is not the hash of the stored bytes"
t_run terms 21/128 --at 2026-04-01 --format json || t_fail "terms after the amendment"
HTTP_BODY=$(cat "$T_DIR/run.out")
t_expect_json .version 4
t_expect_json .retention_until 2030-06-30
t_run terms 21/128 --at 2025-12-01 --format json || t_fail "terms of version 3 after the amendment"
HTTP_BODY=$(cat "$T_DIR/run.out")
t_expect_json .version 3
t_expect_json .retention_until 2031-01-31
after_amend=$(state)
t_run import "$T_DIR/amended.conf" || t_fail "amendment re-import"
grep -q ': unchanged$' "$T_DIR/run.out" || t_fail "amendment re-import said: $(cat "$T_DIR/run.out")"
t_run import "$conf" || t_fail "older file after the amendment"
[[ $(state) == "$after_amend" ]] || t_fail "re-imports changed the state"

t_run history 21-128 || t_fail "history: $(cat "$T_DIR/run.err")"
grep -q '^version 4: decided 2026-03-02, in force from 2026-03-16' "$T_DIR/run.out" || t_fail "history: $(cat "$T_DIR/run.out")"
grep -q 'retention until 2030-06-30 (was 2031-01-31)' "$T_DIR/run.out" || t_fail "history: no deadline change"
[[ $(grep -c 'terms not on record' "$T_DIR/run.out") == 2 ]] || t_fail "history: versions 1, 2 not on record"

# --- recorded terms cannot be changed in SQL either ------------------------------------
for stmt in "UPDATE deliberation_versions SET terms_json = '{}' WHERE number = 3" \
  "UPDATE deliberation_versions SET retention_until = '2040-01-01' WHERE number = 3" \
  "DELETE FROM deliberation_versions WHERE number = 4" \
  "UPDATE version_variables SET type = 'text' WHERE code = 'age_class'" \
  "DELETE FROM version_groups" \
  "DELETE FROM deliberations"; do
  if sql "$stmt" 2>"$T_DIR/sql.err"; then
    t_fail "accepted: $stmt"
  fi
  grep -q 'immutable' "$T_DIR/sql.err" || t_fail "$stmt failed otherwise: $(cat "$T_DIR/sql.err")"
done
[[ $(state) == "$after_amend" ]] || t_fail "state changed by refused SQL"

t_done
