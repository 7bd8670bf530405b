#!/usr/bin/env bash
# test_checks: POST /v1/checks and the deliveries it records, over HTTPS.
#  - a small passing extract against the shipped 21-128.conf: pass, delivery_id;
#    a failing one: 200, fail, no delivery_id, recorded all the same;
#  - the cross-delivery cap on a test deliberation 99/1 (cap 5 in phase 1): persons
#    of passed checks accumulate per recipient and group; a check whose new persons
#    cross the cap fails sample_cap; persons delivered before do not count again;
#    other recipients, groups and the uncapped phase 2 are separate; two concurrent
#    checks cannot together cross it;
#  - shipping: once (409 again), never a failed check (409), 404 unknown;
#  - staged files: pass, and traversal (../x, /etc/passwd, symlinks, directories)
#    refused with 400, a missing file 404, staging disabled 400;
#  - roles (only delivery runs checks and ships), parameters (400 naming them),
#    unknown deliberation 404; a recipient sees only its own deliveries;
#  - no cell value in any response, in the daemon log or in the database;
#  - recorded checks are immutable (trigger); a replaced person key is refused.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export DELIBERD_TEST_DB_PREFIX=${DELIBERD_TEST_DB_PREFIX:-checks_}

t_init checks
mkdir -p "$T_DIR/staging/sub"
head -c 32 /dev/urandom >"$T_DIR/person.key"
chmod 600 "$T_DIR/person.key"
t_config checks.staging_dir="\"$T_DIR/staging\"" checks.person_key_file="\"$T_DIR/person.key\""
t_migrate

cat >"$T_DIR/99-1.conf" <<'EOF'
deliberation = {
  reference = "99/1";
  title = "Test deliberation with a small cap";
  purpose = "testing the cross-delivery cap";
  duties = [ "no_third_party_disclosure" ];
  recipients = ( { id = "lab-one"; name = "Lab one"; }, { id = "lab-two"; name = "Lab two"; } );
  versions = (
    { number = 1; decided_on = "2020-01-01"; in_force_from = "2020-01-01"; terms_on_record = true;
      terms = {
        retention_until = "2031-01-31";
        recipients = [ "lab-one", "lab-two" ];
        phases = ( { number = 1; destinations = [ "recipient_premises" ]; },
                   { number = 2; destinations = [ "secure_room" ]; } );
        groups = ( { code = "naric"; caps = ( { phase = 1; persons = 5; } ); },
                   { code = "foreign_born"; caps = ( { phase = 1; persons = 5; } ); } );
        variables = (
          { code = "person_id"; section = "person"; source = "ksz"; type = "pseudonym";
            label = "id"; required = true; },
          { code = "reference_period"; section = "person"; source = "ksz"; type = "period";
            label = "p"; required = true; },
          { code = "sex"; section = "person"; source = "ksz"; type = "code"; label = "s";
            values = [ "1", "2" ]; }
        );
      };
    }
  );
};
EOF
t_run import "$DELIBERD_SOURCE_DIR/conf/deliberations/21-128.conf" "$T_DIR/99-1.conf" ||
  t_fail "import: $(cat "$T_DIR/run.err")"

delivery=$(t_credential delivery dora)
gov=$(t_credential governance gina)
auditor=$(t_credential auditor audra)
lab1=$(t_credential recipient rita lab-one)
t_start

sql() {
  psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$T_DB" -c "$1"
}
# Every response body is kept, to look for cell values at the end.
: >"$T_DIR/bodies"
req() {
  t_http "$@"
  printf '%s\n' "$HTTP_BODY" >>"$T_DIR/bodies"
}
# check TOKEN QUERY FILE: POST FILE as the extract.
check() {
  req POST "/v1/checks?$2" "$1" -H 'Content-Type: text/csv' --data-binary "@$3"
}
staged() {
  req POST "/v1/checks?$2" "$1" -H 'Content-Type: application/json' --data-binary "$3"
}
# persons FILE FIRST LAST: an extract of 99/1 with persons FIRST..LAST, two rows each.
persons() {
  {
    echo "person_id,reference_period,sex"
    for ((p = $2; p <= $3; p++)); do
      echo "$p,2024Q1,1"
      echo "$p,2024-06,2"
    done
  } >"$1"
}
q99="deliberation=99-1&group=naric&phase=1&destination=recipient_premises"

# --- 21/128 as shipped: a small passing extract, a failing one -------------------------------
# 8675309.. and QZXJWV are distinctive cell values that must never come back.
printf 'person_id,reference_period,sex,age_class\n8675309,2024Q1,1,25-29\n8675310,2024-05,2,30-34\n' \
  >"$T_DIR/ok.csv"
q128="deliberation=21/128&recipient=maastricht-sbe&group=naric&phase=1&destination=recipient_premises"
check "$delivery" "$q128" "$T_DIR/ok.csv"
t_expect_status 200
t_expect_json .verdict pass
t_expect_json .rows 2
t_expect_json .persons 2
t_expect_json .sha256 "$(sha256sum <"$T_DIR/ok.csv" | cut -d' ' -f1)"
t_expect_json '.check_id == .delivery_id and (.check_id | type) == "number"' true
first=$(jq -r .delivery_id <<<"$HTTP_BODY")

printf 'person_id,reference_period,sex,age_class\n8675311,2024Q1,QZXJWV,25-29\n' >"$T_DIR/bad.csv"
check "$delivery" "$q128" "$T_DIR/bad.csv"
t_expect_status 200
t_expect_json .verdict fail
t_expect_json .error_counts.not_in_code_list 1
t_expect_json 'has("delivery_id")' false
t_expect_json '.errors[0] | "\(.rule) \(.line) \(.column)"' "not_in_code_list 2 sex"
failed128=$(jq -r .check_id <<<"$HTTP_BODY")
[[ $(sql "SELECT verdict || ' ' || (error_counts->>'not_in_code_list') FROM deliveries WHERE id = $failed128") == "fail 1" ]] ||
  t_fail "the failed check is not recorded with its rule counts"

# phase 2 may not go to the recipient's premises: a check-level rule, still a 200
check "$delivery" "${q128/phase=1/phase=2}" "$T_DIR/ok.csv"
t_expect_status 200
t_expect_json .verdict fail
t_expect_json .error_counts.destination_not_allowed 1
failed128b=$(jq -r .check_id <<<"$HTTP_BODY")

# --- the cross-delivery cap (99/1: 5 persons per group in phase 1) ----------------------------
persons "$T_DIR/a.csv" 1 3
check "$delivery" "recipient=lab-one&$q99" "$T_DIR/a.csv"
t_expect_status 200
t_expect_json .verdict pass
t_expect_json .persons 3
a=$(jq -r .delivery_id <<<"$HTTP_BODY")

req POST "/v1/deliveries/$a/shipped" "$delivery"
t_expect_status 200
t_expect_json .shipped true
t_expect_json .shipped_by credential:1
t_expect_json .id "$a"
req POST "/v1/deliveries/$a/shipped" "$delivery"
t_expect_error 409 conflict

persons "$T_DIR/b.csv" 3 5 # 3 delivered before, 4 and 5 new: 5 in all, at the cap
check "$delivery" "recipient=lab-one&$q99" "$T_DIR/b.csv"
t_expect_json .verdict pass
b=$(jq -r .delivery_id <<<"$HTTP_BODY")

persons "$T_DIR/c.csv" 5 6 # 6 is new: over the cap
check "$delivery" "recipient=lab-one&$q99" "$T_DIR/c.csv"
t_expect_status 200
t_expect_json .verdict fail
t_expect_json '.error_counts | tojson' '{"sample_cap":1}'
t_expect_json '.errors | map("\(.rule) \(.line) \(.column)") | join(",")' "sample_cap 0 person_id"
t_expect_json 'has("delivery_id")' false
c=$(jq -r .check_id <<<"$HTTP_BODY")
# With data errors as well, the check-level sample_cap (line 0) still comes first and
# the errors stay in file order.
{ cat "$T_DIR/c.csv"; echo "6,2024Q1,9"; echo "5,2024Q2,7"; } >"$T_DIR/c2.csv"
check "$delivery" "recipient=lab-one&$q99" "$T_DIR/c2.csv"
t_expect_status 200
t_expect_json .verdict fail
t_expect_json '.error_counts | tojson' '{"not_in_code_list":2,"sample_cap":1}'
t_expect_json '.errors | map("\(.rule) \(.line)") | join(",")' \
  "sample_cap 0,not_in_code_list 6,not_in_code_list 7"
t_expect_json '[.errors[].line] == ([.errors[].line] | sort)' true
req POST "/v1/deliveries/$c/shipped" "$delivery"
t_expect_error 409 conflict
t_expect_json .error.message "check $c failed: only a passed check can be shipped"

persons "$T_DIR/d.csv" 1 5 # all delivered before: no new persons
check "$delivery" "recipient=lab-one&$q99" "$T_DIR/d.csv"
t_expect_json .verdict pass

persons "$T_DIR/six.csv" 11 16 # six in one extract: the validator's own cap
check "$delivery" "recipient=lab-two&$q99" "$T_DIR/six.csv"
t_expect_json .verdict fail
t_expect_json .error_counts.sample_cap 1

# other scopes: another group, another recipient, the uncapped phase 2
check "$delivery" "recipient=lab-one&${q99/naric/foreign_born}" "$T_DIR/c.csv"
t_expect_json .verdict pass
persons "$T_DIR/many.csv" 100 140
check "$delivery" "recipient=lab-one&deliberation=99-1&group=naric&phase=2&destination=secure_room" \
  "$T_DIR/many.csv"
t_expect_json .verdict pass
scope="recipient_id = 'lab-one' AND group_code = 'naric' AND phase = 1"
[[ $(sql "SELECT s.persons || ' ' || count(p.*) FROM cap_scopes s JOIN delivered_persons p ON p.scope_id = s.id WHERE $scope GROUP BY s.persons") == "5 5" ]] ||
  t_fail "lab-one/naric/phase 1 should hold exactly 5 persons"
[[ $(sql "SELECT count(*) FROM delivered_persons p LEFT JOIN deliveries d ON d.id = p.first_delivery_id WHERE d.verdict IS DISTINCT FROM 'pass'") == 0 ]] ||
  t_fail "a recorded person does not point to the passed delivery that reserved it"
[[ $(sql "SELECT string_agg(DISTINCT first_delivery_id::text, ',') FROM delivered_persons p JOIN cap_scopes s ON s.id = p.scope_id WHERE $scope") == "$a,$b" ]] ||
  t_fail "lab-one/naric/phase 1 persons should come from deliveries $a and $b"
[[ $(sql "SELECT count(*) FROM cap_scopes WHERE phase = 2") == 0 ]] ||
  t_fail "the uncapped phase 2 recorded persons"

# two concurrent checks of 3 new persons each against a cap of 5: exactly one passes
persons "$T_DIR/p.csv" 21 23
persons "$T_DIR/q.csv" 31 33
qc="recipient=lab-two&${q99/naric/foreign_born}"
pids=()
for f in p q; do
  printf 'header = "Authorization: Bearer %s"\n' "$delivery" >"$T_DIR/auth-$f.curl"
  curl -sk --max-time 60 --config "$T_DIR/auth-$f.curl" -H 'Content-Type: text/csv' \
    --data-binary "@$T_DIR/$f.csv" -o "$T_DIR/out-$f.json" "$T_URL/v1/checks?$qc" &
  pids+=($!)
done
wait "${pids[@]}" # not the server, also a child of this shell
rm -f "$T_DIR"/auth-?.curl
cat "$T_DIR/out-p.json" "$T_DIR/out-q.json" >>"$T_DIR/bodies"
verdicts=$(jq -rs 'map(.verdict) | sort | join(",")' "$T_DIR/out-p.json" "$T_DIR/out-q.json")
[[ $verdicts == "fail,pass" ]] || t_fail "concurrent checks crossing the cap: $verdicts, wanted fail,pass"

# --- shipping errors ---------------------------------------------------------------------------
req POST /v1/deliveries/999999/shipped "$delivery"
t_expect_error 404 not_found
req POST /v1/deliveries/abc/shipped "$delivery"
t_expect_error 400 invalid_parameter
for tok in "$gov" "$auditor" "$lab1"; do
  req POST "/v1/deliveries/$b/shipped" "$tok"
  t_expect_error 403 forbidden
done

# --- staged files -------------------------------------------------------------------------------
cp "$T_DIR/ok.csv" "$T_DIR/staging/ok.csv"
staged "$delivery" "$q128" '{"staged_file": "ok.csv"}'
t_expect_status 200
t_expect_json .verdict pass
t_expect_json .sha256 "$(sha256sum <"$T_DIR/ok.csv" | cut -d' ' -f1)"
ln -s /etc/passwd "$T_DIR/staging/out.csv"
ln -s ok.csv "$T_DIR/staging/in.csv"
mkfifo "$T_DIR/staging/fifo"
for name in ../x ../ok.csv /etc/passwd out.csv in.csv sub fifo . .. 'sub/../ok.csv' ''; do
  staged "$delivery" "$q128" "$(jq -cn --arg n "$name" '{staged_file: $n}')"
  t_expect_error 400 invalid_parameter
  t_expect_json .error.field staged_file
done
staged "$delivery" "$q128" '{"staged_file": "missing.csv"}'
t_expect_error 404 not_found
staged "$delivery" "$q128" '{"file": "ok.csv"}'
t_expect_error 400 invalid_parameter
staged "$delivery" "$q128" '{"staged_file": 7}'
t_expect_error 400 invalid_parameter

# a larger body (several MB, many buffer chunks) and the same file staged: same hash
{
  echo "person_id,reference_period,sex"
  for ((i = 0; i < 60000; i++)); do echo "$((i % 40 + 100)),2024Q$((i % 4 + 1)),$((i % 2 + 1))"; done
} >"$T_DIR/big.csv"
for ((i = 0; i < 3; i++)); do cat "$T_DIR/big.csv"; done | sed '1!{/^person_id/d}' >"$T_DIR/staging/big.csv"
big_sha=$(sha256sum <"$T_DIR/staging/big.csv" | cut -d' ' -f1)
qbig="recipient=lab-one&deliberation=99-1&group=naric&phase=2&destination=secure_room"
check "$delivery" "$qbig" "$T_DIR/staging/big.csv"
t_expect_json .verdict pass
t_expect_json .rows 180000
t_expect_json .sha256 "$big_sha"
t_expect_json .bytes "$(stat -c %s "$T_DIR/staging/big.csv")"
staged "$delivery" "$qbig" '{"staged_file": "big.csv"}'
t_expect_json .verdict pass
t_expect_json .sha256 "$big_sha"

# --- roles and parameters -----------------------------------------------------------------------
for tok in "$gov" "$auditor" "$lab1"; do
  check "$tok" "$q128" "$T_DIR/ok.csv"
  t_expect_error 403 forbidden
done
check "" "$q128" "$T_DIR/ok.csv"
t_expect_error 401 unauthenticated
base="recipient=maastricht-sbe&group=naric&phase=1&deliberation=21-128"
while read -r query field; do
  check "$delivery" "$query" "$T_DIR/ok.csv"
  t_expect_error 400 invalid_parameter
  t_expect_json .error.field "$field"
done <<EOF
recipient=maastricht-sbe&group=naric&phase=1 deliberation
${base/21-128/nonsense} deliberation
${base/21-128/21-128-3} deliberation
${base/recipient=maastricht-sbe&/} recipient
${base/maastricht-sbe/Maastricht%20SBE} recipient
${base/naric/NARIC} group
${base/naric/pharmacists} group
${base/phase=1/phase=x} phase
${base/phase=1/phase=0} phase
${base/&phase=1/} phase
$base&destination=../x destination
$base&destination=recipient_premises&dry_run=true&date=2025-02-30 date
$base&destination=recipient_premises&dry_run=true&date=20251201 date
EOF
# Recorded checks are dated by the server's clock; a date only with dry_run=true, and a
# destination wherever the terms list destinations for the phase (21/128: both).
counts="SELECT (SELECT count(*) FROM deliveries) || '/' || (SELECT count(*) FROM audit_events)"
before=$(sql "$counts")
while read -r query field; do
  check "$delivery" "$query" "$T_DIR/ok.csv"
  t_expect_error 400 invalid_parameter
  t_expect_json .error.field "$field"
done <<EOF
$base&destination=recipient_premises&date=2025-12-01 date
$base&destination=recipient_premises&dry_run=false&date=2025-12-01 date
$base&destination=recipient_premises&dry_run=maybe dry_run
$base destination
${base/phase=1/phase=2} destination
EOF
[[ $(sql "$counts") == "$before" ]] || t_fail "a refused check changed the database"
# a dry run: the report for that date, nothing recorded
check "$delivery" "$base&destination=recipient_premises&dry_run=true&date=2025-12-01" "$T_DIR/ok.csv"
t_expect_status 200
t_expect_json '"\(.verdict) \(.recorded) \(.date) \(has("check_id")) \(has("delivery_id"))"' \
  "pass false 2025-12-01 false false"
check "$delivery" "$base&destination=recipient_premises&dry_run=true&date=2031-02-01" "$T_DIR/ok.csv"
t_expect_json '"\(.verdict) \(.recorded) \(.error_counts.outside_validity)"' "fail false 1"
[[ $(sql "$counts") == "$before" ]] || t_fail "a dry run recorded something"
check "$delivery" "${base/21-128/98-7}" "$T_DIR/ok.csv"
t_expect_error 404 not_found

# a recorded check is dated today in Brussels
check "$delivery" "recipient=lab-one&deliberation=99-1&group=naric&phase=2&destination=secure_room" "$T_DIR/a.csv"
t_expect_status 200
t_expect_json .date "$(TZ=Europe/Brussels date +%F)"
t_expect_json .recorded true

# --- reading deliveries ---------------------------------------------------------------------------
req GET "/v1/deliveries/$a" "$auditor"
t_expect_status 200
t_expect_json '"\(.verdict) \(.shipped) \(.recipient) \(.deliberation) \(.group) \(.phase) \(.version)"' \
  "pass true lab-one 99/1 naric 1 1"
t_expect_json '.shipped_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T.*Z$")' true
req GET "/v1/deliveries/$first" "$lab1"
t_expect_error 404 not_found
req GET "/v1/deliveries/$a" "$lab1"
t_expect_status 200
req GET /v1/deliveries "$lab1"
t_expect_status 200
t_expect_json '[.deliveries[].recipient] | unique | join(",")' lab-one
req GET "/v1/deliveries?recipient=maastricht-sbe" "$lab1"
t_expect_error 403 forbidden
req GET "/v1/deliveries?recipient=maastricht-sbe&deliberation=21/128&verdict=fail" "$gov"
t_expect_status 200
t_expect_json '[.deliveries[].id] | map(tostring) | join(",")' "$failed128,$failed128b"
req GET "/v1/deliveries?limit=2" "$delivery"
t_expect_json '.deliveries | length' 2
next=$(jq -r .next_after <<<"$HTTP_BODY")
req GET "/v1/deliveries?limit=2&after=$next" "$delivery"
t_expect_json '.deliveries[0].id' $((next + 1))
req GET "/v1/deliveries?verdict=maybe" "$auditor"
t_expect_error 400 invalid_parameter
t_expect_json .error.field verdict
total=$(sql "SELECT count(*) FROM deliveries")
req GET "/v1/deliveries?limit=1000" "$auditor"
t_expect_json '.deliveries | length' "$total"

# --- history, audit --------------------------------------------------------------------------------
sql "UPDATE deliveries SET verdict = 'pass' WHERE id = $c" 2>/dev/null &&
  t_fail "a recorded verdict was changed"
sql "UPDATE deliveries SET shipped_by = 'someone' WHERE id = $a" 2>/dev/null &&
  t_fail "a shipped delivery was changed"
sql "DELETE FROM deliveries WHERE id = $b" 2>/dev/null && t_fail "a recorded check was deleted"
sql "DELETE FROM delivered_persons" 2>/dev/null && t_fail "delivered persons were deleted"
sql "UPDATE cap_scopes SET persons = 0" 2>/dev/null && t_fail "a cap scope was reset"
[[ $(sql "SELECT count(*) FROM audit_events WHERE action = 'delivery.checked'") == "$total" ]] ||
  t_fail "not every check was audited"
[[ $(sql "SELECT count(*) FROM audit_events WHERE action = 'delivery.shipped' AND object = 'delivery:$a'") == 1 ]] ||
  t_fail "the shipment was not audited"
t_run audit verify || t_fail "audit verify: $(cat "$T_DIR/run.err")"

# --- the person key: a replaced key is refused, the original works again --------------------------
cp "$T_DIR/person.key" "$T_DIR/person.key.orig"
head -c 32 /dev/urandom >"$T_DIR/person.key"
check "$delivery" "recipient=lab-one&$q99" "$T_DIR/a.csv"
t_expect_error 503 unavailable
check "$delivery" "$qbig" "$T_DIR/a.csv" # uncapped: needs no key
t_expect_status 200
chmod 644 "$T_DIR/person.key.orig"
cp -p "$T_DIR/person.key.orig" "$T_DIR/person.key"
check "$delivery" "recipient=lab-one&$q99" "$T_DIR/a.csv"
t_expect_error 503 unavailable # readable by others
chmod 600 "$T_DIR/person.key"
check "$delivery" "recipient=lab-one&$q99" "$T_DIR/a.csv"
t_expect_json .verdict pass

# --- no cell value anywhere ------------------------------------------------------------------------
sql "SELECT * FROM deliveries; SELECT * FROM audit_events; SELECT * FROM delivered_persons; SELECT * FROM cap_scopes" \
  >"$T_DIR/dump"
for value in 8675309 8675310 8675311 QZXJWV; do
  ! grep -q -- "$value" "$T_DIR/bodies" || t_fail "a cell value came back in a response"
  ! grep -q -- "$value" "$T_LOG" || t_fail "a cell value is in the daemon log"
  ! grep -q -- "$value" "$T_DIR/dump" || t_fail "a cell value is in the database"
done

# --- staging disabled -------------------------------------------------------------------------------
t_stop
t_config checks.staging_dir='""'
t_start
staged "$delivery" "$q128" '{"staged_file": "ok.csv"}'
t_expect_error 400 invalid_parameter
t_expect_json .error.field staged_file
t_done
