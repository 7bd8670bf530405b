#!/usr/bin/env bash
# test_retention_webhook: notifications go through the persisted outbox.  With the
# recipient's and governance's webhook receiver down, events queue (and are retried);
# deliberd is killed and restarted meanwhile; when the receiver comes back every event
# arrives, once per idempotency key, over HTTPS (certificate verified) and with a valid
# X-Deliberd-Signature HMAC.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/retention_lib.sh"

RECEIVER=${WEBHOOK_RECEIVER:-$(dirname "$DELIBERD")/tests/webhook_receiver}
[[ -x $RECEIVER ]] || { echo "FAIL retention_webhook: no webhook_receiver at $RECEIVER" >&2; exit 1; }

r_setup retention_webhook retention.webhook_timeout_ms=2000
SECRET=test-secret-0123456789abcdef
printf '%s\n' "$SECRET" >"$T_DIR/secret"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$T_DIR/wh-key.pem" -out "$T_DIR/wh-cert.pem" -days 2 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null || t_fail "receiver certificate"
mkdir -p "$T_DIR/inbox"
RPID=""

start_receiver() {
  rm -f "$T_DIR/wh.port"
  "$RECEIVER" --cert "$T_DIR/wh-cert.pem" --key "$T_DIR/wh-key.pem" --secret "$SECRET" \
    --out "$T_DIR/inbox" --port-file "$T_DIR/wh.port" ${1:+--port "$1"} 2>>"$T_DIR/receiver.err" &
  RPID=$!
  t_wait_until 10 test -s "$T_DIR/wh.port" || t_fail "the receiver did not start: $(cat "$T_DIR/receiver.err")"
}
stop_receiver() {
  kill "$RPID" 2>/dev/null || true
  wait "$RPID" 2>/dev/null || true
  RPID=""
}
trap 'stop_receiver; t_cleanup' EXIT

# learn a free port, then take the receiver down: it is "down" from now on
start_receiver
PORT=$(cat "$T_DIR/wh.port")
stop_receiver

# governance's webhook (the recipient's is set through the API once the server runs)
t_run retention webhook --url "https://127.0.0.1:$PORT/hooks/governance" --secret-file "$T_DIR/secret" ||
  t_fail "retention webhook: $(cat "$T_DIR/run.err")"

# deliberd trusts the receiver's certificate through OpenSSL's SSL_CERT_FILE
export SSL_CERT_FILE="$T_DIR/wh-cert.pem"
t_start

# the recipient's webhook: PATCH /v1/recipients/{id}, governance only, audited
t_http PATCH /v1/recipients/maastricht-sbe "$DELIV" -H 'Content-Type: application/json' \
  -d '{"contact": "x"}'
t_expect_status 403
t_http PATCH /v1/recipients/maastricht-sbe "$GOV" -H 'Content-Type: application/json' \
  -d '{"webhook_url": "https://x.example/"}'
t_expect_error 400 invalid_parameter
t_http PATCH /v1/recipients/nobody "$GOV" -H 'Content-Type: application/json' -d '{"contact": "x"}'
t_expect_error 404 not_found
t_http PATCH /v1/recipients/maastricht-sbe "$GOV" -H 'Content-Type: application/json' \
  -d "$(jq -nc --arg u "https://127.0.0.1:$PORT/hooks/maastricht" --arg s "$SECRET" \
    '{webhook_url: $u, webhook_secret: $s}')"
t_expect_status 200
t_expect_json .webhook_url "https://127.0.0.1:$PORT/hooks/maastricht"
t_expect_json .webhook_secret_set true
[[ $(r_sql "SELECT count(*) FROM audit_events WHERE action = 'recipient.update' AND object = 'recipient:maastricht-sbe'") == 1 ]] ||
  t_fail "the webhook change is not audited once"
[[ $(r_sql "SELECT count(*) FROM audit_events WHERE details::text LIKE '%$SECRET%'") == 0 ]] ||
  t_fail "the webhook secret reached the audit trail"

r_extract 1 "$T_DIR/a.csv"
r_extract 2 "$T_DIR/b.csv"
r_ship "$T_DIR/a.csv"
r_ship "$T_DIR/b.csv"
r_round 2030-11-03T00:00:00+01:00                 # ordered (90 days before due_at)
r_round_expect '.ordered | length' 1
r_round 2031-03-10T00:00:00+01:00                 # overdue since due_at: escalation, reminder
r_round_expect '.escalated | length' 1
TOTAL=$(r_sql "SELECT count(*) FROM outbox")
(( TOTAL >= 4 )) || t_fail "only $TOTAL events queued"
[[ $(r_sql "SELECT count(*) FROM outbox WHERE audience = 'governance'") -ge 1 ]] ||
  t_fail "no governance event"

# deliberd tries and fails while the receiver is down
tried() { [[ $(r_sql "SELECT count(*) FROM outbox WHERE attempts >= 1 AND last_error IS NOT NULL") == "$TOTAL" ]]; }
t_wait_until 30 tried || t_fail "events were not attempted: $(r_sql "SELECT id, attempts, last_error FROM outbox")"
[[ $(r_sql "SELECT count(*) FROM outbox WHERE delivered_at IS NOT NULL") == 0 ]] || t_fail "delivered to nobody?"

# deliberd dies and comes back; nothing is lost
t_stop KILL
t_start
[[ $(r_sql "SELECT count(*) FROM outbox WHERE delivered_at IS NULL") == "$TOTAL" ]] || t_fail "events lost"

# the receiver comes back: every event arrives
start_receiver "$PORT"
delivered() { [[ $(r_sql "SELECT count(*) FROM outbox WHERE delivered_at IS NOT NULL") == "$TOTAL" ]]; }
t_wait_until 120 delivered || t_fail "not all delivered: $(r_sql "SELECT id, attempts, last_error FROM outbox WHERE delivered_at IS NULL")"

# once per key, signed, the bodies as queued
for key in $(r_sql "SELECT idempotency_key FROM outbox"); do
  [[ -s "$T_DIR/inbox/$key.json" ]] || t_fail "event $key did not arrive"
  [[ $(r_sql "SELECT body FROM outbox WHERE idempotency_key = '$key'") == "$(cat "$T_DIR/inbox/$key.json")" ]] ||
    t_fail "event $key arrived changed"
done
[[ $(ls "$T_DIR/inbox"/*.json | wc -l) == "$TOTAL" ]] || t_fail "unexpected events in the inbox"
! grep -q ' bad$' "$T_DIR/inbox/received" || t_fail "a request with a bad signature"
grep -q ' destruction.ordered ok$' "$T_DIR/inbox/received" || t_fail "no ordered event"
grep -q ' destruction.escalated ok$' "$T_DIR/inbox/received" || t_fail "no escalation event"
jq -e '.event == "destruction.ordered" and .order_id >= 1 and .recipient == "maastricht-sbe"' \
  "$T_DIR/inbox/$(r_sql "SELECT idempotency_key FROM outbox WHERE event = 'destruction.ordered'").json" >/dev/null ||
  t_fail "the ordered event body"

# /metrics: nothing pending
r_download /metrics "$GOV" "$T_DIR/metrics.txt"
grep -q '^deliberd_outbox_pending 0' "$T_DIR/metrics.txt" || t_fail "outbox still pending in /metrics"
r_audit_verify
t_stop
t_done
