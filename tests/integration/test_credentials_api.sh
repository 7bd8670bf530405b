#!/usr/bin/env bash
# Credentials over the API (contract "Authority"): governance lists, creates (the
# token answered once) and revokes; a revoked or expired token is 401; a recipient
# credential needs a registered recipient; last_used_at follows use; every change
# is audited.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t_init credentials_api
t_migrate
t_recipient maastricht-sbe
gov=$(t_credential governance gina)
aud=$(t_credential auditor audra)
del=$(t_credential delivery dora)
t_start
json=(-H 'Content-Type: application/json')

t_http GET /v1/credentials "$gov"
t_expect_status 200
t_expect_json '[.credentials[].name] | join(",")' gina,audra,dora
t_expect_json '.credentials[0] | has("token") or has("token_sha256")' false
t_expect_json '.credentials[0].last_used_at | type' string
t_expect_json '.credentials[2].last_used_at' null
t_http GET '/v1/credentials?limit=2' "$aud"
t_expect_json '[.credentials[].id] | join(",")' 1,2
t_expect_json .next 2
t_http GET '/v1/credentials?after=2' "$aud"
t_expect_json '[.credentials[].id] | join(",")' 3
t_http GET /v1/credentials "$del"
t_expect_error 403 forbidden

# create: the token once, usable at once
t_http POST /v1/credentials "$gov" "${json[@]}" \
  --data-binary '{"name":"rita","role":"recipient","recipient":"maastricht-sbe","expires_at":"2999-12-31"}'
t_expect_status 201
t_expect_json .role recipient
t_expect_json .recipient maastricht-sbe
t_expect_json .expires_at 2999-12-31T23:00:00Z
t_expect_json .status active
rita=$(jq -r .token <<<"$HTTP_BODY")
rita_id=$(jq -r .id <<<"$HTTP_BODY")
[[ $rita =~ ^dlb_ ]] || t_fail "no token in the 201 answer"
t_http GET /v1/recipients "$rita"
t_expect_status 200
t_http GET /v1/credentials "$gov"
grep -qF "${rita#dlb_}" <<<"$HTTP_BODY" && t_fail "the token is listed"
t_expect_json ".credentials[] | select(.id == $rita_id) | .last_used_at | type" string

# refusals
t_http POST /v1/credentials "$gov" "${json[@]}" \
  --data-binary '{"name":"ghost","role":"recipient","recipient":"nobody"}'
t_expect_error 400 invalid_parameter
t_expect_json .error.field recipient
t_http POST /v1/credentials "$gov" "${json[@]}" --data-binary '{"name":"x","role":"king"}'
t_expect_json .error.field role
t_http POST /v1/credentials "$gov" "${json[@]}" \
  --data-binary '{"name":"x","role":"auditor","expires_at":"2001-01-01"}'
t_expect_error 400 invalid_parameter
t_expect_json .error.field expires_at
t_http POST /v1/credentials "$gov" "${json[@]}" --data-binary '{"name":"gina","role":"auditor"}'
t_expect_error 409 conflict
t_http POST /v1/credentials "$gov" "${json[@]}" \
  --data-binary '{"name":"x","role":"auditor","admin":true}'
t_expect_json .error.field admin
t_http POST /v1/credentials "$aud" "${json[@]}" --data-binary '{"name":"x","role":"auditor"}'
t_expect_error 403 forbidden

# an output checker may be created too
t_http POST /v1/credentials "$gov" "${json[@]}" --data-binary '{"name":"olga","role":"output_checker"}'
t_expect_status 201

# revocation: 401 afterwards, 409 twice, 404 unknown
t_http POST "/v1/credentials/$rita_id/revocation" "$gov"
t_expect_status 200
t_expect_json .status revoked
t_http GET /v1/recipients "$rita"
t_expect_error 401 unauthenticated
t_http POST "/v1/credentials/$rita_id/revocation" "$gov"
t_expect_error 409 conflict
t_http POST /v1/credentials/999/revocation "$gov"
t_expect_error 404 not_found

# expiry: a credential whose expiry has passed is 401
t_http POST /v1/credentials "$gov" "${json[@]}" \
  --data-binary '{"name":"brief","role":"auditor","expires_at":"2999-01-01T00:00:00Z"}'
t_expect_status 201
brief=$(jq -r .token <<<"$HTTP_BODY")
t_http GET /v1/audit "$brief"
t_expect_status 200
t_db "UPDATE credentials SET expires_at = now() - interval '1 second' WHERE name = 'brief'" >/dev/null
t_http GET /v1/audit "$brief"
t_expect_error 401 unauthenticated
t_http GET /v1/credentials "$gov"
t_expect_json '.credentials[] | select(.name == "brief") | .status' expired

# audited
t_http GET '/v1/audit?action=credential.*' "$aud"
t_expect_json '[.events[].action] | join(",")' \
  credential.add,credential.add,credential.add,credential.add,credential.add,credential.revoke,credential.add
t_expect_json '.events[3].details.expires_at' 2999-12-31

t_stop
t_done
