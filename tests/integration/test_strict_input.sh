#!/usr/bin/env bash
# Strict input (contract "Authority"), table-driven from the route table itself:
# `deliberd routes` lists every route with its roles and accepted query parameters,
# and for each one this test sends an unknown query parameter, a %00 and a control
# character, and expects 400 invalid_parameter naming the parameter, with nothing
# recorded (the audit trail and the deliveries do not change).  Then the vocabulary
# (unknown recipient, group, phase, destination: 400, no check recorded), control
# characters in JSON bodies, GET /v1/recipients and cross-recipient filters (403).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t_init strict_input
t_migrate
t_import "$DELIBERD_SOURCE_DIR/conf/deliberations/21-128.conf"
declare -A tok
tok[governance]=$(t_credential governance gov)
tok[delivery]=$(t_credential delivery del)
tok[recipient]=$(t_credential recipient rec maastricht-sbe)
tok[auditor]=$(t_credential auditor aud)
tok[output_checker]=$(t_credential output_checker chk)
t_start

# state: every audit event and every recorded check
state() {
  t_db "SELECT (SELECT count(*) FROM audit_events) || '/' || (SELECT count(*) FROM deliveries)"
}
before=$(state)

"$DELIBERD" routes >"$T_DIR/routes.tsv" || t_fail "deliberd routes failed"
nroutes=$(wc -l <"$T_DIR/routes.tsv")
((nroutes >= 20)) || t_fail "deliberd routes lists only $nroutes routes"

# expect400 FIELD: the last answer is 400 invalid_parameter naming FIELD
expect400() {
  t_expect_error 400 invalid_parameter
  t_expect_json '.error.field' "$1"
}

cases=0
while IFS=$'\t' read -r method pattern name roles params; do
  role=${roles%%,*}
  token=""
  [[ $role == public ]] || token=${tok[$role]}
  path=${pattern//\{ref\}/21-128}
  path=${path//\{id\}/1}
  path=$(sed 's/{[a-z_]*}/x/g' <<<"$path")
  curl_args=()
  [[ $method == GET ]] || curl_args=(-H 'Content-Type: application/json' --data-binary '{}')
  t_note "$method $pattern ($name, as $role, parameters: $params)"

  t_http "$method" "$path?zz_unknown=1" "$token" "${curl_args[@]}"
  expect400 zz_unknown
  cases=$((cases + 1))

  if [[ $params == - ]]; then
    t_http "$method" "$path?zz%00=1" "$token" "${curl_args[@]}"
    t_expect_error 400 invalid_parameter
    t_http "$method" "$path?zz=a%01b" "$token" "${curl_args[@]}"
    t_expect_error 400 invalid_parameter
    cases=$((cases + 2))
    continue
  fi
  IFS=, read -ra plist <<<"$params"
  for p in "${plist[@]}"; do
    t_http "$method" "$path?$p=a%00b" "$token" "${curl_args[@]}"
    expect400 "$p"
    t_http "$method" "$path?$p=a%07b" "$token" "${curl_args[@]}"
    expect400 "$p"
    t_http "$method" "$path?$p=a%1Bb" "$token" "${curl_args[@]}"
    expect400 "$p"
    t_http "$method" "$path?$p=a%C2%85b" "$token" "${curl_args[@]}"
    expect400 "$p"
    cases=$((cases + 4))
  done
  # the same parameter twice
  t_http "$method" "$path?${plist[0]}=1&${plist[0]}=2" "$token" "${curl_args[@]}"
  expect400 "${plist[0]}"
done <"$T_DIR/routes.tsv"
t_note "$cases refused requests over $nroutes routes"
[[ $(state) == "$before" ]] || t_fail "state changed: $before -> $(state)"

# Vocabulary: a check naming an unknown recipient, group, phase or destination is
# refused and never recorded.
printf 'person_id,reference_period,sex,age_class\n1,2024Q1,1,25-29\n' >"$T_DIR/ok.csv"
declare -A good=([deliberation]=21-128 [recipient]=maastricht-sbe [group]=naric [phase]=1
  [destination]=recipient_premises)
for bad in recipient=nobody group=nogroup phase=7 phase=x destination=moon; do
  field=${bad%%=*}
  q=$bad
  for k in "${!good[@]}"; do
    [[ $k == "$field" ]] || q+="&$k=${good[$k]}"
  done
  t_note "check with $bad"
  t_http POST "/v1/checks?$q" "${tok[delivery]}" -H 'Content-Type: text/csv' \
    --data-binary "@$T_DIR/ok.csv"
  expect400 "$field"
done
[[ $(state) == "$before" ]] || t_fail "a refused check was recorded: $before -> $(state)"

# Control characters in free-text JSON members.
t_http POST /v1/recipients "${tok[governance]}" -H 'Content-Type: application/json' \
  --data-binary '{"id":"x-org","name":"X\u0007Y"}'
expect400 name
t_http POST /v1/recipients "${tok[governance]}" -H 'Content-Type: application/json' \
  --data-binary '{"id":"x-org","name":"X","contact":"a\u0000b"}'
expect400 contact
t_http PATCH /v1/recipients/maastricht-sbe "${tok[governance]}" \
  -H 'Content-Type: application/json' --data-binary '{"contact":"line\nbreak"}'
expect400 contact
t_http POST /v1/destructions/1/confirmation "${tok[recipient]}" \
  -H 'Content-Type: application/json' --data-binary '{"note":"\u001b[31m"}'
expect400 note
[[ $(state) == "$before" ]] || t_fail "a refused body changed state: $before -> $(state)"

# GET /v1/recipients: everything for governance, only its own for a recipient.
t_http POST /v1/recipients "${tok[governance]}" -H 'Content-Type: application/json' \
  --data-binary '{"id":"other-org","name":"Other"}'
t_expect_status 201
t_http GET /v1/recipients "${tok[governance]}"
t_expect_status 200
t_expect_json '[.recipients[].id] | join(",")' maastricht-sbe,other-org
t_http GET '/v1/recipients?limit=1' "${tok[auditor]}"
t_expect_json '.recipients | length' 1
t_expect_json '.next' maastricht-sbe
t_http GET '/v1/recipients?after=maastricht-sbe' "${tok[auditor]}"
t_expect_json '[.recipients[].id] | join(",")' other-org
t_http GET /v1/recipients "${tok[recipient]}"
t_expect_json '[.recipients[].id] | join(",")' maastricht-sbe

# A filter naming another recipient, for a recipient credential: 403 on every route
# that takes one (derived from the table); its own is fine.
while IFS=$'\t' read -r method pattern name roles params; do
  [[ ,$params, == *,recipient,* && ,$roles, == *,recipient,* ]] || continue
  path=${pattern//\{ref\}/21-128}
  t_http "$method" "$path?recipient=other-org" "${tok[recipient]}"
  t_expect_error 403 forbidden
  t_expect_json '.error.field' recipient
  t_http "$method" "$path?recipient=maastricht-sbe" "${tok[recipient]}"
  t_expect_status 200
done <"$T_DIR/routes.tsv"
# governance may filter by any registered recipient, not by an unknown one
t_http GET '/v1/destructions?recipient=other-org' "${tok[governance]}"
t_expect_status 200
t_http GET '/v1/deliveries?recipient=nobody' "${tok[governance]}"
expect400 recipient

t_stop
t_done
