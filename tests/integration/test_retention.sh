#!/usr/bin/env bash
# test_retention: the retention flow end to end.  Two deliveries of 21/128 shipped to
# maastricht-sbe; the scheduler orders nothing ten seconds before the deadline order
# is issued (2030-11-02T23:59:50+01:00, 90 days before due_at), one order covering both
# at 2030-11-03 00:00 Brussels (the dry run before printed the same), and still one when
# run again; another recipient cannot list, read or confirm it (404), a
# delivery token cannot confirm (403); an incomplete confirmation is refused naming the
# missing delivery; the complete one issues a certificate that the stock openssl
# command line verifies, and that fails verification after a one-byte change; a second
# confirmation is refused; the audit chain verifies.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/retention_lib.sh"

r_setup retention
t_start

# a second recipient with its own token
t_http POST /v1/recipients "$GOV" -H 'Content-Type: application/json' \
  -d '{"id":"other-uni","name":"Other University"}'
[[ $HTTP_STATUS == 201 || $HTTP_STATUS == 200 ]] || t_fail "recipient: $HTTP_STATUS $HTTP_BODY"
OTHER=$(t_credential recipient otto other-uni)

r_extract 1 "$T_DIR/a.csv"
r_extract 2 "$T_DIR/b.csv"
r_ship "$T_DIR/a.csv"
D1=$R_ID
r_ship "$T_DIR/b.csv"
D2=$R_ID
SHA1=$(sha256sum "$T_DIR/a.csv" | cut -d' ' -f1)
SHA2=$(sha256sum "$T_DIR/b.csv" | cut -d' ' -f1)

# the order is issued retention.order_lead_days (90) before due_at (2031-02-01 00:00
# Brussels), at 00:00 Brussels: the last second before, nothing is due
# 10 s before midnight, not 1: a real round runs at the real now, and the process
# (started under libfaketime at that instant, its clock running on) may need more
# than a second to reach its round under load.
r_round 2030-11-02T23:59:50+01:00
r_round_expect '.ordered | length' 0
[[ $(r_sql "SELECT count(*) FROM destruction_orders") == 0 ]] || t_fail "an order before the lead time"

# a dry run at midnight shows the order and changes nothing
r_round 2030-11-03T00:00:00+01:00 --dry-run
r_round_expect '.dry_run' true
r_round_expect '.ordered | length' 1
r_round_expect '.ordered[0].deliveries' 2
r_round_expect '.ordered[0].order' null
DRY=$ROUND
[[ $(r_sql "SELECT count(*) FROM destruction_orders") == 0 ]] || t_fail "the dry run ordered"

# 2030-11-03 00:00 Brussels: one order covering both deliveries, due 2031-02-01 00:00
r_round 2030-11-03T00:00:00+01:00
r_round_expect '.ordered | length' 1
r_round_expect '.ordered[0].trigger' deadline
r_round_expect '.ordered[0].due_at' 2031-01-31T23:00:00Z
# the dry run printed what the real round did
[[ $(jq -S 'del(.dry_run, .at)' <<<"$DRY") == "$(jq -S 'del(.dry_run, .at)' <<<"$ROUND")" ]] ||
  t_fail "dry run and real round differ: $DRY vs $ROUND"
ORDER=$(r_last_order)
[[ $(r_sql "SELECT string_agg(delivery_id::text, ',' ORDER BY delivery_id) FROM destruction_order_deliveries WHERE order_id = $ORDER") == "$D1,$D2" ]] ||
  t_fail "the order does not cover both deliveries"
# its audit record names the deliveries compactly: a count and a digest of the sorted ids
[[ $(r_sql "SELECT (details->>'deliveries') || ' ' || (details->>'deliveries_sha256') FROM audit_events WHERE action = 'destruction.ordered'") == "2 $(printf '%s\n' "$D1" "$D2" | sha256sum | cut -d' ' -f1)" ]] ||
  t_fail "the order's audit record does not name its deliveries by count and digest"

# again, and later: still one order
r_round 2030-11-03T00:00:00+01:00
r_round_expect '.ordered | length' 0
r_round 2030-11-20T12:00:00+01:00
r_round_expect '.ordered | length' 0
[[ $(r_sql "SELECT count(*) FROM destruction_orders") == 1 ]] || t_fail "more than one order"

# the recipient lists and reads it
t_http GET /v1/destructions "$REC"
t_expect_status 200
t_expect_json '.destructions | length' 1
t_expect_json '.destructions[0].id' "$ORDER"
t_expect_json '.destructions[0].status' open
t_http GET "/v1/destructions?status=open" "$GOV"
t_expect_json '.destructions | length' 1
t_http GET "/v1/destructions?status=confirmed" "$GOV"
t_expect_json '.destructions | length' 0
t_http GET "/v1/destructions?status=bogus" "$GOV"
t_expect_error 400 invalid_parameter
t_http GET "/v1/destructions/$ORDER" "$REC"
t_expect_status 200
t_expect_json '.deliveries | length' 2

# another recipient sees nothing of it
t_http GET /v1/destructions "$OTHER"
t_expect_status 200
t_expect_json '.destructions | length' 0
t_http GET "/v1/destructions?recipient=maastricht-sbe" "$OTHER"
t_expect_json '.destructions | length' 0
t_http GET "/v1/destructions/$ORDER" "$OTHER"
t_expect_error 404 not_found
t_http POST "/v1/destructions/$ORDER/confirmation" "$OTHER" -H 'Content-Type: application/json' \
  -d "$(r_confirm_body "$SHA1" "$SHA2")"
t_expect_error 404 not_found
t_http POST "/v1/deliveries/$D1/no-longer-needed" "$OTHER"
t_expect_error 404 not_found

# a delivery token cannot confirm
t_http POST "/v1/destructions/$ORDER/confirmation" "$DELIV" -H 'Content-Type: application/json' \
  -d "$(r_confirm_body "$SHA1" "$SHA2")"
t_expect_error 403 forbidden

# an incomplete confirmation is refused and names the missing delivery
t_http POST "/v1/destructions/$ORDER/confirmation" "$REC" -H 'Content-Type: application/json' \
  -d "$(r_confirm_body "$SHA1")"
t_expect_error 400 invalid_parameter
[[ $(jq -r .error.message <<<"$HTTP_BODY") == *"delivery $D2 (sha256 $SHA2)"* ]] ||
  t_fail "the refusal does not name delivery $D2: $HTTP_BODY"
# a bad method category is refused by field
t_http POST "/v1/destructions/$ORDER/confirmation" "$REC" -H 'Content-Type: application/json' \
  -d "$(r_confirm_body "$SHA1" "$SHA2" | jq -c '.method.category = "shred"')"
t_expect_error 400 invalid_parameter
[[ $(r_sql "SELECT count(*) FROM destruction_confirmations") == 0 ]] || t_fail "a refused confirmation was recorded"

# the complete confirmation issues the certificate
t_http POST "/v1/destructions/$ORDER/confirmation" "$REC" -H 'Content-Type: application/json' \
  -d "$(r_confirm_body "$SHA2" "$SHA1")"
t_expect_status 201
t_expect_json .order.status confirmed
CERT=$(jq -r .certificate.id <<<"$HTTP_BODY")
[[ $CERT =~ ^dc- ]] || t_fail "no certificate id: $HTTP_BODY"

r_download "/v1/certificates/$CERT" "$REC" "$T_DIR/CERT.json"
t_expect_status 200
[[ $(r_header Content-Type) == application/json* ]] || t_fail "certificate content type"
r_download "/v1/certificates/$CERT/signature" "$REC" "$T_DIR/CERT.p7s"
t_expect_status 200
[[ $(r_header Content-Type) == application/pkcs7-signature ]] || t_fail "signature content type"
r_download "/v1/signing-certificates?format=pem" "$REC" "$T_DIR/SIGNER.pem"
t_expect_status 200
t_http GET /v1/signing-certificates "$GOV"
t_expect_json '.signing_certificates | length' 1
t_expect_json '.signing_certificates[0].current' true

# what the certificate says
jq -e --arg o "$ORDER" --arg s1 "$SHA1" --arg s2 "$SHA2" '
  .certificate_id != null and .deliberation.reference == "21/128" and
  .deliberation.version == 3 and (.deliberation.legal_basis | length > 0) and
  .recipient.id == "maastricht-sbe" and .order.id == ($o | tonumber) and
  .order.trigger == "deadline" and .order.retention_until == "2031-01-31" and
  .order.due_at == "2031-01-31T23:00:00Z" and (.deliveries | length == 2) and
  .due_at == "2031-01-31T23:00:00Z" and .on_time == true and (has("days_late") | not) and
  .confirmed_at == .issued_at and
  ([.deliveries[].sha256] | sort) == ([$s1, $s2] | sort) and
  (.deliveries | all(.rows == 2 and .shipped_at != null and .checked_at != null)) and
  .confirmation.method.category == "purge" and .confirmation.backups_included == true and
  (.signing_key_id | length == 64) and .issued_at != null' "$T_DIR/CERT.json" >/dev/null ||
  t_fail "the certificate lacks something: $(cat "$T_DIR/CERT.json")"

# stock openssl verifies it, and refuses a one-byte change
openssl cms -verify -binary -inform DER -in "$T_DIR/CERT.p7s" -content "$T_DIR/CERT.json" \
  -CAfile "$T_DIR/SIGNER.pem" -purpose any -out /dev/null 2>"$T_DIR/verify.err" ||
  t_fail "openssl cms -verify failed: $(cat "$T_DIR/verify.err")"
cp "$T_DIR/CERT.json" "$T_DIR/CHANGED.json"
printf 'X' | dd of="$T_DIR/CHANGED.json" bs=1 seek=10 conv=notrunc 2>/dev/null
if openssl cms -verify -binary -inform DER -in "$T_DIR/CERT.p7s" -content "$T_DIR/CHANGED.json" \
  -CAfile "$T_DIR/SIGNER.pem" -purpose any -out /dev/null 2>/dev/null; then
  t_fail "a changed certificate still verifies"
fi
# the signing key of the configuration verifies too
openssl cms -verify -binary -inform DER -in "$T_DIR/CERT.p7s" -content "$T_DIR/CERT.json" \
  -CAfile "$T_DIR/sign-cert.pem" -purpose any -out /dev/null 2>/dev/null ||
  t_fail "does not verify against the configured signing certificate"

# served again from the response cache: the same bytes, a strong ETag, 304 on
# If-None-Match; another recipient cannot fetch it (404 even with the ETag)
r_download "/v1/certificates/$CERT" "$REC" "$T_DIR/CERT2.json"
cmp -s "$T_DIR/CERT.json" "$T_DIR/CERT2.json" || t_fail "the certificate changed when cached"
CERT_ETAG=$(r_header ETag)
[[ $CERT_ETAG =~ ^\"[0-9a-f]{32}\"$ ]] || t_fail "certificate ETag: '$CERT_ETAG'"
r_download "/v1/certificates/$CERT/signature" "$REC" "$T_DIR/CERT2.p7s"
cmp -s "$T_DIR/CERT.p7s" "$T_DIR/CERT2.p7s" || t_fail "the signature changed when cached"
t_http GET "/v1/certificates/$CERT" "$REC" -H "If-None-Match: $CERT_ETAG"
t_expect_status 304
t_http GET "/v1/certificates/$CERT" "$OTHER" -H "If-None-Match: $CERT_ETAG"
t_expect_error 404 not_found
# a second confirmation is refused
t_http GET "/v1/certificates/$CERT" "$OTHER"
t_expect_error 404 not_found
t_http POST "/v1/destructions/$ORDER/confirmation" "$REC" -H 'Content-Type: application/json' \
  -d "$(r_confirm_body "$SHA1" "$SHA2")"
t_expect_error 409 conflict
[[ $(r_sql "SELECT count(*) FROM destruction_certificates") == 1 ]] || t_fail "not exactly one certificate"

# the order is final: a later round changes nothing
r_round 2031-06-01T00:00:00+02:00
r_round_expect '.ordered | length' 0
r_round_expect '.escalated | length' 0
t_http GET "/v1/destructions?status=confirmed" "$REC"
t_expect_json '.destructions[0].certificate' "$CERT"

# metrics show it
r_download /metrics "$GOV" "$T_DIR/metrics.txt"
grep -q '^deliberd_destruction_orders{status="confirmed"} 1' "$T_DIR/metrics.txt" ||
  t_fail "no confirmed order in /metrics"

# legal holds from the command line: place, list, release (audited as the Unix user)
t_run hold place --deliberation 21/128 --reason "supervisor's request" --reference "GBA 2026/7" ||
  t_fail "hold place: $(cat "$T_DIR/run.err")"
HOLD=$(jq -r .id "$T_DIR/run.out")
t_run hold list || t_fail "hold list: $(cat "$T_DIR/run.err")"
[[ $(jq -r '.holds[0] | "\(.id) \(.status) \(.reference)"' "$T_DIR/run.out") == "$HOLD active GBA 2026/7" ]] ||
  t_fail "hold list: $(cat "$T_DIR/run.out")"
t_run hold place --deliberation 21/128 && t_fail "a hold without a reason was placed"
t_run hold release "$HOLD" --reason "lifted" || t_fail "hold release: $(cat "$T_DIR/run.err")"
jq -e '.status == "released" and .release_reason == "lifted"' "$T_DIR/run.out" >/dev/null ||
  t_fail "hold release: $(cat "$T_DIR/run.out")"
t_run hold release "$HOLD" --reason "again" && t_fail "a hold was released twice"
[[ $(r_sql "SELECT count(*) FROM audit_events WHERE action LIKE 'hold.%' AND actor LIKE 'cli:%'") == 2 ]] ||
  t_fail "the CLI's hold changes are not audited"

# every step is in the audit trail, and the chain verifies
for action in destruction.ordered destruction.confirmed destruction_certificate.issued; do
  [[ $(r_sql "SELECT count(*) FROM audit_events WHERE action = '$action'") -ge 1 ]] ||
    t_fail "no $action audit event"
done
r_audit_verify

t_stop
[[ $T_EXIT == 0 ]] || t_fail "serve exited $T_EXIT"
t_done
