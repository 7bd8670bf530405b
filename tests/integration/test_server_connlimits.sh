#!/usr/bin/env bash
# test_server_connlimits: idle and abusive connections cannot hold the pool or flood
# the log (issue 13 item 2).
#  - limits.header_timeout_ms: a connection that sends nothing is closed after it,
#    well before limits.request_timeout_ms;
#  - limits.max_connections_per_address: more connections from one address are
#    closed at once, while connections under the cap are served;
#  - repeated log lines are rate limited: a burst of 200 refused connections writes
#    at most a few dozen warnings and a "suppressed N repeated lines" summary.
# Loopback only; at most ~250 connections in all.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t_init server_connlimits
t_config listen.workers=1 limits.header_timeout_ms=1000 limits.request_timeout_ms=30000 \
  limits.max_connections_per_address=2 'log.level="info"'
t_migrate
t_start

# an idle connection is closed at the header timeout
exec 8<>"/dev/tcp/127.0.0.1/$T_PORT"
started=$SECONDS
timeout 20 cat <&8 >/dev/null || true
exec 8>&-
((SECONDS - started < 10)) || t_fail "the idle connection was not closed at the header timeout"
t_log_has 'before the headers were complete \(limits.header_timeout_ms\)' ||
  t_fail "no log line for the header timeout"
t_http GET /healthz
t_expect_status 200

# per-address cap: two held (TLS handshake done, no request), the third is closed at once
t_stop
t_config limits.header_timeout_ms=30000
t_start
mkfifo "$T_DIR/h1" "$T_DIR/h2"
openssl s_client -quiet -connect "127.0.0.1:$T_PORT" <"$T_DIR/h1" >/dev/null 2>&1 &
h1=$!
exec 7>"$T_DIR/h1"
openssl s_client -quiet -connect "127.0.0.1:$T_PORT" <"$T_DIR/h2" >/dev/null 2>&1 7>&- &
h2=$!
exec 6>"$T_DIR/h2"
two_open() { [[ $(ss -tnH state established "( sport = :$T_PORT )" | wc -l) -ge 2 ]]; }
t_wait_until 10 two_open || t_fail "the two held connections did not open"
t_http GET /healthz
[[ $HTTP_STATUS == 000 ]] || t_fail "a third connection from one address was served ($HTTP_STATUS)"
t_log_has 'too many connections from 127.0.0.1 \(limits.max_connections_per_address\)' ||
  t_fail "no log line for the per-address cap"

# a burst of refused connections: the log stays small
for ((i = 0; i < 200; i++)); do
  (exec 5<>"/dev/tcp/127.0.0.1/$T_PORT") 2>/dev/null || true
done
# one more refused connection per poll until the next second's summary shows
summary() {
  (exec 5<>"/dev/tcp/127.0.0.1/$T_PORT") 2>/dev/null || true
  t_log_has 'suppressed [0-9]+ repeated lines: too many connections from'
}
t_wait_until 10 summary || t_fail "no 'suppressed N repeated lines' summary"
n=$(grep -c 'too many connections from' "$T_LOG")
t_note "per-address warnings written: $n for 200+ refused connections"
((n < 120)) || t_fail "the log was not rate limited: $n warnings"

# the held ones go: served again
exec 7>&- 6>&-
wait "$h1" "$h2" 2>/dev/null || true
healthy() {
  t_http GET /healthz
  [[ $HTTP_STATUS == 200 ]]
}
t_wait_until 20 healthy || t_fail "not served again after the held connections closed"
t_done
