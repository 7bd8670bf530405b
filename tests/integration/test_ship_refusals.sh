#!/usr/bin/env bash
# test_ship_refusals: shipping judges again on the server's clock (contract, "Time").
# A passed but unshipped check of maastricht-sbe cannot be shipped once the recipient
# has declared the data of 21/128 no longer needed: 409 destruction_ordered, audited as
# delivery.ship_refused, and the delivery stays unshipped.  Before that, a check of the
# group foreign_born cannot be shipped once an approved amendment in force today drops
# that group: 409 terms_changed.  (check_expired and retention_ended are in
# test_retention_time, which moves the daemon's clock.)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/retention_lib.sh"

r_setup ship_refusals
GOV2=$(t_credential governance gaston)
t_start

refusals() { r_sql "SELECT count(*) FROM audit_events WHERE action = 'delivery.ship_refused'"; }
unshipped() {
  [[ $(r_sql "SELECT shipped_at IS NULL FROM deliveries WHERE id = $1") == t ]] ||
    t_fail "the refused delivery $1 was marked shipped"
}

# --- terms_changed: the terms in force today no longer allow the check's group ----------
r_extract 7 "$T_DIR/c.csv"
t_http POST "/v1/checks?deliberation=21-128&recipient=maastricht-sbe&group=foreign_born&phase=1&destination=recipient_premises" \
  "$DELIV" -H 'Content-Type: text/csv' --data-binary @"$T_DIR/c.csv"
[[ $HTTP_STATUS == 200 || $HTTP_STATUS == 201 ]] || t_fail "check: status $HTTP_STATUS: $HTTP_BODY"
t_expect_json .verdict pass
C=$(jq -r .delivery_id <<<"$HTTP_BODY")
today=$(TZ=Europe/Brussels date +%F)
sha=$(printf 'signed decision' | sha256sum | cut -d' ' -f1)
v3=$(t_db "SELECT terms_json FROM deliberation_versions WHERE reference = '21/128' AND number = 3")
v4=$(jq -c --arg d "$today" --arg s "$sha" '.number = 4 | .decided_on = $d | .in_force_from = $d |
  .source_sha256 = $s | .decision_reference = "ISC/26/200" |
  .terms.groups |= map(select(.code != "foreign_born"))' <<<"$v3")
t_http POST /v1/deliberations/21-128/versions "$GOV" -H 'Content-Type: application/json' --data-binary "$v4"
t_expect_status 201
# a proposal counts nowhere (test_versions_approval); approved by a second person, it does
t_http POST /v1/deliberations/21-128/versions/4/approval "$GOV2"
t_expect_status 200
before=$(refusals)
t_http POST "/v1/deliveries/$C/shipped" "$DELIV"
t_expect_status 409
t_expect_json .error.code terms_changed
(($(refusals) == before + 1)) || t_fail "the terms_changed refusal was not audited"
unshipped "$C"

# --- destruction_ordered ------------------------------------------------------------------

# one check passed and left unshipped, one shipped
r_extract 1 "$T_DIR/a.csv"
t_http POST "/v1/checks?deliberation=21-128&recipient=maastricht-sbe&group=naric&phase=1&destination=recipient_premises" \
  "$DELIV" -H 'Content-Type: text/csv' --data-binary @"$T_DIR/a.csv"
[[ $HTTP_STATUS == 200 || $HTTP_STATUS == 201 ]] || t_fail "check: status $HTTP_STATUS: $HTTP_BODY"
t_expect_json .verdict pass
A=$(jq -r .delivery_id <<<"$HTTP_BODY")
r_extract 2 "$T_DIR/b.csv"
r_ship "$T_DIR/b.csv"

# the recipient declares the data no longer needed: a live no-longer-needed order
t_http POST /v1/deliberations/21-128/no-longer-needed "$REC" -H 'Content-Type: application/json' \
  -d '{"note": "study finished"}'
[[ $HTTP_STATUS == 200 || $HTTP_STATUS == 201 ]] || t_fail "no-longer-needed: status $HTTP_STATUS: $HTTP_BODY"

before=$(refusals)
t_http POST "/v1/deliveries/$A/shipped" "$DELIV"
t_expect_status 409
t_expect_json .error.code destruction_ordered
(($(refusals) == before + 1)) || t_fail "the destruction_ordered refusal was not audited"
unshipped "$A"

# asking again changes nothing but another audited refusal
t_http POST "/v1/deliveries/$A/shipped" "$DELIV"
t_expect_status 409
t_expect_json .error.code destruction_ordered
r_audit_verify
t_stop
t_done
