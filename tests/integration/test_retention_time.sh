#!/usr/bin/env bash
# test_retention_time: the deliberation's time, shown on one running daemon whose clock
# moves.  `deliberd serve` runs under libfaketime (Debian package faketime) reading its
# clock offset from a file (FAKETIME_TIMESTAMP_FILE, FAKETIME_NO_CACHE=1): deliberd has
# no clock back door.  Its scheduler runs every second; the test waits for what each
# round does, never sleeps.  Three deliveries shipped in 2026: 21/128 to maastricht-sbe,
# 99/1 (also due 2031-01-31) to lab-one and lab-two.
#   2030-11-02 12:00  nothing ordered; a check from 2026 no longer ships (check_expired);
#                     a legal hold on 99/1 for lab-two; "still needed?" asked of each
#                     recipient (anniversary of its first shipment), one answers
#   2030-11-03 00:00  three deadline orders, due 2031-02-01T00:00:00+01:00; lab-two's shows
#                     on_hold and cannot be confirmed (409 on_hold); a delivery shipped
#                     now joins maastricht-sbe's open order; destruction.ordered webhook
#   2030-12-03 00:00  the 60-day reminders; unanswered attestations escalated
#   2031-01-31 23:59  the 1-day reminder; not overdue; maastricht-sbe confirms: on_time
#   2031-02-01 00:00  lab-one's order overdue at once, escalated (governance webhook);
#                     shipping is refused (retention_ended); the held order is not escalated
#   2031-02-08 00:00  escalated again; lab-one confirms: on_time false, days_late 7; the
#                     hold is released: the held order is due 30 days after the release
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/retention_lib.sh"

RECEIVER=${WEBHOOK_RECEIVER:-$(dirname "$DELIBERD")/tests/webhook_receiver}
[[ -x $RECEIVER ]] || { echo "FAIL retention_time: no webhook_receiver at $RECEIVER" >&2; exit 1; }

r_setup retention_time retention.interval_seconds=1
cat >"$T_DIR/99-1.conf" <<'EOF'
deliberation = {
  reference = "99/1";
  title = "Test deliberation with the same deadline";
  purpose = "testing retention";
  duties = [ "no_third_party_disclosure" ];
  recipients = ( { id = "lab-one"; name = "Lab one"; }, { id = "lab-two"; name = "Lab two"; } );
  versions = (
    { number = 1; decided_on = "2020-01-01"; in_force_from = "2020-01-01"; terms_on_record = true;
      terms = {
        retention_until = "2031-01-31";
        recipients = [ "lab-one", "lab-two" ];
        phases = ( { number = 1; destinations = [ "recipient_premises" ]; } );
        groups = ( { code = "naric"; } );
        variables = (
          { code = "person_id"; section = "person"; source = "ksz"; type = "pseudonym";
            label = "id"; required = true; },
          { code = "reference_period"; section = "person"; source = "ksz"; type = "period";
            label = "p"; required = true; }
        );
      };
    }
  );
};
EOF
t_run import "$T_DIR/99-1.conf" || t_fail "import 99/1: $(cat "$T_DIR/run.err")"
LAB1=$(t_credential recipient lena lab-one)
LAB2=$(t_credential recipient luc lab-two)

# webhooks: governance's and maastricht-sbe's go to a receiver whose certificate outlives
# the test's clock
SECRET=test-secret-0123456789abcdef
printf '%s\n' "$SECRET" >"$T_DIR/secret"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$T_DIR/wh-key.pem" -out "$T_DIR/wh-cert.pem" -days 4000 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null || t_fail "receiver certificate"
mkdir -p "$T_DIR/inbox"
"$RECEIVER" --cert "$T_DIR/wh-cert.pem" --key "$T_DIR/wh-key.pem" --secret "$SECRET" \
  --out "$T_DIR/inbox" --port-file "$T_DIR/wh.port" 2>>"$T_DIR/receiver.err" &
RPID=$!
trap 'kill "$RPID" 2>/dev/null || true; wait "$RPID" 2>/dev/null || true; t_cleanup' EXIT
t_wait_until 10 test -s "$T_DIR/wh.port" || t_fail "the receiver did not start"
PORT=$(cat "$T_DIR/wh.port")
t_run retention webhook --url "https://127.0.0.1:$PORT/hooks/governance" --secret-file "$T_DIR/secret" ||
  t_fail "retention webhook: $(cat "$T_DIR/run.err")"
export SSL_CERT_FILE="$T_DIR/wh-cert.pem"

# the daemon's clock: real time plus the offset in $T_DIR/clock
printf '+0\n' >"$T_DIR/clock"
mapfile -t T_SERVE_ENV < <(t_faketime_env)
T_SERVE_ENV+=(FAKETIME_NO_CACHE=1 "FAKETIME_TIMESTAMP_FILE=$T_DIR/clock")
t_start
t_http PATCH /v1/recipients/maastricht-sbe "$GOV" -H 'Content-Type: application/json' \
  -d "$(jq -cn --arg u "https://127.0.0.1:$PORT/hooks/maastricht" --arg s "$SECRET" \
    '{webhook_url: $u, webhook_secret: $s}')"
t_expect_status 200

rounds() { grep -c 'round done' "$T_LOG" || true; }
rounds_at_least() { [[ $(rounds) -ge $1 ]]; }
# at INSTANT: moves the daemon's clock there and waits for two rounds at the new time.
NOW=""
at() {
  NOW=$1
  t_faketime_offset "$(date -d "$1" +%s)" >"$T_DIR/clock.tmp"
  mv "$T_DIR/clock.tmp" "$T_DIR/clock"
  local n
  n=$(rounds)
  t_wait_until 30 rounds_at_least $((n + 2)) || t_fail "no scheduler rounds after moving to $1"
}
count() { r_sql "$1"; }
expect_sql() {
  local got
  got=$(r_sql "$1")
  [[ $got == "$2" ]] || t_fail "$3: got '$got', wanted '$2'"
}
# check FILE DELIBERATION RECIPIENT: a recorded check of today (the daemon's); C is its id
check() {
  t_http POST "/v1/checks?deliberation=$2&recipient=$3&group=naric&phase=1&destination=recipient_premises" \
    "$DELIV" -H 'Content-Type: text/csv' --data-binary @"$1"
  t_expect_status 200
  t_expect_json .verdict pass
  C=$(jq -r .delivery_id <<<"$HTTP_BODY")
}
ship() { t_http POST "/v1/deliveries/$1/shipped" "$DELIV"; }
# confirm ORDER TOKEN FILE...: the recipient confirms, performed at the daemon's now
confirm() {
  local order=$1 token=$2 f hashes=()
  shift 2
  for f in "$@"; do hashes+=("$(sha256sum <"$f" | cut -d' ' -f1)"); done
  t_http POST "/v1/destructions/$order/confirmation" "$token" -H 'Content-Type: application/json' \
    -d "$(r_confirm_body "${hashes[@]}" | jq -c --arg at "$NOW" '.performed_at = $at')"
}
order_of() { r_sql "SELECT id FROM destruction_orders WHERE recipient_id = '$1' AND status <> 'cancelled' ORDER BY id DESC LIMIT 1"; }

# --- 2026: deliveries -----------------------------------------------------------------------------
for n in 1 2 3 4 5 6; do r_extract "$n" "$T_DIR/e$n.csv"; done
check "$T_DIR/e1.csv" 21-128 maastricht-sbe
D1=$C
ship "$D1"
t_expect_status 200
check "$T_DIR/e2.csv" 99-1 lab-one
D2=$C
ship "$D2"
check "$T_DIR/e3.csv" 99-1 lab-two
D3=$C
ship "$D3"
check "$T_DIR/e4.csv" 21-128 maastricht-sbe # checked now, shipped too late
OLD=$C
# a date without dry_run is refused and records nothing
before=$(count "SELECT count(*) FROM deliveries")
t_http POST "/v1/checks?deliberation=21-128&recipient=maastricht-sbe&group=naric&phase=1&destination=recipient_premises&date=2031-02-01" \
  "$DELIV" -H 'Content-Type: text/csv' --data-binary @"$T_DIR/e4.csv"
t_expect_error 400 invalid_parameter
expect_sql "SELECT count(*) FROM deliveries" "$before" "a refused check was recorded"

# --- 2030-11-02: nothing yet; an old check no longer ships; a legal hold -----------------------
at 2030-11-02T12:00:00+01:00
expect_sql "SELECT count(*) FROM destruction_orders" 0 "orders before the lead time"
ship "$OLD"
t_expect_error 409 check_expired
expect_sql "SELECT shipped_at IS NULL FROM deliveries WHERE id = $OLD" t "an expired check was shipped"
expect_sql "SELECT details->>'code' FROM audit_events WHERE action = 'delivery.ship_refused'" check_expired \
  "the refusal is not audited"
t_http POST /v1/holds "$GOV" -H 'Content-Type: application/json' \
  -d '{"deliberation": "99/1", "recipient": "lab-two", "reason": "court order", "reference": "Rb. Brussel 2030/123"}'
t_expect_status 201
HOLD=$(jq -r .id <<<"$HTTP_BODY")
t_http POST /v1/holds "$LAB2" -H 'Content-Type: application/json' -d '{"deliberation": "99/1", "reason": "x"}'
t_expect_error 403 forbidden
t_http GET /v1/holds "$LAB2"
t_expect_json '.holds | map(.id) | join(",")' "$HOLD"
t_http GET /v1/holds "$LAB1"
t_expect_json '.holds | length' 0
# the yearly "still needed?" of each recipient, asked on the anniversary of its first
# shipment (the latest one before now); answering another recipient's changes nothing
expect_sql "SELECT count(*) FROM attestations WHERE answered_at IS NULL" 3 "attestations asked"
expect_sql "SELECT DISTINCT to_char(anniversary, 'MM-DD') FROM attestations" "$(TZ=Europe/Brussels date +%m-%d)" \
  "anniversary of the first shipment"
AM=$(r_sql "SELECT id FROM attestations WHERE recipient_id = 'maastricht-sbe'")
t_http GET /v1/attestations "$LAB1"
t_expect_json '.attestations | map(.recipient) | unique | join(",")' lab-one
t_http POST "/v1/attestations/$AM" "$LAB1" -H 'Content-Type: application/json' -d '{"still_needed": false}'
t_expect_error 404 not_found
t_http POST "/v1/attestations/$AM" "$REC" -H 'Content-Type: application/json' -d '{"still_needed": "yes"}'
t_expect_error 400 invalid_parameter
expect_sql "SELECT count(*) FROM attestations WHERE answered_at IS NOT NULL" 0 "a refused answer was recorded"
t_http POST "/v1/attestations/$AM" "$REC" -H 'Content-Type: application/json' \
  -d '{"still_needed": true, "note": "analysis of wave 2 ongoing"}'
t_expect_status 200
t_expect_json '"\(.status) \(.still_needed) \(.order)"' "answered true null"
t_wait_until 30 grep -q ' attestation.requested ok$' "$T_DIR/inbox/received" ||
  t_fail "no attestation.requested webhook"

# --- 2030-11-03 00:00 Brussels: the deadline orders -------------------------------------------------
at 2030-11-03T00:00:05+01:00
expect_sql "SELECT count(*) FROM destruction_orders WHERE trigger = 'deadline'" 3 "deadline orders"
expect_sql "SELECT DISTINCT retention_rfc3339(due_at) FROM destruction_orders" 2031-01-31T23:00:00Z "due_at"
OA=$(order_of maastricht-sbe)
OB=$(order_of lab-one)
OC=$(order_of lab-two)
t_http GET "/v1/destructions/$OC" "$LAB2"
t_expect_json .status on_hold
t_http GET "/v1/destructions/$OA" "$REC"
t_expect_json .status open
confirm "$OC" "$LAB2" "$T_DIR/e3.csv"
t_expect_error 409 on_hold
expect_sql "SELECT count(*) FROM outbox WHERE event = 'destruction.held' AND recipient_id = 'lab-two'" 1 \
  "the held recipient was not told"
# a delivery checked and shipped now joins the open order
check "$T_DIR/e5.csv" 21-128 maastricht-sbe
D5=$C
ship "$D5"
t_expect_status 200
t_expect_json .destruction_order "$OA"
expect_sql "SELECT string_agg(delivery_id::text, ',' ORDER BY delivery_id) FROM destruction_order_deliveries WHERE order_id = $OA" \
  "$D1,$D5" "maastricht-sbe's order"
inbox_has() { grep -q " $1 ok$" "$T_DIR/inbox/received" 2>/dev/null; }
t_wait_until 30 inbox_has destruction.ordered || t_fail "no destruction.ordered webhook"

# --- 2030-12-03: 60 days before due_at -----------------------------------------------------------
at 2030-12-03T00:00:05+01:00
expect_sql "SELECT string_agg(order_id || ':' || days, ',' ORDER BY order_id) FROM destruction_reminders WHERE kind = 'before_due'" \
  "$OA:60,$OB:60" "60-day reminders (none for the held order)"

# unanswered after 30 days: escalated to governance
expect_sql "SELECT count(*) FROM attestations WHERE escalated_at IS NOT NULL AND recipient_id = 'maastricht-sbe'" 0 \
  "an answered attestation was escalated"
expect_sql "SELECT count(*) FROM attestations WHERE escalated_at IS NOT NULL AND recipient_id <> 'maastricht-sbe' AND asked_at < '2030-11-03'" 2 \
  "unanswered attestations escalated"
t_wait_until 30 grep -q ' attestation.escalated ok$' "$T_DIR/inbox/received" ||
  t_fail "no attestation.escalated webhook"

# --- 2031-01-31 23:59: one day left; maastricht-sbe confirms on time -------------------------------
at 2031-01-31T23:59:00+01:00
expect_sql "SELECT string_agg(days::text, ',' ORDER BY days DESC) FROM destruction_reminders WHERE order_id = $OB" \
  "60,1" "reminders of lab-one's order (missed thresholds give way to the nearest)"
expect_sql "SELECT count(*) FROM destruction_orders WHERE status = 'overdue'" 0 "overdue before due_at"
check "$T_DIR/e6.csv" 21-128 maastricht-sbe # checked in time, shipped too late
LATE=$C
confirm "$OA" "$REC" "$T_DIR/e1.csv" "$T_DIR/e5.csv"
t_expect_status 201
t_expect_json '"\(.certificate.on_time) \(.certificate.due_at) \(.certificate | has("days_late"))"' \
  "true 2031-01-31T23:00:00Z false"

# --- 2031-02-01 00:00 Brussels: overdue at once -------------------------------------------------------
at 2031-02-01T00:00:05+01:00
expect_sql "SELECT status FROM destruction_orders WHERE id = $OB" overdue "lab-one's order at due_at"
expect_sql "SELECT status FROM destruction_orders WHERE id = $OC" open "the held order was escalated"
t_http GET "/v1/destructions/$OC" "$GOV"
t_expect_json .status on_hold
t_wait_until 30 inbox_has destruction.escalated || t_fail "no destruction.escalated webhook"
ship "$LATE"
t_expect_error 409 retention_ended
expect_sql "SELECT shipped_at IS NULL FROM deliveries WHERE id = $LATE" t "shipped after the deadline"

# --- 2031-02-08: escalated again; lab-one confirms late; the hold is released ---------------------
at 2031-02-08T00:00:05+01:00
expect_sql "SELECT count(*) FROM destruction_reminders WHERE order_id = $OB AND kind = 'after_due' AND days = 7" 1 \
  "no repeated escalation after 7 days"
expect_sql "SELECT count(*) FROM outbox WHERE audience = 'governance' AND event = 'destruction.escalated'" 2 \
  "governance escalations"
confirm "$OB" "$LAB1" "$T_DIR/e2.csv"
t_expect_status 201
t_expect_json '"\(.certificate.on_time) \(.certificate.days_late)"' "false 7"
t_http POST "/v1/holds/$HOLD/release" "$GOV" -H 'Content-Type: application/json' -d '{"reason": "case closed"}'
t_expect_status 200
t_expect_json '.replanned | map(.id) | join(",")' "$OC"
t_http GET "/v1/destructions/$OC" "$LAB2"
t_expect_json .status open
t_expect_json '.due_at | startswith("2031-03-09T23:00")' true
t_http POST "/v1/holds/$HOLD/release" "$GOV" -H 'Content-Type: application/json' -d '{"reason": "again"}'
t_expect_error 409 conflict

for action in delivery.ship_refused hold.placed hold.released destruction.escalated destruction.reminded \
  attestation.requested attestation.answered attestation.escalated; do
  [[ $(count "SELECT count(*) FROM audit_events WHERE action = '$action'") -ge 1 ]] || t_fail "no $action audit event"
done
r_audit_verify
t_stop
t_done
