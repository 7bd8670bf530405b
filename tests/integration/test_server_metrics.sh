#!/usr/bin/env bash
# test_server_metrics: /metrics (governance and auditor credentials) is Prometheus text and counts
# requests by route and status, with a latency histogram and the database error count.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t_init server_metrics
t_migrate
tok=$(t_credential auditor audra)
t_start

for _ in 1 2 3; do
  t_http GET /healthz
  t_expect_status 200
done
t_http GET /nowhere "$tok"
t_expect_status 404
t_http GET /metrics
t_expect_status 401

t_http GET /metrics "$tok"
t_expect_status 200
[[ $(t_header Content-Type) == text/plain* ]] || t_fail "content type $(t_header Content-Type)"
m=$HTTP_BODY
has() { grep -qx -- "$1" <<<"$m" || t_fail "no line '$1' in /metrics"; }
has 'deliberd_http_requests_total{route="healthz",status="200"} 3'
has 'deliberd_http_requests_total{route="-",status="404"} 1'
has 'deliberd_http_requests_total{route="metrics",status="401"} 1'
has '# TYPE deliberd_http_request_duration_seconds histogram'
has 'deliberd_http_request_duration_seconds_count{route="healthz"} 3'
has 'deliberd_http_request_duration_seconds_bucket{route="healthz",le="+Inf"} 3'
has 'deliberd_db_errors_total 0'
grep -Eq '^deliberd_http_connections [0-9]+$' <<<"$m" || t_fail "no connections gauge"

# the scrape itself is counted by the next one
t_http GET /metrics "$tok"
grep -qx 'deliberd_http_requests_total{route="metrics",status="200"} 1' <<<"$HTTP_BODY" ||
  t_fail "the first scrape was not counted"

t_stop
[[ $T_EXIT == 0 ]] || t_fail "exit status $T_EXIT"
t_done
