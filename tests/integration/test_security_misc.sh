#!/usr/bin/env bash
# test_security_misc: the smaller defences of issue 13 item 6.
#  - webhook URLs must be https (http only to a loopback address) at registration
#    (PATCH /v1/recipients/{id}), not only when sending;
#  - /metrics is for governance and auditor credentials; recipient and delivery
#    credentials get 403;
#  - the TLS certificate's expiry: one expiring within 30 days is served with a
#    warning and deliberd_tls_certificate_expiry_seconds; an expired one stops the
#    start, and a SIGHUP reload to an expired one keeps the current configuration.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t_init security_misc
t_migrate
t_run import "$DELIBERD_SOURCE_DIR/conf/deliberations/21-128.conf" || t_fail "import: $(cat "$T_DIR/run.err")"
gov=$(t_credential governance gina)
auditor=$(t_credential auditor audra)
delivery=$(t_credential delivery dora)
lab=$(t_credential recipient rita maastricht-sbe)
t_start

patch() {
  t_http PATCH /v1/recipients/maastricht-sbe "$gov" -H 'Content-Type: application/json' \
    -d "$(jq -nc --arg u "$1" '{webhook_url: $u, webhook_secret: "s3cret-s3cret-s3cret"}')"
}
for url in http://hooks.example.org/x http://10.0.0.1/x http://[2001:db8::1]/x http://127.0.0.1.example.org/x; do
  patch "$url"
  t_expect_error 400 invalid_parameter
  t_expect_json .error.field webhook_url
done
for url in https://hooks.example.org/x http://127.0.0.1:9/x http://localhost/x http://[::1]:9/x; do
  patch "$url"
  [[ $HTTP_STATUS == 200 ]] || t_fail "$url refused: $HTTP_STATUS $HTTP_BODY"
done

for tok in "$gov" "$auditor"; do
  t_http GET /metrics "$tok"
  t_expect_status 200
done
grep -Eq '^deliberd_tls_certificate_expiry_seconds [0-9.e+]+$' <<<"$HTTP_BODY" ||
  t_fail "no certificate expiry metric"
for tok in "$delivery" "$lab"; do
  t_http GET /metrics "$tok"
  t_expect_error 403 forbidden
done
# lib.sh's certificate is valid for 2 days: within the 30-day warning
t_log_has 'tls.certificate .* expires in [01] day' || t_fail "no warning for a certificate about to expire"

# an expired certificate (valid for 0 days: expired a second after it is made)
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T_DIR/old-key.pem" \
  -out "$T_DIR/old.csr" -subj /CN=localhost 2>/dev/null
openssl x509 -req -in "$T_DIR/old.csr" -signkey "$T_DIR/old-key.pem" -days 0 -out "$T_DIR/old-cert.pem" 2>/dev/null
expired() { ! openssl x509 -in "$T_DIR/old-cert.pem" -noout -checkend 0 >/dev/null; }
t_wait_until 5 expired || t_fail "the test certificate did not expire"
# reload: refused, the daemon goes on with the current certificate
t_config tls.certificate='"old-cert.pem"' tls.key='"old-key.pem"'
t_signal HUP
reload_failed() { t_log_has 'reload failed.*expired'; }
t_wait_until 20 reload_failed || t_fail "no failed reload for an expired certificate"
t_http GET /healthz
t_expect_status 200
# start: refused
t_stop
"$DELIBERD" serve --config "$T_CONF" >"$T_DIR/serve2.out" 2>"$T_DIR/serve2.log" && t_fail "started with an expired certificate"
grep -q 'expired on' "$T_DIR/serve2.log" || t_fail "no reason given: $(cat "$T_DIR/serve2.log")"
t_done
