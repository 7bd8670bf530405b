# retention_lib.sh: steps shared by the retention integration tests (test_retention*.sh).
# Source it after lib.sh.  Not a test itself (its name does not start with test_).
#
#   r_setup NAME [t_config overrides...]   # keys, config, migrate, import 21/128, tokens
#   t_start
#   r_ship CSV-FILE                        # POST /v1/checks, then shipped; sets R_ID
#   r_round 2030-11-03T00:00:00+01:00      # one scheduler round at that instant; JSON in $ROUND
#   r_sql "SELECT ..."                     # one value from the test database
#
# Tokens: GOV (governance), DELIV (delivery), REC (recipient maastricht-sbe).

GOV=""
DELIV=""
REC=""
R_ID=""
ROUND=""

r_setup() {
  t_init "$1"
  shift
  "$DELIBERD" keygen --key "$T_DIR/sign-key.pem" --cert "$T_DIR/sign-cert.pem" \
    >"$T_DIR/keygen.out" 2>&1 || t_fail "deliberd keygen failed: $(cat "$T_DIR/keygen.out")"
  # Rounds are driven by `deliberd retention run --at`; the daemon's own scheduler is
  # off, or its real-time round could act first (e.g. cancel after an amendment).
  t_config 'signing.key="sign-key.pem"' 'signing.certificate="sign-cert.pem"' \
    retention.interval_seconds=0 "$@"
  t_migrate
  t_run import "$DELIBERD_SOURCE_DIR/conf/deliberations/21-128.conf" ||
    t_fail "import of 21-128.conf failed: $(cat "$T_DIR/run.err")"
  GOV=$(t_credential governance gina)
  DELIV=$(t_credential delivery dirk)
  REC=$(t_credential recipient rita maastricht-sbe)
}

r_sql() {
  psql -X -q -A -t -d "$T_DB" -c "$1"
}

# r_ship FILE: checks FILE for maastricht-sbe (naric, phase 1, recipient premises, today)
# and marks it shipped; R_ID is the delivery id.
r_ship() {
  t_http POST "/v1/checks?deliberation=21-128&recipient=maastricht-sbe&group=naric&phase=1&destination=recipient_premises" \
    "$DELIV" -H 'Content-Type: text/csv' --data-binary @"$1"
  [[ $HTTP_STATUS == 200 || $HTTP_STATUS == 201 ]] || t_fail "check: status $HTTP_STATUS: $HTTP_BODY"
  t_expect_json .verdict pass
  R_ID=$(jq -r .delivery_id <<<"$HTTP_BODY")
  [[ $R_ID =~ ^[0-9]+$ ]] || t_fail "no delivery_id: $HTTP_BODY"
  t_http POST "/v1/deliveries/$R_ID/shipped" "$DELIV"
  [[ $HTTP_STATUS == 200 || $HTTP_STATUS == 201 ]] || t_fail "shipped: status $HTTP_STATUS: $HTTP_BODY"
}

# r_extract N FILE: a small valid extract whose content (and so hash) depends on N.
r_extract() {
  printf 'person_id,reference_period\n%d,2020Q1\n%d,2020-06\n' "$1" "$(($1 + 1000))" >"$2"
}

# r_round AT [ARGS...]: one round at AT.  A real round acts at the real now only, so
# it runs with its clock at AT (t_run_at, libfaketime); a dry run (--dry-run in ARGS)
# is asked for AT with --at.  JSON report in $ROUND.
r_round() {
  local at=$1
  shift
  if [[ " $* " == *" --dry-run "* ]]; then
    t_run retention run --at "$at" --format json "$@" ||
      t_fail "retention run --dry-run --at $at failed: $(cat "$T_DIR/run.err")"
  else
    t_run_at "$at" retention run --format json "$@" ||
      t_fail "retention run at $at failed: $(cat "$T_DIR/run.err")"
  fi
  ROUND=$(cat "$T_DIR/run.out")
}

# r_round_same AT: a dry run at AT, then the real round at AT: both must report the
# same actions (the dry run is that round, rolled back; `at` aside, since the real
# round reads its running clock a moment after AT).  The real report in $ROUND.
r_round_same() {
  r_round "$1" --dry-run
  local dry=$ROUND
  r_round "$1"
  [[ $(jq -S 'del(.dry_run, .at)' <<<"$dry") == "$(jq -S 'del(.dry_run, .at)' <<<"$ROUND")" ]] ||
    t_fail "at $1 the dry run reported $(jq -c . <<<"$dry"), the real round $(jq -c . <<<"$ROUND")"
}

# r_last_order: the id of the newest destruction order.
r_last_order() {
  r_sql "SELECT coalesce(max(id), 0) FROM destruction_orders"
}

# r_round_expect FILTER VALUE: jq -r FILTER on the last round's report.
r_round_expect() {
  local got
  got=$(jq -r "$1" <<<"$ROUND") || t_fail "round report is not JSON: $ROUND"
  [[ $got == "$2" ]] || t_fail "round: $1 is '$got', wanted '$2'; report: $ROUND"
}

# r_confirm_body SHA...: a complete confirmation body naming these extracts.
r_confirm_body() {
  local hashes
  hashes=$(printf '%s\n' "$@" | jq -R . | jq -cs .)
  jq -cn --argjson h "$hashes" --arg at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" '{
    performed_by: {name: "Rita Jansen", function: "data protection officer"},
    performed_at: $at,
    method: {category: "purge", description: "cryptographic erase of the project volume",
             tool: "cryptsetup luksErase 2.6"},
    backups_included: true, backup_locations: ["nightly backup of the project server"],
    derived_copies_included: true, derived_copy_locations: ["analysis workstation"],
    sha256: $h}'
}

# r_download PATH TOKEN FILE: GET PATH into FILE byte for byte (binary safe); sets
# HTTP_STATUS.  The token goes through a file, never on a command line.
r_download() {
  printf 'header = "Authorization: Bearer %s"\n' "$2" >"$T_DIR/dl.curl"
  HTTP_STATUS=$(curl -sk --max-time 60 --config "$T_DIR/dl.curl" -D "$T_DIR/dl.headers" \
    -o "$3" -w '%{http_code}' "$T_URL$1") || true
  rm -f "$T_DIR/dl.curl"
}

# r_header NAME: a response header of the last r_download.
r_header() {
  tr -d '\r' <"$T_DIR/dl.headers" | sed -n "s/^$1: //Ip" | tail -n 1
}

r_audit_verify() {
  t_run audit verify || t_fail "audit verify failed: $(cat "$T_DIR/run.out" "$T_DIR/run.err")"
}
