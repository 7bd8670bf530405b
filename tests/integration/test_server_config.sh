#!/usr/bin/env bash
# test_server_config: `deliberd check-config` exits 0 on a valid file (also the shipped
# conf/deliberd.conf with TLS files added) and 2 on an invalid one, naming file, line
# and key; TLS files that do not load are refused too.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t_init server_config

expect_check() { # expect_check RC FILE
  local rc=0
  "$DELIBERD" check-config --config "$2" >"$T_DIR/check.out" 2>"$T_DIR/check.err" || rc=$?
  ((rc == $1)) || t_fail "check-config $2: exit $rc, wanted $1: $(cat "$T_DIR/check.err")"
}

expect_check 0 "$T_CONF"
grep -q 'configuration is valid' "$T_DIR/check.out" || t_fail "no confirmation"

# the shipped defaults plus a certificate
sed -e "s|certificate = \"\";|certificate = \"$T_DIR/cert.pem\";|" \
  -e "s|key = \"\";|key = \"$T_DIR/key.pem\";|" \
  "$DELIBERD_SOURCE_DIR/conf/deliberd.conf" >"$T_DIR/shipped.conf"
expect_check 0 "$T_DIR/shipped.conf"

# an out-of-range value names file, line and key
printf 'limits = {\n  max_connections = 5;\n  max_body_bytes = 99;\n};\n' >"$T_DIR/bad.conf"
expect_check 2 "$T_DIR/bad.conf"
grep -q "bad.conf:3: limits.max_body_bytes: must be between 1024 and 4294967296" \
  "$T_DIR/check.err" || t_fail "message: $(cat "$T_DIR/check.err")"

# an unknown key
printf 'listen = {\n  port = 0;\n  prot = 1;\n};\n' >"$T_DIR/bad.conf"
expect_check 2 "$T_DIR/bad.conf"
grep -q "bad.conf:3: listen.prot: unknown key" "$T_DIR/check.err" || t_fail "unknown key message"

# TLS: no certificate set, then a key that is not the certificate's
expect_check 2 "$DELIBERD_SOURCE_DIR/conf/deliberd.conf"
grep -q "tls.certificate" "$T_DIR/check.err" || t_fail "missing certificate not named"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$T_DIR/other.pem" 2>/dev/null
t_config 'tls.key="other.pem"'
expect_check 2 "$T_CONF"
grep -q "tls.key" "$T_DIR/check.err" || t_fail "mismatched key not named"

# a missing file
expect_check 2 "$T_DIR/nonexistent.conf"
grep -q "nonexistent.conf: cannot open" "$T_DIR/check.err" || t_fail "missing file message"
t_done
