#!/usr/bin/env bash
# The OpenAPI description (docs/openapi.json): served at /v1/openapi.json exactly as
# kept in the repository, a valid OpenAPI 3.1 document (swagger-parser), and real
# answers of the daemon, successes and errors, validate against the schemas it
# declares for them (tests/browser/openapi.check.mjs).  That every route is in it and
# the reverse is tests/unit/http/test_openapi.c.  Needs `npm ci` in tests/browser
# (scripts/test does it); skipped (exit 77) without it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/retention_lib.sh"

browser_dir="$DELIBERD_SOURCE_DIR/tests/browser"
if [[ ! -d $browser_dir/node_modules/@apidevtools/swagger-parser ]] || ! command -v node >/dev/null; then
  echo "SKIP openapi: needs node and 'npm ci' in tests/browser (scripts/test does it)"
  # scripts/test installs both, so there a skip would hide a broken set-up: fail.
  [[ -n ${DELIBERD_TEST_NO_SKIP:-} ]] && t_fail "the browser test's tools are missing"
  exit 77
fi

r_setup openapi
AUD=$(t_credential auditor aldo)
t_start
answers="$T_DIR/answers.jsonl"
: >"$answers"

# ans METHOD PATTERN PATH TOKEN [CURL-ARGS...]: one request; its answer is kept for
# validation against the description's schema for PATTERN and the status.
ans() {
  local method=$1 pattern=$2 path=$3 token=$4
  shift 4
  t_http "$method" "$path" "$token" "$@"
  local body=null
  if [[ -n $HTTP_BODY ]] && jq -e . >/dev/null 2>&1 <<<"$HTTP_BODY"; then
    body=$HTTP_BODY
  fi
  jq -cn --arg m "$method" --arg p "$pattern" --argjson s "$HTTP_STATUS" --argjson b "$body" \
    '{method: $m, pattern: $p, status: $s, body: $b}' >>"$answers"
}

t_http GET /v1/openapi.json "$AUD"
t_expect_status 200
cmp -s "$T_DIR/http.body" "$DELIBERD_SOURCE_DIR/docs/openapi.json" ||
  t_fail "/v1/openapi.json differs from docs/openapi.json"

q="deliberation=21-128&recipient=maastricht-sbe&group=naric&phase=1&destination=recipient_premises"
r_extract 1 "$T_DIR/a.csv"
printf 'person_id,reference_period,no_such_column\n1,2020Q1,x\n' >"$T_DIR/bad.csv"
ans GET /healthz /healthz ""
ans GET /v1/deliberations /v1/deliberations "$AUD"
ans GET '/v1/deliberations/{ref}' /v1/deliberations/21-128 "$AUD"
ans GET '/v1/deliberations/{ref}' /v1/deliberations/99-999 "$AUD"
ans GET '/v1/deliberations/{ref}/versions' /v1/deliberations/21-128/versions "$AUD"
ans GET '/v1/deliberations/{ref}/terms' '/v1/deliberations/21-128/terms?at=2025-12-01' "$AUD"
ans GET '/v1/deliberations/{ref}/terms' '/v1/deliberations/21-128/terms?at=2022-01-01' "$AUD"
ans GET '/v1/deliberations/{ref}/terms' '/v1/deliberations/21-128/terms?at=2031-13-01' "$AUD"
ans GET '/v1/deliberations/{ref}/odrl' /v1/deliberations/21-128/odrl "$AUD"
ans POST /v1/checks "/v1/checks?$q" "$DELIV" -H 'Content-Type: text/csv' --data-binary @"$T_DIR/a.csv"
id=$(jq -r .delivery_id <<<"$HTTP_BODY")
ans GET '/v1/checks/{id}' "/v1/checks/$id" "$AUD"
ans POST /v1/checks "/v1/checks?$q" "$DELIV" -H 'Content-Type: text/csv' --data-binary @"$T_DIR/bad.csv"
ans POST /v1/checks "/v1/checks?$q" "$AUD" -H 'Content-Type: text/csv' --data-binary @"$T_DIR/bad.csv"
ans POST '/v1/deliveries/{id}/shipped' "/v1/deliveries/$id/shipped" "$DELIV"
ans POST '/v1/deliveries/{id}/shipped' "/v1/deliveries/$id/shipped" "$DELIV"
ans GET /v1/deliveries /v1/deliveries "$AUD"
ans GET /v1/deliveries '/v1/deliveries?limit=0' "$AUD"
ans GET '/v1/deliveries/{id}' "/v1/deliveries/$id" "$REC"
ans GET '/v1/deliveries/{id}' /v1/deliveries/9999 "$REC"
ans POST /v1/recipients /v1/recipients "$GOV" -H 'Content-Type: application/json' -d '{"id": "other-org", "name": "Other"}'
ans POST /v1/recipients /v1/recipients "$GOV" -H 'Content-Type: application/json' -d '{"id": "other-org", "name": "Other"}'
ans GET '/v1/recipients/{id}' /v1/recipients/other-org "$AUD"
ans PATCH '/v1/recipients/{id}' /v1/recipients/other-org "$GOV" -H 'Content-Type: application/json' -d '{"contact": "dpo@example.org"}'
ans POST '/v1/deliveries/{id}/no-longer-needed' "/v1/deliveries/$id/no-longer-needed" "$REC"
order=$(jq -r .order.id <<<"$HTTP_BODY")
ans GET /v1/destructions /v1/destructions "$GOV"
ans GET '/v1/destructions/{id}' "/v1/destructions/$order" "$REC"
sha=$(jq -r '.deliveries[0].sha256' <<<"$HTTP_BODY")
r_confirm_body "$sha" >"$T_DIR/confirm.json"
ans POST '/v1/destructions/{id}/confirmation' "/v1/destructions/$order/confirmation" "$REC" \
  -H 'Content-Type: application/json' --data-binary @"$T_DIR/confirm.json"
ans POST '/v1/destructions/{id}/confirmation' "/v1/destructions/$order/confirmation" "$REC" \
  -H 'Content-Type: application/json' --data-binary @"$T_DIR/confirm.json"
ans POST /v1/holds /v1/holds "$GOV" -H 'Content-Type: application/json' \
  -d '{"deliberation": "21/128", "recipient": "maastricht-sbe", "reason": "court order", "reference": "AR 2026/1"}'
hold=$(jq -r .id <<<"$HTTP_BODY")
ans GET /v1/holds /v1/holds "$REC"
ans POST '/v1/holds/{id}/release' "/v1/holds/$hold/release" "$GOV" -H 'Content-Type: application/json' -d '{"reason": "lifted"}'
ans POST /v1/deliveries/import /v1/deliveries/import "$GOV" -H 'Content-Type: application/json' \
  -d "{\"deliberation\": \"21/128\", \"recipient\": \"maastricht-sbe\", \"group\": \"naric\", \"phase\": 1, \"destination\": \"recipient_premises\", \"delivered_on\": \"2024-03-01\", \"sha256\": \"$(printf 'ab%.0s' {1..32})\", \"rows\": 10, \"persons\": 10, \"note\": \"before deliberd\"}"
ans GET /v1/recipients /v1/recipients "$AUD"
ans GET /v1/attestations /v1/attestations "$REC"
ans GET /v1/outputs '/v1/outputs?status=pending' "$AUD"
ans GET '/v1/outputs/{id}' /v1/outputs/999 "$AUD"
ans GET /v1/deliberations '/v1/deliberations?limit=1' "$AUD"
ans GET /v1/audit '/v1/audit?action=session.*&from=2020-01-01' "$AUD"
ans GET /v1/signing-certificates /v1/signing-certificates "$AUD"
ans GET /v1/audit '/v1/audit?limit=5' "$AUD"
ans GET /v1/audit /v1/audit "$REC"
ans GET /v1/audit /v1/audit ""
ans GET /v1/audit/verification /v1/audit/verification "$AUD"
ans POST /v1/session /v1/session "$AUD"
ans GET /v1/session /v1/session "$AUD"

node "$browser_dir/openapi.check.mjs" "$DELIBERD_SOURCE_DIR/docs/openapi.json" "$answers" ||
  t_fail "the description or an answer does not validate"
t_done
