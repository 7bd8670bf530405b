#!/usr/bin/env bash
# The web console's sessions and files (docs/console.md): a bearer token is exchanged
# for a session cookie (HttpOnly, Secure, SameSite=Strict, bounded), the cookie
# authenticates /v1 like the token, writes need the session's CSRF token, logout and
# credential revocation end the session; /ui/ pages carry a strict CSP; the OpenAPI
# description is served at /v1/openapi.json.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t_init ui_session
t_config ui.session_minutes=5
t_migrate
gov=$(t_credential governance gina)
aud=$(t_credential auditor aldo)
t_start

# cookie_http METHOD PATH COOKIE [CSRF] [CURL-ARGS...]: a request with the session
# cookie (through a file: never on a command line) and optionally the CSRF header.
cookie_http() {
  local method=$1 path=$2 cookie=$3 csrf=${4:-}
  shift 4 2>/dev/null || shift $#
  printf 'header = "Cookie: __Host-deliberd_session=%s"\n' "$cookie" >"$T_DIR/c.curl"
  if [[ -n $csrf ]]; then
    printf 'header = "X-CSRF-Token: %s"\n' "$csrf" >>"$T_DIR/c.curl"
  fi
  HTTP_STATUS=$(curl -sk --max-time 60 -X "$method" --config "$T_DIR/c.curl" \
    -D "$T_DIR/http.headers" -o "$T_DIR/http.body" -w '%{http_code}' "$@" "$T_URL$path") || true
  HTTP_BODY=$(cat "$T_DIR/http.body" 2>/dev/null || true)
  rm -f "$T_DIR/c.curl"
}

# static files: public, strict CSP, no inline script allowed
t_http GET /ui/
t_expect_status 200
[[ $(t_header Content-Type) == "text/html; charset=utf-8" ]] || t_fail "index content type"
csp=$(t_header Content-Security-Policy)
[[ $csp == *"script-src 'self'"* && $csp == *"default-src 'none'"* && $csp != *unsafe* ]] ||
  t_fail "CSP: $csp"
[[ $(t_header X-Frame-Options) == DENY ]] || t_fail "X-Frame-Options"
t_http GET /ui/app.js
t_expect_status 200
[[ $(t_header Content-Type) == "text/javascript; charset=utf-8" ]] || t_fail "app.js content type"
t_http GET /ui/nothing.js
t_expect_error 404 not_found
t_http GET /ui/..%2Fmigrations%2F0001_core.sql
t_expect_error 404 not_found
t_http GET /ui
t_expect_status 308
[[ $(t_header Location) == /ui/ ]] || t_fail "redirect"

# the API stays closed without credentials; the description needs one too
t_http GET /v1/openapi.json
t_expect_error 401 unauthenticated
t_http GET /v1/openapi.json "$aud"
t_expect_status 200
t_expect_json .openapi 3.1.0

# sign in: only with a bearer token
t_http POST /v1/session
t_expect_error 401 unauthenticated
t_http POST /v1/session "$gov"
t_expect_status 201
t_expect_json .role governance
t_expect_json .name gina
setcookie=$(t_header Set-Cookie)
[[ $setcookie == "__Host-deliberd_session="* ]] || t_fail "no session cookie"
for attr in "Path=/" Secure HttpOnly "SameSite=Strict" "Max-Age=300"; do
  [[ $setcookie == *"; $attr"* ]] || t_fail "cookie lacks $attr"
done
cookie=${setcookie#__Host-deliberd_session=}
cookie=${cookie%%;*}
csrf=$(jq -r .csrf_token <<<"$HTTP_BODY")
[[ $csrf =~ ^[0-9a-f]{64}$ ]] || t_fail "no CSRF token"
expires=$(jq -r .expires_at <<<"$HTTP_BODY")
[[ $(date -d "$expires" +%s) -le $(($(date +%s) + 301)) ]] || t_fail "session lasts too long: $expires"

# the cookie authenticates reads of /v1 as the credential
cookie_http GET /v1/session "$cookie"
t_expect_status 200
t_expect_json .session true
t_expect_json .csrf_token "$csrf"
cookie_http GET /v1/audit "$cookie"
t_expect_status 200
t_expect_json '[.events[] | select(.action == "session.start")] | length' 1
cookie_http GET /v1/deliveries "$cookie"
t_expect_status 200
# a bad or missing CSRF token refuses a write before anything happens
body='{"id": "ui-test", "name": "UI test"}'
cookie_http POST /v1/recipients "$cookie" "" -H 'Content-Type: application/json' -d "$body"
t_expect_error 403 forbidden
cookie_http POST /v1/recipients "$cookie" "$(printf '0%.0s' {1..64})" -H 'Content-Type: application/json' -d "$body"
t_expect_error 403 forbidden
t_http GET /v1/recipients/ui-test "$gov"
t_expect_status 404
cookie_http POST /v1/recipients "$cookie" "$csrf" -H 'Content-Type: application/json' -d "$body"
t_expect_status 201
# a session cannot extend itself
cookie_http POST /v1/session "$cookie" "$csrf"
t_expect_error 400 invalid_parameter
# a forged cookie is 401
cookie_http GET /v1/deliveries "dls_$(printf 'a%.0s' {1..64})"
t_expect_error 401 unauthenticated

# logout ends it
cookie_http DELETE /v1/session "$cookie"
t_expect_error 403 forbidden
cookie_http DELETE /v1/session "$cookie" "$csrf"
t_expect_status 204
[[ $(t_header Set-Cookie) == *"Max-Age=0"* ]] || t_fail "logout does not clear the cookie"
cookie_http GET /v1/deliveries "$cookie"
t_expect_error 401 unauthenticated

# revoking the credential ends its sessions
t_http POST /v1/session "$aud"
t_expect_status 201
setcookie=$(t_header Set-Cookie)
cookie=${setcookie#__Host-deliberd_session=}
cookie=${cookie%%;*}
cookie_http GET /v1/deliveries "$cookie"
t_expect_status 200
t_run credential revoke --name aldo || t_fail "revoke failed"
cookie_http GET /v1/deliveries "$cookie"
t_expect_error 401 unauthenticated

t_run audit verify || t_fail "audit verify failed: $(cat "$T_DIR/run.out")"
t_done
