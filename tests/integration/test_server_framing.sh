#!/usr/bin/env bash
# test_server_framing: strict HTTP/1.1 framing (RFC 9112 sections 5, 6).  A request
# whose body length two parsers could read differently is refused with 400 and the
# JSON error shape before anything routes it: a signed, listed, zero-padded or
# repeated Content-Length, Content-Length with Transfer-Encoding, a transfer coding
# other than chunked, whitespace before a field's colon, a folded line.  A declared
# body over limits.max_body_bytes gets 413 at once, with the client still sending
# (also for 9223372036854775807 and for lengths past 64 bits).  Plain requests, a
# valid body and a pipelined pair keep working.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t_init server_framing
t_config listen.workers=1 limits.max_body_bytes=4096 limits.request_timeout_ms=20000
t_migrate
t_start

# raw REQUEST-FILE: sends it over TLS; the answer in $T_DIR/raw.out (the server
# closes: every request here ends with Connection: close or is refused)
raw() {
  timeout 20 openssl s_client -quiet -connect "127.0.0.1:$T_PORT" <"$1" \
    >"$T_DIR/raw.out" 2>/dev/null || true
}
status_of() {
  sed -n '1s/^HTTP\/1.1 \([0-9]*\).*/\1/p' "$T_DIR/raw.out" | tr -d '\r'
}
expect_refused() { # STATUS CODE WHAT
  local got
  got=$(status_of)
  [[ $got == "$1" ]] || t_fail "$3: status '$got', wanted $1: $(head -c 300 "$T_DIR/raw.out")"
  tail -n 1 "$T_DIR/raw.out" | jq -e --arg c "$2" '.error.code == $c and (.error.message | type == "string")' \
    >/dev/null || t_fail "$3: not the JSON error shape: $(tail -n 1 "$T_DIR/raw.out")"
  grep -qi '^Connection: close' "$T_DIR/raw.out" || t_fail "$3: no Connection: close"
}
req() { # HEADER-LINES... : a POST /healthz with those header lines and body "hello"
  {
    printf 'POST /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n'
    local h
    for h in "$@"; do
      printf '%s\r\n' "$h"
    done
    printf '\r\nhello'
  } >"$T_DIR/req"
}

declare -A bad=(
  [signed]='Content-Length: +5'
  [negative]='Content-Length: -5'
  [list]='Content-Length: 5, 5'
  [leading_zero]='Content-Length: 005'
  [hex]='Content-Length: 0x5'
  [empty]='Content-Length: '
  [space_before_colon]='Content-Length : 5'
  [gzip]='Transfer-Encoding: gzip'
  [te_list]='Transfer-Encoding: gzip, chunked'
)
for name in "${!bad[@]}"; do
  req "${bad[$name]}"
  raw "$T_DIR/req"
  expect_refused 400 invalid "$name"
done
# repeated Content-Length, equal or not
req 'Content-Length: 5' 'Content-Length: 5'
raw "$T_DIR/req"
expect_refused 400 invalid "two equal Content-Length"
req 'Content-Length: 5' 'Content-Length: 6'
raw "$T_DIR/req"
expect_refused 400 invalid "two different Content-Length"
# both framings
req 'Content-Length: 5' 'Transfer-Encoding: chunked'
raw "$T_DIR/req"
expect_refused 400 invalid "Content-Length with Transfer-Encoding"
req 'Transfer-Encoding: chunked' 'Content-Length: 5'
raw "$T_DIR/req"
expect_refused 400 invalid "Transfer-Encoding with Content-Length"
req 'Transfer-Encoding: chunked' 'Transfer-Encoding: chunked'
raw "$T_DIR/req"
expect_refused 400 invalid "two Transfer-Encoding"
# a folded line, and Content-Length padded past the scanner's line buffer
req 'X-A: 1' ' Content-Length: 5'
raw "$T_DIR/req"
expect_refused 400 invalid "obs-fold"
req "Content-Length:$(printf '%100s' '')5"
raw "$T_DIR/req"
expect_refused 400 invalid "padded Content-Length"
t_log_has 'HTTP 400 at the headers' || t_fail "no log line for a refused framing"

# valid: a body of 5 reaches routing (405: /healthz takes no POST; 401 without a token
# would also be routing); "0" is a valid length
req 'Content-Length: 5'
raw "$T_DIR/req"
[[ $(status_of) == 405 || $(status_of) == 401 ]] || t_fail "a valid body was refused: $(head -n 1 "$T_DIR/raw.out")"
printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' >"$T_DIR/req"
raw "$T_DIR/req"
[[ $(status_of) == 200 ]] || t_fail "Content-Length: 0 refused: $(head -n 1 "$T_DIR/raw.out")"
# pipelined: a good request, then a bad one on the same connection
printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\nPOST /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: +1\r\n\r\nx' >"$T_DIR/req"
raw "$T_DIR/req"
grep -c '^HTTP/1.1 ' "$T_DIR/raw.out" | grep -qx 2 || t_fail "pipelined: not two answers: $(cat "$T_DIR/raw.out")"
grep -q '^HTTP/1.1 200' "$T_DIR/raw.out" && grep -q '^HTTP/1.1 400' "$T_DIR/raw.out" ||
  t_fail "pipelined: wanted 200 then 400"

# 413 at once: the client declares a huge body, sends a little and keeps the
# connection open; the answer comes and the connection closes well before the deadline
for len in 9223372036854775807 5000 123456789012345678901234567890; do
  rm -f "$T_DIR/big.in"
  mkfifo "$T_DIR/big.in"
  timeout 30 openssl s_client -quiet -connect "127.0.0.1:$T_PORT" <"$T_DIR/big.in" \
    >"$T_DIR/raw.out" 2>/dev/null &
  client=$!
  exec 7>"$T_DIR/big.in"
  printf 'POST /v1/checks HTTP/1.1\r\nHost: localhost\r\nContent-Length: %s\r\n\r\n' "$len" >&7
  head -c 1000 /dev/zero >&7
  started=$SECONDS
  client_gone() { ! kill -0 "$client" 2>/dev/null; }
  t_wait_until 10 client_gone || t_fail "Content-Length $len: no answer and close within 10 s"
  exec 7>&-
  wait "$client" 2>/dev/null || true
  ((SECONDS - started < 10)) || t_fail "Content-Length $len: answered too late"
  expect_refused 413 too_large "Content-Length $len"
done

# the server is still fine
t_http GET /healthz
t_expect_status 200
t_http GET /metrics
t_done
