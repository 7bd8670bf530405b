#!/usr/bin/env bash
# test_staged_hardening: a staged file is read only if it is a regular file with one
# link, inside checks.staging_dir once resolved, and owned by checks.staging_uid when
# that is set.  A hard link placed in the staging directory (to a file outside it,
# such as the TLS key, or to another staged file) is refused with 400, field
# staged_file, and its content never comes back; a staging directory reached through
# a symbolic link works.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t_init staged_hardening
mkdir -p "$T_DIR/real-staging"
ln -s real-staging "$T_DIR/staging"
head -c 32 /dev/urandom >"$T_DIR/person.key"
chmod 600 "$T_DIR/person.key"
t_config checks.staging_dir="\"$T_DIR/staging\"" checks.person_key_file="\"$T_DIR/person.key\""
t_migrate
t_run import "$DELIBERD_SOURCE_DIR/conf/deliberations/21-128.conf" || t_fail "import: $(cat "$T_DIR/run.err")"
delivery=$(t_credential delivery dora)
t_start

q128="deliberation=21/128&recipient=maastricht-sbe&group=naric&phase=1&destination=recipient_premises"
staged() {
  t_http POST "/v1/checks?$q128&dry_run=true&date=2025-01-15" "$delivery" \
    -H 'Content-Type: application/json' --data-binary "$(jq -cn --arg n "$1" '{staged_file: $n}')"
}
printf 'person_id,reference_period,sex,age_class\n8675309,2024Q1,1,25-29\n' >"$T_DIR/ok.csv"
cp "$T_DIR/ok.csv" "$T_DIR/staging/ok.csv"
staged ok.csv
[[ $HTTP_STATUS == 200 ]] || t_fail "a plain staged file was refused: $HTTP_STATUS $HTTP_BODY"

# a hard link to a file outside the directory (the TLS key, as in the report)
ln "$T_DIR/key.pem" "$T_DIR/staging/key.csv"
staged key.csv
t_expect_error 400 invalid_parameter
t_expect_json .error.field staged_file
grep -q 'PRIVATE KEY\|BEGIN' <<<"$HTTP_BODY" && t_fail "key material in the answer"
[[ $HTTP_BODY == *"link"* ]] || t_fail "the refusal does not say why: $HTTP_BODY"
# a hard link between two staged names: both refused while both exist
ln "$T_DIR/staging/ok.csv" "$T_DIR/staging/twin.csv"
for name in twin.csv ok.csv; do
  staged "$name"
  t_expect_error 400 invalid_parameter
done
rm "$T_DIR/staging/twin.csv"
staged ok.csv
[[ $HTTP_STATUS == 200 ]] || t_fail "one link again, still refused: $HTTP_STATUS"

# owner: the configured uid must own the file
t_stop
t_config checks.staging_uid=$(($(id -u) + 1))
t_start
staged ok.csv
t_expect_error 400 invalid_parameter
[[ $HTTP_BODY == *staging_uid* ]] || t_fail "the refusal does not name checks.staging_uid: $HTTP_BODY"
t_stop
t_config checks.staging_uid="$(id -u)"
t_start
staged ok.csv
[[ $HTTP_STATUS == 200 ]] || t_fail "owned as configured, still refused: $HTTP_STATUS $HTTP_BODY"
t_done
