#!/usr/bin/env bash
# test_server_inflight: limits.max_inflight_body_bytes bounds the declared bodies being
# received over all connections: while a slow upload holds most of the budget, another
# body that does not fit gets a JSON 503 (Retry-After), one that fits is read; once the
# slow one is done, the budget is free again.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t_init server_inflight
t_config listen.workers=2 limits.max_body_bytes=1048576 \
  limits.max_inflight_body_bytes=1048576 limits.request_timeout_ms=60000
t_migrate
tok=$(t_credential auditor audra)
t_start

head -c 800000 /dev/zero | tr '\0' x >"$T_DIR/slow"
head -c 400000 /dev/zero | tr '\0' x >"$T_DIR/big"
head -c 100000 /dev/zero | tr '\0' x >"$T_DIR/small"

# a slow upload (about 8 s) holds 800000 bytes of the budget
curl -sk --max-time 60 --limit-rate 100000 -X POST --data-binary @"$T_DIR/slow" \
  -o "$T_DIR/slow.body" -w '%{http_code}' "$T_URL/healthz" >"$T_DIR/slow.status" 2>/dev/null &
slow=$!
held() {
  t_http GET /metrics "$tok"
  grep -Eq '^deliberd_http_inflight_body_bytes 800000$' <<<"$HTTP_BODY"
}
t_wait_until 20 held || t_fail "the slow upload's body was not accounted"

# 400000 more does not fit: 503, JSON, Retry-After
t_http POST /healthz "$tok" --data-binary @"$T_DIR/big"
t_expect_error 503 unavailable
[[ -n $(t_header Retry-After) ]] || t_fail "no Retry-After on the 503"
t_log_has 'limits.max_inflight_body_bytes' || t_fail "no log line for the refusal"
# 100000 fits: read and routed (405: /healthz takes no POST)
t_http POST /healthz "$tok" --data-binary @"$T_DIR/small"
t_expect_error 405 method_not_allowed

wait "$slow" || t_fail "the slow upload failed"
[[ $(cat "$T_DIR/slow.status") == 401 ]] || t_fail "slow upload got $(cat "$T_DIR/slow.status")"

# the budget is free again
t_http POST /healthz "$tok" --data-binary @"$T_DIR/big"
t_expect_error 405 method_not_allowed
t_http GET /metrics "$tok"
grep -Eq '^deliberd_http_inflight_body_bytes 0$' <<<"$HTTP_BODY" ||
  t_fail "the budget was not released"
grep -Eq '^deliberd_http_inflight_refused_total 1$' <<<"$HTTP_BODY" ||
  t_fail "the refusal was not counted"

t_stop
[[ $T_EXIT == 0 ]] || t_fail "exit status $T_EXIT"
t_done
