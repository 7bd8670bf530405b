#!/usr/bin/env bash
# test_server_shutdown: SIGTERM stops accepting new connections, lets a request in
# flight (a slow upload) finish and get its answer, then exits 0.  Also: `serve`
# refuses to start (exit 2, saying to migrate) when the schema is not current.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t_init server_shutdown
t_config limits.request_timeout_ms=30000 listen.workers=2

# not migrated: refuses to start
rc=0
"$DELIBERD" serve --config "$T_CONF" >"$T_DIR/refused.out" 2>"$T_DIR/refused.err" || rc=$?
((rc == 2)) || t_fail "serve on an empty database: exit $rc, wanted 2"
grep -q 'deliberd migrate' "$T_DIR/refused.err" || t_fail "serve does not say to migrate"
grep -q 'listening' "$T_DIR/refused.out" && t_fail "serve printed a ready line"

t_migrate
auditor=$(t_credential auditor audra)
t_start

# a slow upload: about 6 s at 2 KB/s
head -c 12000 /dev/zero | tr '\0' x >"$T_DIR/body"
curl -sk --max-time 60 --limit-rate 2000 -X POST --data-binary @"$T_DIR/body" \
  -o "$T_DIR/slow.body" -w '%{http_code}' "$T_URL/healthz" >"$T_DIR/slow.status" 2>/dev/null &
slow=$!

# wait until the server holds it (the scrape itself is the other connection)
two_open() {
  t_http GET /metrics "$auditor"
  grep -Eq '^deliberd_http_connections ([2-9]|[1-9][0-9]+)$' <<<"$HTTP_BODY"
}
t_wait_until 20 two_open || t_fail "the slow upload never showed up as a connection"

t_signal TERM
# new connections are refused while the slow one drains
refused() {
  t_http GET /healthz
  [[ $HTTP_STATUS == 000 ]]
}
t_wait_until 20 refused || t_fail "new connections still accepted after SIGTERM"
kill -0 "$T_PID" 2>/dev/null || t_fail "the server exited before the upload finished"

wait "$slow" || t_fail "the in-flight request failed (curl exit $?)"
# (no token: the answer is 401, once the whole body is read)
[[ $(cat "$T_DIR/slow.status") == 401 ]] || t_fail "in-flight request got $(cat "$T_DIR/slow.status")"
jq -e '.error.code == "unauthenticated"' "$T_DIR/slow.body" >/dev/null ||
  t_fail "in-flight request: not the JSON answer"

gone() { ! kill -0 "$T_PID" 2>/dev/null; }
t_wait_until 30 gone || t_fail "the server did not exit after draining"
T_EXIT=0
wait "$T_PID" || T_EXIT=$?
T_PID=""
[[ $T_EXIT == 0 ]] || t_fail "exit status $T_EXIT after SIGTERM, wanted 0"
t_log_has '"msg":"stopped"' || t_fail "no 'stopped' line"
t_done
