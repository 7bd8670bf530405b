#!/usr/bin/env bash
# test_retention_amend: an amendment that extends the deadline to 2032-01-31 cancels
# the open destruction order with its reason, frees its deliveries, and the scheduler
# orders them again only 90 days before the new due_at (2031-11-03); at due_at the
# order is overdue and escalated at once, and again 7 days later.  Then the earlier trigger: the
# recipient declares a delivery no longer needed (an order at once, idempotent), only
# for its own shipped deliveries.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/retention_lib.sh"

r_setup retention_amend
t_start

r_extract 1 "$T_DIR/a.csv"
r_extract 2 "$T_DIR/b.csv"
r_ship "$T_DIR/a.csv"
D1=$R_ID
r_ship "$T_DIR/b.csv"
D2=$R_ID

r_round 2030-11-03T00:00:00+01:00
r_round_expect '.ordered | length' 1
O1=$(r_last_order)

# governance amends 21/128: version 4, same terms, retention until 2032-01-31
today=$(TZ=Europe/Brussels date +%Y-%m-%d)
v4=$(r_sql "SELECT terms_json FROM deliberation_versions WHERE reference = '21/128' AND number = 3" |
  jq -c --arg d "$today" '.number = 4 | .decided_on = $d | .in_force_from = $d |
    .source_sha256 = "abababababababababababababababababababababababababababababababab" | .decision_reference = "ISC/30/001" | .summary = "Test amendment: retention extended to 31 January 2032." |
    .terms.retention_until = "2032-01-31"')
t_http POST /v1/deliberations/21-128/versions "$GOV" -H 'Content-Type: application/json' -d "$v4"
[[ $HTTP_STATUS == 200 || $HTTP_STATUS == 201 ]] || t_fail "amendment: $HTTP_STATUS $HTTP_BODY"
t_approve 21-128 4 "$(t_credential governance gov-two)"

# the next round cancels the order, with the reason
r_round_same 2030-11-04T09:00:00+01:00 # dry run and real round: the same cancellation
r_round_expect '.cancelled | length' 1
r_round_expect '.cancelled[0].order' "$O1"
r_round_expect '.ordered | length' 0
t_http GET "/v1/destructions?status=cancelled" "$REC"
t_expect_json '.destructions | length' 1
t_expect_json '.destructions[0].id' "$O1"
reason=$(jq -r '.destructions[0].cancel_reason' <<<"$HTTP_BODY")
[[ $reason == *2032-01-31* && $reason == *"version 4"* ]] || t_fail "cancel reason: '$reason'"
[[ $(r_sql "SELECT count(*) FROM audit_events WHERE action = 'destruction.cancelled'") == 1 ]] ||
  t_fail "no cancellation audit event"
# a cancelled order cannot be confirmed
t_http POST "/v1/destructions/$O1/confirmation" "$REC" -H 'Content-Type: application/json' \
  -d "$(r_confirm_body "$(sha256sum "$T_DIR/a.csv" | cut -d' ' -f1)" "$(sha256sum "$T_DIR/b.csv" | cut -d' ' -f1)")"
t_expect_error 409 conflict
# and the database refuses to reopen it
if r_sql "UPDATE destruction_orders SET status = 'open', cancelled_at = NULL, cancel_reason = NULL WHERE id = $O1" 2>/dev/null; then
  t_fail "a cancelled order was reopened by SQL"
fi

# nothing before the new order's lead time; one new order at midnight 90 days before
r_round 2031-11-02T23:59:50+01:00 # 10 s margin: the round reads a running clock
r_round_expect '.ordered | length' 0
r_round_expect '.cancelled | length' 0
# two scheduler processes at once: one order between them
pids=()
mapfile -t fenv < <(t_faketime_env)
for i in 1 2; do
  env "${fenv[@]}" "FAKETIME=$(t_faketime_offset "$(date -d 2031-11-03T00:00:00+01:00 +%s)")" \
    "$DELIBERD" retention run --format json \
    --config "$T_CONF" >"$T_DIR/par$i.out" 2>"$T_DIR/par$i.err" &
  pids+=($!)
done
wait "${pids[0]}" || t_fail "parallel round 1: $(cat "$T_DIR/par1.err")"
wait "${pids[1]}" || t_fail "parallel round 2: $(cat "$T_DIR/par2.err")"
[[ $(jq -s 'map(.ordered | length) | add' "$T_DIR/par1.out" "$T_DIR/par2.out") == 1 ]] ||
  t_fail "two parallel rounds ordered $(jq -s 'map(.ordered | length) | add' "$T_DIR"/par?.out) times"
ROUND=$(jq -c 'select(.ordered | length == 1)' "$T_DIR/par1.out" "$T_DIR/par2.out")
r_round_expect '.ordered | length' 1
r_round_expect '.ordered[0].retention_until' 2032-01-31
r_round_expect '.ordered[0].version' 4
r_round_expect '.ordered[0].deliveries' 2
O2=$(r_last_order)
[[ $(r_sql "SELECT string_agg(delivery_id::text, ',' ORDER BY delivery_id) FROM destruction_order_deliveries WHERE order_id = $O2") == "$D1,$D2" ]] ||
  t_fail "the new order does not cover both deliveries"
[[ $O2 != "$O1" ]] || t_fail "the cancelled order came back"
r_round 2031-11-03T00:00:00+01:00
r_round_expect '.ordered | length' 0
[[ $(r_sql "SELECT count(*) FROM destruction_orders WHERE status IN ('open', 'overdue')") == 1 ]] ||
  t_fail "not exactly one live order"

# overdue at due_at (2032-02-01 00:00 Brussels), no grace: escalated at once, visible by
# status; a second earlier does nothing
r_round 2032-01-31T23:59:50+01:00 # 10 s margin: the round reads a running clock
r_round_expect '.escalated | length' 0
r_round_same 2032-02-01T00:00:00+01:00
r_round_expect '.escalated | length' 1
r_round 2032-02-02T00:00:00+01:00
r_round_expect '.escalated | length' 0
t_http GET "/v1/destructions?status=overdue" "$GOV"
t_expect_json '.destructions | length' 1
t_expect_json '.destructions[0].id' "$O2"
[[ $(r_sql "SELECT count(*) FROM outbox WHERE audience = 'governance' AND event = 'destruction.escalated'") == 1 ]] ||
  t_fail "no escalation in the outbox"
# escalated again 7 days later
r_round_same 2032-02-08T00:00:00+01:00
r_round_expect '[.reminders[] | select(.kind == "after_due")] | length' 1
[[ $(r_sql "SELECT count(*) FROM outbox WHERE audience = 'governance' AND event = 'destruction.escalated'") == 2 ]] ||
  t_fail "no second escalation 7 days after due_at"
[[ $(r_sql "SELECT count(*) FROM destruction_reminders WHERE order_id = $O2") -ge 1 ]] ||
  t_fail "no reminder after the due date"

# earlier trigger: a third delivery declared no longer needed
r_extract 3 "$T_DIR/c.csv"
r_ship "$T_DIR/c.csv"
D3=$R_ID
t_http POST "/v1/deliveries/$D3/no-longer-needed" "$DELIV"
t_expect_error 403 forbidden
t_http POST "/v1/deliveries/$D3/no-longer-needed" "$REC" -H 'Content-Type: application/json' \
  -d '{"note":"analysis finished"}'
t_expect_status 201
t_expect_json .created true
t_expect_json .order.trigger no_longer_needed
t_expect_json '.order.deliveries | map(.id) | join(",")' "$D3"
O3=$(jq -r .order.id <<<"$HTTP_BODY")
t_http POST "/v1/deliveries/$D3/no-longer-needed" "$REC"
t_expect_status 200
t_expect_json .created false
t_expect_json .order.id "$O3"
t_http POST /v1/deliberations/21-128/no-longer-needed "$REC"
t_expect_error 409 conflict
t_http POST /v1/deliveries/999999/no-longer-needed "$REC"
t_expect_error 404 not_found

r_audit_verify
t_stop
t_done
