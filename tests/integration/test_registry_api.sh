#!/usr/bin/env bash
# test_registry_api: /v1/deliberations and /v1/recipients over HTTPS.  Every role
# reads; delivery, recipient and auditor tokens get 403 on every write route; a
# recipient not named by a deliberation gets 404 on it (and an empty list); terms and
# ODRL on a date; an amendment (JSON) appends version 4 moving the deadline and leaves
# version 3 byte for byte; taken numbers and existing deliberations are 409;
# validation errors are 400 naming the field; a deliberation file posted as
# text/plain registers a new deliberation; the webhook secret is never returned.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export DELIBERD_TEST_DB_PREFIX=${DELIBERD_TEST_DB_PREFIX:-registry_}

t_init registry_api
t_migrate
conf=$DELIBERD_SOURCE_DIR/conf/deliberations/21-128.conf
t_run import "$conf" || t_fail "import: $(cat "$T_DIR/run.err")"
gov=$(t_credential governance gina)
delivery=$(t_credential delivery dora)
auditor=$(t_credential auditor audra)
t_recipient other-lab
maastricht=$(t_credential recipient rita maastricht-sbe)
other=$(t_credential recipient oscar other-lab)
t_start

sql() {
  psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$T_DB" -c "$1"
}
json() { # POST with a JSON body
  t_http POST "$1" "$2" -H 'Content-Type: application/json' --data-binary "$3"
}

# --- reads ---------------------------------------------------------------------------
for tok in "$gov" "$delivery" "$auditor" "$maastricht"; do
  t_http GET /v1/deliberations "$tok"
  t_expect_status 200
  t_expect_json '.deliberations | map(.reference) | join(",")' 21/128
  t_http GET /v1/deliberations/21-128 "$tok"
  t_expect_status 200
  t_expect_json .reference 21/128
  t_expect_json '.versions | length' 3
  t_http GET /v1/deliberations/21-128/versions "$tok"
  t_expect_status 200
  t_expect_json '[.versions[].terms_on_record] | map(tostring) | join(",")' false,false,true
done

# a recipient the deliberation does not name: as if it did not exist
t_http GET /v1/deliberations "$other"
t_expect_status 200
t_expect_json '.deliberations | length' 0
for path in /v1/deliberations/21-128 /v1/deliberations/21-128/versions \
  "/v1/deliberations/21-128/terms?at=2025-12-01" "/v1/deliberations/21-128/odrl?at=2025-12-01"; do
  t_http GET "$path" "$other"
  t_expect_error 404 not_found
done
t_http GET /v1/deliberations/21-999 "$gov"
t_expect_error 404 not_found
t_http GET /v1/deliberations/nonsense "$gov"
t_expect_error 400 invalid_parameter
t_expect_json .error.field reference

t_http GET "/v1/deliberations/21-128/terms?at=2025-12-01" "$maastricht"
t_expect_status 200
t_expect_json .version 3
t_expect_json '.variables | length' 76
t_expect_json '.groups | length' 3
t_expect_json .retention_until 2031-01-31
t_expect_json .deadline 2031-01-31
t_expect_json .number 3
t_expect_json .in_force true
t_expect_json .at 2025-12-01
terms3=$HTTP_BODY
t_http GET "/v1/deliberations/21-128/terms?at=2024-06-01" "$delivery"
t_expect_json .version 2
t_expect_json .terms_on_record false
t_http GET "/v1/deliberations/21-128/terms?at=2021-01-01" "$auditor"
t_expect_error 404 not_found
t_expect_json .error.message "no version of 21/128 was in force on 2021-01-01"
t_http GET "/v1/deliberations/21-128/terms?at=2025-13-01" "$auditor"
t_expect_error 400 invalid_parameter
t_expect_json .error.field at

t_http GET "/v1/deliberations/21-128/odrl?at=2025-12-01" "$auditor"
t_expect_status 200
jq -e . <<<"$HTTP_BODY" >/dev/null || t_fail "ODRL is not JSON"
[[ $HTTP_BODY == *2031-01-31* ]] || t_fail "ODRL does not carry the deadline"
t_expect_json .uid urn:deliberd:deliberation:21-128:version:3

# --- writes: governance only ------------------------------------------------------------
# (in force from a past date: retroactive, with a reason; decided by the committee)
amend4=$(jq -c '{number: 4, decided_on: "2026-03-02", in_force_from: "2026-03-16",
  decision_reference: "ISC/26/042", source_sha256: "abababababababababababababababababababababababababababababababab", retroactive: true,
  reason: "recorded late", summary: "Amendment: destroy by 30 June 2030", terms_on_record: true,
  terms: {retention_until: "2030-06-30", recipients, phases, groups, variables}}' <<<"$terms3")
recipient='{"id":"acme-lab","name":"ACME lab","organisation":"ACME","webhook_url":"https://acme.example/hook","webhook_secret":"s3cret-s3cret-s3cret"}'
for tok in "$delivery" "$maastricht" "$other" "$auditor"; do
  json /v1/deliberations "$tok" '{}'
  t_expect_error 403 forbidden
  t_http POST /v1/deliberations "$tok" -H 'Content-Type: text/plain' --data-binary "@$conf"
  t_expect_error 403 forbidden
  json /v1/deliberations/21-128/versions "$tok" "$amend4"
  t_expect_error 403 forbidden
  json /v1/recipients "$tok" "$recipient"
  t_expect_error 403 forbidden
done
[[ $(sql "SELECT count(*) FROM deliberation_versions") == 3 ]] || t_fail "a refused write changed something"

# an amendment moving the deadline: version 4, version 3 untouched
v3_before=$(sql "SELECT terms_sha256 || ' ' || md5(terms_json) FROM deliberation_versions WHERE number = 3")
events=$(sql "SELECT count(*) FROM audit_events")
json /v1/deliberations/21-128/versions "$gov" "$amend4"
t_expect_status 201
t_expect_json '.versions | length' 4
t_expect_json .recorded_versions.first 4
v3_after=$(sql "SELECT terms_sha256 || ' ' || md5(terms_json) FROM deliberation_versions WHERE number = 3")
[[ $v3_before == "$v3_after" ]] || t_fail "version 3 changed with the amendment"
[[ $(sql "SELECT count(*) FROM audit_events") -gt $events ]] || t_fail "no audit event for the amendment"
[[ $(sql "SELECT actor FROM audit_events ORDER BY seq DESC LIMIT 1") == credential:* ]] ||
  t_fail "amendment audited with actor $(sql "SELECT actor FROM audit_events ORDER BY seq DESC LIMIT 1")"
# proposed: it counts once a second governance credential approves it
t_http GET "/v1/deliberations/21-128/terms?at=2026-04-01" "$maastricht"
t_expect_json .version 3
gov2=$(t_credential governance gwen)
t_approve 21-128 4 "$gov2"
t_http GET "/v1/deliberations/21-128/terms?at=2026-04-01" "$maastricht"
t_expect_json .version 4
t_expect_json .retention_until 2030-06-30
t_http GET "/v1/deliberations/21-128/odrl?at=2026-04-01" "$maastricht"
[[ $HTTP_BODY == *2030-06-30* ]] || t_fail "ODRL of version 4 does not carry its deadline"

# the same number again: taken; a gap; an earlier in_force_from; a bad body
json /v1/deliberations/21-128/versions "$gov" "$amend4"
t_expect_error 409 conflict
t_expect_json .error.field number
json /v1/deliberations/21-128/versions "$gov" "$(jq -c '.number = 7' <<<"$amend4")"
t_expect_error 400 invalid_parameter
t_expect_json .error.field number
json /v1/deliberations/21-128/versions "$gov" "$(jq -c '.number = 5 | .in_force_from = "2026-03-01"' <<<"$amend4")"
t_expect_error 400 invalid_parameter
t_expect_json .error.field in_force_from
json /v1/deliberations/21-128/versions "$gov" "$(jq -c '.number = 5 | .in_force_from = "2026-06-01" | .terms.variables[2].type = "colour"' <<<"$amend4")"
t_expect_error 400 invalid_parameter
t_expect_json .error.field terms.variables[2].type
json /v1/deliberations/21-999/versions "$gov" "$(jq -c '.number = 1' <<<"$amend4")"
t_expect_error 404 not_found
[[ $(sql "SELECT count(*) FROM deliberation_versions") == 4 ]] || t_fail "a refused amendment recorded something"

# an existing deliberation: 409; a new one from a file (text/plain): 201
t_http POST /v1/deliberations "$gov" -H 'Content-Type: text/plain' --data-binary "@$conf"
t_expect_error 409 conflict
sed 's#reference = "21/128"#reference = "22/001"#' "$conf" >"$T_DIR/22-001.conf"
t_http POST /v1/deliberations "$gov" -H 'Content-Type: application/x-libconfig' --data-binary "@$T_DIR/22-001.conf"
t_expect_status 201
t_expect_json .reference 22/001
t_expect_json '.versions | length' 3
t_http POST /v1/deliberations "$gov" -H 'Content-Type: text/plain' --data-binary 'deliberation = { reference = "23/1"; };'
t_expect_error 400 invalid_parameter
[[ -n $(jq -r .error.field <<<"$HTTP_BODY") ]] || t_fail "file error names no field: $HTTP_BODY"
json /v1/deliberations "$gov" '{"reference": "23/1", "title": 5}'
t_expect_error 400 invalid_parameter
t_http POST /v1/deliberations "$gov" -H 'Content-Type: image/png' --data-binary 'x'
t_expect_error 400 invalid_parameter

# --- recipients ---------------------------------------------------------------------------
json /v1/recipients "$gov" "$recipient"
t_expect_status 201
t_expect_json .id acme-lab
t_expect_json .webhook_secret_set true
[[ $HTTP_BODY != *s3cret* ]] || t_fail "the webhook secret was returned"
json /v1/recipients "$gov" "$recipient"
t_expect_error 409 conflict
json /v1/recipients "$gov" '{"id":"bad id","name":"x"}'
t_expect_error 400 invalid_parameter
t_expect_json .error.field id
json /v1/recipients "$gov" '{"id":"ok-lab"}'
t_expect_error 400 invalid_parameter
t_expect_json .error.field name
json /v1/recipients "$gov" '{"id":"ok-lab","name":"x","webhook_url":"https://x.example/h"}'
t_expect_error 400 invalid_parameter
t_expect_json .error.field webhook_secret
json /v1/recipients "$gov" '{"id":"ok-lab","name":"x","colour":"red"}'
t_expect_error 400 invalid_parameter
t_expect_json .error.field colour
t_http GET /v1/recipients/acme-lab "$auditor"
t_expect_status 200
[[ $HTTP_BODY != *s3cret* ]] || t_fail "the webhook secret was returned"
t_http GET /v1/recipients/maastricht-sbe "$maastricht"
t_expect_status 200
t_expect_json .name "Maastricht University School of Business and Economics"
t_http GET /v1/recipients/acme-lab "$maastricht"
t_expect_error 404 not_found
t_http GET /v1/recipients/nobody "$gov"
t_expect_error 404 not_found

t_stop
[[ $T_EXIT == 0 ]] || t_fail "exit status $T_EXIT after SIGTERM"
t_done
