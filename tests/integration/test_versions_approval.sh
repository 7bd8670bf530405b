#!/usr/bin/env bash
# Versions are proposed, then approved by a second person (contract "Authority"):
# `deliberd import --as` proposes a new deliberation's versions, which count nowhere
# until another governance credential approves them (the proposer: refused,
# same_person); an API amendment extending retention changes nothing while proposed
# or after rejection; a retroactive amendment needs "retroactive" and a reason, and
# its approval lists the recorded checks dated in its window.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t_init versions_approval
t_migrate
alice=$(t_credential governance alice)
bob=$(t_credential governance bob)
t_credential auditor audra >/dev/null
conf="$DELIBERD_SOURCE_DIR/conf/deliberations/21-128.conf"

# --- the CLI: import --as proposes, approve --as a second person ---------------------------
t_run import --as nobody "$conf" && t_fail "import --as an unknown credential worked"
t_run import --as audra "$conf" && t_fail "import --as a non-governance credential worked"
t_run import --as alice "$conf" || t_fail "import --as alice: $(cat "$T_DIR/run.err")"
[[ $(t_db "SELECT string_agg(state, ',' ORDER BY number) FROM version_approvals") == \
  proposed,proposed,proposed ]] || t_fail "imported versions are not proposed"
t_run terms 21/128 --at 2025-12-01 && t_fail "terms of an unapproved deliberation answered"
t_run approve 21-128 --as alice && t_fail "the proposer approved"
grep -q "different governance credential" "$T_DIR/run.err" || t_fail "same person: $(cat "$T_DIR/run.err")"
t_run approve 21-128 --as bob || t_fail "approve --as bob: $(cat "$T_DIR/run.err")"
[[ $(jq -r '[.versions[].state] | join(",")' "$T_DIR/run.out") == approved,approved,approved ]] ||
  t_fail "approve output: $(cat "$T_DIR/run.out")"
t_run approve 21-128 --as bob && t_fail "approving with nothing proposed worked"
t_run history 21-128 || t_fail "history: $(cat "$T_DIR/run.err")"
grep -q 'state approved; proposed by credential:1; approved by credential:2' "$T_DIR/run.out" ||
  t_fail "history: $(cat "$T_DIR/run.out")"

delivery=$(t_credential delivery dora)
t_start
t_http GET "/v1/deliberations/21-128/terms" "$bob"
t_expect_status 200
t_expect_json .version 3
t_expect_json .retention_until 2031-01-31
t_http GET /v1/deliberations/21-128/versions "$bob"
t_expect_json '[.versions[] | .state + ":" + .proposed_by + ":" + .approved_by] | join(",")' \
  approved:credential:1:credential:2,approved:credential:1:credential:2,approved:credential:1:credential:2

# a recorded check, dated today
printf 'person_id,reference_period,sex,age_class\n1,2024Q1,1,25-29\n' >"$T_DIR/ok.csv"
t_http POST '/v1/checks?deliberation=21-128&recipient=maastricht-sbe&group=naric&phase=1&destination=recipient_premises' \
  "$delivery" -H 'Content-Type: text/csv' --data-binary "@$T_DIR/ok.csv"
t_expect_status 200
check=$(jq -r .delivery_id <<<"$HTTP_BODY")
t_http GET "/v1/deliveries/$check" "$bob"
t_expect_json .terms_superseded false

today=$(TZ=Europe/Brussels date +%F)
sha=$(printf 'signed decision' | sha256sum | cut -d' ' -f1)
v3=$(t_db "SELECT terms_json FROM deliberation_versions WHERE reference = '21/128' AND number = 3")
json=(-H 'Content-Type: application/json')

# --- a retroactive amendment: explicit, and it names the checks it supersedes --------------
v4=$(jq -c --arg s "$sha" '.number = 4 | .decided_on = "2025-12-01" | .in_force_from = "2025-12-01" |
  .source_sha256 = $s | .decision_reference = "ISC/26/101"' <<<"$v3")
t_http POST /v1/deliberations/21-128/versions "$alice" "${json[@]}" --data-binary "$v4"
t_expect_error 400 invalid_parameter
t_expect_json .error.field retroactive
t_http POST /v1/deliberations/21-128/versions "$alice" "${json[@]}" \
  --data-binary "$(jq -c '.retroactive = true' <<<"$v4")"
t_expect_json .error.field reason
t_http POST /v1/deliberations/21-128/versions "$alice" "${json[@]}" \
  --data-binary "$(jq -c '.retroactive = true | .reason = "the committee corrected its decision"' <<<"$v4")"
t_expect_status 201
t_http POST /v1/deliberations/21-128/versions/4/approval "$bob"
t_expect_status 200
t_expect_json '.versions[0].state' approved
t_expect_json '.versions[0].retroactive' true
t_expect_json '.versions[0].affected_deliveries | map(tostring) | join(",")' "$check"
t_http GET "/v1/deliberations/21-128/terms?at=$today" "$bob"
t_expect_json .version 4
t_http GET "/v1/deliveries/$check" "$bob"
t_expect_json .terms_superseded true

# --- an amendment extending retention: nothing changes until it is approved ----------------
v5=$(jq -c --arg d "$today" --arg s "$sha" '.number = 5 | .decided_on = $d | .in_force_from = $d |
    .source_sha256 = $s | .decision_reference = "ISC/26/100" | .terms.retention_until = "2035-01-31"' <<<"$v3")
for missing in decision_reference source_sha256; do
  t_http POST /v1/deliberations/21-128/versions "$alice" "${json[@]}" \
    --data-binary "$(jq -c "del(.$missing)" <<<"$v5")"
  t_expect_error 400 invalid_parameter
  t_expect_json .error.field "$missing"
done
t_http POST /v1/deliberations/21-128/versions "$alice" "${json[@]}" --data-binary "$v5"
t_expect_status 201
t_http GET /v1/deliberations/21-128/versions "$bob"
t_expect_json '.versions[4].state' proposed
t_expect_json '.versions[4].approved_by' null
t_expect_json '.versions[4].decision_reference' ISC/26/100
t_http GET "/v1/deliberations/21-128/terms?at=$today" "$bob"
t_expect_json .version 4
t_expect_json .retention_until 2031-01-31
t_http GET "/v1/deliberations/21-128/odrl?at=$today" "$bob"
[[ $HTTP_BODY != *2035-01-31* ]] || t_fail "ODRL shows the unapproved deadline"
[[ $(t_db "SELECT retention_until FROM retention_deadlines(now())") == 2031-01-31 ]] ||
  t_fail "retention follows an unapproved version"
t_http POST /v1/deliberations/21-128/versions/5/approval "$alice"
t_expect_error 403 same_person
t_http POST /v1/deliberations/21-128/versions/5/rejection "$bob"
t_expect_status 200
t_expect_json '.versions[0].state' rejected
t_http POST /v1/deliberations/21-128/versions/5/approval "$bob"
t_expect_error 409 not_proposed
t_http POST /v1/deliberations/21-128/versions/9/approval "$bob"
t_expect_error 404 not_found
t_http GET "/v1/deliberations/21-128/terms?at=$today" "$bob"
t_expect_json .retention_until 2031-01-31
[[ $(t_db "SELECT retention_until FROM retention_deadlines(now())") == 2031-01-31 ]] ||
  t_fail "retention follows a rejected version"

# every decision is audited
t_http GET '/v1/audit?action=deliberation.version_*' "$bob"
t_expect_json '[.events[].action] | join(",")' \
  deliberation.version_propose,deliberation.version_propose,deliberation.version_propose,deliberation.version_approve,deliberation.version_approve,deliberation.version_approve,deliberation.version_propose,deliberation.version_approve,deliberation.version_propose,deliberation.version_reject

t_stop
t_done
