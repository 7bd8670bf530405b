#!/usr/bin/env bash
# test_server_reload: SIGHUP with a broken configuration (a value out of range, then a
# TLS key that does not load) keeps the old one: the server still answers and the log
# says why; SIGHUP with a good one applies it (a smaller body limit takes effect for
# new connections); /metrics counts the reloads.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t_init server_reload
t_config limits.max_body_bytes=8192
t_migrate
auditor=$(t_credential auditor audra)
t_start

head -c 3000 /dev/zero | tr '\0' x >"$T_DIR/body"
t_http POST /healthz "$auditor" --data-binary @"$T_DIR/body"
t_expect_status 405 # within the limit: reaches routing

count_lines() { grep -c -- "$1" "$T_LOG" || true; }
reload_and_wait() { # reload_and_wait REGEX: SIGHUP, then wait for one more line matching
  local before
  before=$(count_lines "$1")
  t_signal HUP
  more_lines() { (($(count_lines "$1") > before)); }
  t_wait_until 20 more_lines "$1" || t_fail "no log line matching '$1' after SIGHUP"
}

# 1. a value out of range: kept, the reason (file, line, key) is logged
cp "$T_CONF" "$T_DIR/good.conf"
t_config limits.max_body_bytes=1
reload_and_wait 'reload failed'
t_log_has 'reload failed, keeping the current configuration: .*deliberd.conf:[0-9]+: limits.max_body_bytes: must be between 1024' ||
  t_fail "the log does not say why the reload failed"
t_http GET /healthz
t_expect_status 200
t_http POST /healthz "$auditor" --data-binary @"$T_DIR/body"
t_expect_status 405 # the old limit still holds

# 2. a TLS key that does not load: kept too
t_config limits.max_body_bytes=8192 'tls.key="missing-key.pem"'
reload_and_wait 'reload failed'
t_log_has 'reload failed.*tls.key' || t_fail "the log does not name tls.key"
t_http GET /healthz
t_expect_status 200

# 3. a good configuration: applied
t_config limits.max_body_bytes=1024 'tls.key="key.pem"'
reload_and_wait 'configuration reloaded'
t_http POST /healthz "$auditor" --data-binary @"$T_DIR/body"
t_expect_status 413
t_http GET /healthz
t_expect_status 200

t_http GET /metrics "$auditor"
t_expect_status 200
grep -q '^deliberd_config_reloads_total{result="failure"} 2$' <<<"$HTTP_BODY" ||
  t_fail "reload failures not counted"
grep -q '^deliberd_config_reloads_total{result="success"} 1$' <<<"$HTTP_BODY" ||
  t_fail "reload success not counted"

t_stop
[[ $T_EXIT == 0 ]] || t_fail "exit status $T_EXIT"
t_done
