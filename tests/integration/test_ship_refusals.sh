#!/usr/bin/env bash
# test_ship_refusals: shipping judges again on the server's clock (contract, "Time").
# A passed but unshipped check of maastricht-sbe cannot be shipped once the recipient
# has declared the data of 21/128 no longer needed: 409 destruction_ordered, audited as
# delivery.ship_refused, and the delivery stays unshipped.  (check_expired and
# retention_ended are in test_retention_time, which moves the daemon's clock.)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/retention_lib.sh"

r_setup ship_refusals
t_start

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

before=$(r_sql "SELECT count(*) FROM audit_events WHERE action = 'delivery.ship_refused'")
t_http POST "/v1/deliveries/$A/shipped" "$DELIV"
t_expect_status 409
t_expect_json .error.code destruction_ordered
after=$(r_sql "SELECT count(*) FROM audit_events WHERE action = 'delivery.ship_refused'")
((after == before + 1)) || t_fail "the refusal was not audited ($before -> $after)"
[[ $(r_sql "SELECT shipped_at IS NULL FROM deliveries WHERE id = $A") == t ]] ||
  t_fail "the refused delivery was marked shipped"

# asking again changes nothing but another audited refusal
t_http POST "/v1/deliveries/$A/shipped" "$DELIV"
t_expect_status 409
t_expect_json .error.code destruction_ordered
r_audit_verify
t_stop
t_done
