#!/usr/bin/env bash
# test_retention_crash: deliberd killed with SIGKILL at each step of the retention flow
# (mid-round before the order commits, right after it commits, the daemon itself after
# the order, mid-confirmation, mid-certificate, after the certificate committed but
# before the answer) and restarted leaves exactly one order, at most one certificate,
# and an audit chain that verifies.  The exact steps are reached with the
# DELIBERD_FAILPOINT test hook (retention.h), which makes the process SIGKILL itself.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/retention_lib.sh"

r_setup retention_crash
t_start

r_extract 1 "$T_DIR/a.csv"
r_extract 2 "$T_DIR/b.csv"
r_ship "$T_DIR/a.csv"
r_ship "$T_DIR/b.csv"
SHA1=$(sha256sum "$T_DIR/a.csv" | cut -d' ' -f1)
SHA2=$(sha256sum "$T_DIR/b.csv" | cut -d' ' -f1)
AT=2030-11-03T00:00:00+01:00 # the deadline order is issued

orders() { r_sql "SELECT count(*) FROM destruction_orders"; }
certs() { r_sql "SELECT count(*) FROM destruction_certificates"; }

# killed mid-round, the order written but not committed: nothing remains
rc=0
DELIBERD_FAILPOINT=round.ordered t_run_at "$AT" retention run || rc=$?
[[ $rc == 137 ]] || t_fail "round.ordered: exit $rc, wanted 137 (SIGKILL)"
[[ $(orders) == 0 ]] || t_fail "an uncommitted order survived the crash"
r_audit_verify

# killed right after the order committed
rc=0
DELIBERD_FAILPOINT=round.committed t_run_at "$AT" retention run || rc=$?
[[ $rc == 137 ]] || t_fail "round.committed: exit $rc, wanted 137"
[[ $(orders) == 1 ]] || t_fail "$(orders) orders after the crash, wanted 1"

# the daemon killed with SIGKILL after the order, restarted; rounds again: still one
t_stop KILL
t_start
r_round "$AT"
r_round_expect '.ordered | length' 0
[[ $(orders) == 1 ]] || t_fail "$(orders) orders after restart, wanted 1"
ORDER=$(r_sql "SELECT id FROM destruction_orders")
[[ $(r_sql "SELECT count(*) FROM destruction_order_deliveries WHERE order_id = $ORDER AND active") == 2 ]] ||
  t_fail "the order does not cover both deliveries"
r_audit_verify

# the database itself refuses a second live order for the same deliveries
if r_sql "INSERT INTO destruction_orders (deliberation_ref, recipient_id, trigger, version, retention_until, due_at, ordered_at, ordered_by) VALUES ('21/128', 'maastricht-sbe', 'deadline', 3, '2031-01-31', '2031-01-31T23:00:00Z', now(), 'test'); INSERT INTO destruction_order_deliveries (order_id, delivery_id) SELECT currval('destruction_orders_id_seq'), delivery_id FROM destruction_order_deliveries WHERE order_id = $ORDER" 2>/dev/null; then
  t_fail "a second live order for the same deliveries was accepted"
fi
[[ $(orders) == 1 ]] || t_fail "the refused order left a row"

# confirm, with the daemon dying at a given step; the answer never comes
crash_confirm() {
  t_stop
  DELIBERD_FAILPOINT=$1 t_start
  t_http POST "/v1/destructions/$ORDER/confirmation" "$REC" -H 'Content-Type: application/json' \
    -d "$(r_confirm_body "$SHA1" "$SHA2")"
  [[ $HTTP_STATUS == 000 ]] || t_fail "$1: got an answer ($HTTP_STATUS) from a process that should have died"
  t_wait_until 30 _t_gone || t_fail "$1: the daemon did not die"
  wait "$T_PID" 2>/dev/null || true
  T_PID=""
  t_start
}

crash_confirm confirm.recorded
[[ $(r_sql "SELECT count(*) FROM destruction_confirmations") == 0 ]] || t_fail "a half confirmation survived"
[[ $(r_sql "SELECT status FROM destruction_orders") == open ]] || t_fail "order not open after crash"
[[ $(certs) == 0 ]] || t_fail "a certificate after a crash mid-confirmation"
r_audit_verify

crash_confirm certificate.stored
[[ $(certs) == 0 ]] || t_fail "an uncommitted certificate survived"
[[ $(r_sql "SELECT status FROM destruction_orders") == open ]] || t_fail "order not open after crash"
r_audit_verify

crash_confirm certificate.committed
[[ $(certs) == 1 ]] || t_fail "$(certs) certificates after the commit, wanted 1"
[[ $(r_sql "SELECT status FROM destruction_orders") == confirmed ]] || t_fail "order not confirmed"

# the recipient retries (it never saw the answer): refused, still one certificate
t_http POST "/v1/destructions/$ORDER/confirmation" "$REC" -H 'Content-Type: application/json' \
  -d "$(r_confirm_body "$SHA1" "$SHA2")"
t_expect_error 409 conflict
t_http GET "/v1/destructions/$ORDER" "$REC"
t_expect_json .status confirmed
CERT=$(jq -r .certificate <<<"$HTTP_BODY")
t_http GET "/v1/certificates/$CERT" "$REC"
t_expect_status 200
[[ $(certs) == 1 && $(orders) == 1 ]] || t_fail "not one order and one certificate"

# the database itself refuses a second certificate for the order
if r_sql "INSERT INTO destruction_certificates SELECT 'dc-00000000-0000-4000-8000-000000000000', order_id, document, document_sha256, signature, key_id, issued_at FROM destruction_certificates" 2>/dev/null; then
  t_fail "a second certificate for one order was accepted"
fi
r_audit_verify
t_stop
t_done
