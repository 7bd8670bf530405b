#!/usr/bin/env bash
# test_audit_api: GET /v1/audit?after=SEQ&limit=N: auditors and governance read the
# trail (delivery and recipient get 403), oldest first, in pages linked by "next"
# (null on the last page); bad parameters are 400 naming the field; the events
# carry the chain (prev_hash = previous hash) and never a token.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t_init audit_api
t_migrate
auditor=$(t_credential auditor audra)
governance=$(t_credential governance gus)
delivery=$(t_credential delivery dora)
t_recipient maastricht-sbe
recipient=$(t_credential recipient rita maastricht-sbe)
for i in 1 2 3; do
  t_credential auditor "extra$i" >/dev/null
done
# 7 events so far: 7 credential.add
t_start

t_http GET /v1/audit "$auditor"
t_expect_status 200
t_expect_json '.events | length' 7
t_expect_json '.next' null
t_expect_json '.events[0].seq' 1
t_expect_json '.events[0].action' credential.add
t_expect_json '.events[0].object' credential:1
t_expect_json '.events[0].details.role' auditor
t_expect_json '.events[0].prev_hash' 0000000000000000000000000000000000000000000000000000000000000000
t_expect_json '(.events[1].prev_hash == .events[0].hash)' true
t_expect_json '.events[0].at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{6}Z$")' true
for tok in "$auditor" "$governance" "$delivery" "$recipient"; do
  grep -qF -- "${tok#dlb_}" <<<"$HTTP_BODY" && t_fail "a token appears in the audit trail"
done

# pages of 3: 1-3 (next 3), 4-6 (next 6), 7 (next null)
t_http GET '/v1/audit?limit=3' "$governance"
t_expect_status 200
t_expect_json '[.events[].seq] | join(",")' 1,2,3
t_expect_json '.next' 3
t_http GET '/v1/audit?after=3&limit=3' "$governance"
t_expect_json '[.events[].seq] | join(",")' 4,5,6
t_expect_json '.next' 6
t_http GET '/v1/audit?after=6&limit=3' "$governance"
t_expect_json '[.events[].seq] | join(",")' 7
t_expect_json '.next' null
t_http GET '/v1/audit?after=7' "$auditor"
t_expect_status 200
t_expect_json '.events | length' 0
t_expect_json '.next' null
# exactly a full last page: next is null, not a cursor to an empty page
t_http GET '/v1/audit?after=4&limit=3' "$auditor"
t_expect_json '[.events[].seq] | join(",")' 5,6,7
t_expect_json '.next' null

# roles
t_http GET /v1/audit "$delivery"
t_expect_error 403 forbidden
t_http GET /v1/audit "$recipient"
t_expect_error 403 forbidden
t_http GET /v1/audit
t_expect_error 401 unauthenticated

# bad parameters name the field
for q in 'after=-1' 'after=x' 'after=' 'after=99999999999999999999' 'limit=0' 'limit=1001' 'limit=2x'; do
  t_http GET "/v1/audit?$q" "$auditor"
  t_expect_error 400 invalid_parameter
  field=${q%%=*}
  grep -q "$field" <<<"$HTTP_BODY" || t_fail "400 for $q does not name $field: $HTTP_BODY"
done

# filters: action, subject, actor, from, to, with paging
t_run credential revoke --name extra2 || t_fail "revoke: $(cat "$T_DIR/run.err")"
t_http GET '/v1/audit?action=credential.revoke' "$auditor"
t_expect_status 200
t_expect_json '[.events[].action] | unique | join(",")' credential.revoke
t_expect_json '.events | length' 1
t_http GET '/v1/audit?action=credential.*' "$auditor"
t_expect_json '.events | length' 8
t_http GET '/v1/audit?action=nothing.like.this' "$auditor"
t_expect_json '.events | length' 0
t_http GET '/v1/audit?subject=credential:3' "$auditor"
t_expect_json '[.events[].object] | unique | join(",")' credential:3
t_expect_json '.events | length' 1
t_http GET '/v1/audit?subject=credential:*&action=credential.add&limit=2' "$auditor"
t_expect_json '[.events[].seq] | join(",")' 1,2
t_expect_json '.next' 2
t_http GET '/v1/audit?subject=credential:*&action=credential.add&limit=2&after=6' "$auditor"
t_expect_json '[.events[].seq] | join(",")' 7
t_expect_json '.next' null
actor=$(jq -r '.events[0].actor' <<<"$HTTP_BODY")
t_http GET "/v1/audit?actor=$actor" "$auditor"
t_expect_json "[.events[].actor] | unique | join(\",\")" "$actor"
t_http GET '/v1/audit?actor=credential:999' "$auditor"
t_expect_json '.events | length' 0
today=$(TZ=Europe/Brussels date +%F)
t_http GET "/v1/audit?from=$today&to=$today" "$auditor"
t_expect_json '.events | length' 8
t_http GET '/v1/audit?to=2001-01-01' "$auditor"
t_expect_json '.events | length' 0
t_http GET '/v1/audit?from=2999-01-01T00:00:00Z' "$auditor"
t_expect_json '.events | length' 0
t_http GET '/v1/audit?from=2001-01-01T00:00:00%2B01:00' "$auditor"
t_expect_json '.events | length' 8
for q in from=yesterday to=2025-13 from=2025-01-01T25 unknown=1; do
  t_http GET "/v1/audit?$q" "$auditor"
  t_expect_error 400 invalid_parameter
  t_expect_json .error.field "${q%%=*}"
done

t_stop
t_done
