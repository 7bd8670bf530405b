#!/usr/bin/env bash
# The web console in a real browser (docs/console.md): headless Chromium driven by
# puppeteer-core (tests/browser/console.test.mjs) against the real daemon and
# PostgreSQL.  This script makes the data (21/128 imported, three checks of which two
# shipped, a no-longer-needed order) and one credential per role, then runs the
# browser test.  Needs Chromium and `npm ci` in tests/browser (scripts/test does
# both); without them it is skipped (exit 77), never passed.
# DELIBERD_SCREENSHOTS=DIR keeps the screenshots there (docs/console/ is made so).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/retention_lib.sh"

browser_dir="$DELIBERD_SOURCE_DIR/tests/browser"
chromium=${CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $chromium || ! -d $browser_dir/node_modules/puppeteer-core ]] || ! command -v node >/dev/null; then
  echo "SKIP browser: needs $chromium, node and 'npm ci' in tests/browser (scripts/test does both)"
  # scripts/test installs both, so there a skip would hide a broken set-up: fail.
  [[ -n ${DELIBERD_TEST_NO_SKIP:-} ]] && t_fail "the browser test's tools are missing"
  exit 77
fi

r_setup browser
mkdir -p "$T_DIR/staging"
t_config checks.staging_dir="\"$T_DIR/staging\""
AUD=$(t_credential auditor aldo)
CHK=$(t_credential output_checker olga)
CHK2=$(t_credential output_checker oscar)
t_start

# a second recipient, to be refused the first one's order
t_http POST /v1/recipients "$GOV" -H 'Content-Type: application/json' \
  -d '{"id": "other-org", "name": "Other organisation"}'
t_expect_status 201
OTHER=$(t_credential recipient otto other-org)

r_extract 1 "$T_DIR/a.csv"
r_ship "$T_DIR/a.csv"
first=$R_ID
r_extract 5 "$T_DIR/b.csv"
r_ship "$T_DIR/b.csv"
printf 'person_id,reference_period,no_such_column\n1,2020Q1,x\n' >"$T_DIR/bad.csv"
t_http POST "/v1/checks?deliberation=21-128&recipient=maastricht-sbe&group=naric&phase=1&destination=recipient_premises" \
  "$DELIV" -H 'Content-Type: text/csv' --data-binary @"$T_DIR/bad.csv"
t_expect_json .verdict fail
t_http POST "/v1/deliveries/$first/no-longer-needed" "$REC"
t_expect_status 201
order=$(jq -r .order.id <<<"$HTTP_BODY")

# an output from the secure room, built from staged microdata with its unsafe cells
# suppressed, waiting for two output checkers
{
  echo "person_id,reference_period,group,sex"
  for p in $(seq 1 43); do
    if ((p <= 40)); then g=foreign_born; else g=naric; fi
    if ((p % 2)); then s=M; else s=F; fi
    echo "$p,2020Q1,$g,$s"
  done
} >"$T_DIR/staging/micro.csv"
t_http POST /v1/sessions "$CHK" -H 'Content-Type: application/json' --data-binary \
  '{"recipient":"maastricht-sbe","deliberation":"21/128","supervisor":"Sofie","researchers":["A"],"start":"2026-03-02T09:00:00+01:00","end":"2026-03-02T17:00:00+01:00"}'
t_expect_status 201
sid=$(jq -r .id <<<"$HTTP_BODY")
t_http POST /v1/outputs "$REC" -H 'Content-Type: application/json' --data-binary \
  "{\"session\":$sid,\"table\":{\"by\":[\"group\",\"sex\"]},\"staged_file\":\"micro.csv\",\"suppress\":true}"
t_expect_status 201
output=$(jq -r .id <<<"$HTTP_BODY")

# an amendment proposed by one governance credential, for another to approve in the
# browser (only when this deliberd has version approval)
GOV2=$(t_credential governance gaston)
v3=$(r_sql "SELECT terms_json FROM deliberation_versions WHERE reference = '21/128' AND number = 3" 2>/dev/null || true)
proposed=false
if [[ -n $v3 ]] && r_sql "SELECT 1 FROM version_approvals LIMIT 0" >/dev/null 2>&1; then
  v4=$(jq -c --arg s "$(printf 'signed decision' | sha256sum | cut -d' ' -f1)" '.number = 4 |
    .decided_on = "2026-11-30" | .in_force_from = "2027-06-01" | .source_sha256 = $s |
    .decision_reference = "ISC/26/201" | .summary = "Amendment proposed in the browser test"' <<<"$v3")
  t_http POST /v1/deliberations/21-128/versions "$GOV" -H 'Content-Type: application/json' --data-binary "$v4"
  t_expect_status 201
  proposed=true
fi

# the credentials page manages credentials once the API has them
t_http GET /v1/openapi.json "$GOV"
creds=$(jq '.paths | has("/v1/credentials")' <<<"$HTTP_BODY")
approvals=$(jq '.paths | has("/v1/deliberations/{ref}/versions/{n}/approval")' <<<"$HTTP_BODY")

umask 077
jq -n --arg g "$GOV" --arg d "$DELIV" --arg r "$REC" --arg a "$AUD" --arg o "$OTHER" --arg c "$CHK" --arg c2 "$CHK2" --argjson output "$output" --argjson order "$order" --argjson creds "$creds" --argjson approvals "$approvals" --argjson proposed "$proposed" --arg g2 "$GOV2" \
  '{tokens: {governance: $g, governance2: $g2, delivery: $d, recipient: $r, auditor: $a, other_recipient: $o, output_checker: $c, output_checker2: $c2}, order: $order, output: $output, credentials_api: $creds, approvals_api: $approvals, proposed: $proposed}' \
  >"$T_DIR/setup.json"
mkdir -p "$T_DIR/shots"
BASE_URL=$T_URL SETUP_FILE="$T_DIR/setup.json" SHOT_DIR="$T_DIR/shots" CHROMIUM=$chromium \
  node "$browser_dir/console.test.mjs" || t_fail "the browser test failed"
if [[ -n ${DELIBERD_SCREENSHOTS:-} ]]; then
  mkdir -p "$DELIBERD_SCREENSHOTS"
  cp "$T_DIR"/shots/*.png "$DELIBERD_SCREENSHOTS/"
fi

# what the browser did is on the record, and the chain holds
[[ $(r_sql "SELECT count(*) FROM audit_events WHERE action = 'session.start'") -ge 6 ]] || t_fail "sessions not audited"
[[ $(r_sql "SELECT status FROM destruction_orders WHERE id = $order") == confirmed ]] || t_fail "order not confirmed"
[[ $(r_sql "SELECT status FROM outputs WHERE id = $output") == released ]] || t_fail "output not released"
if [[ $proposed == true ]]; then
  [[ $(r_sql "SELECT state FROM version_approvals WHERE reference = '21/128' AND number = 4") == approved ]] ||
    t_fail "version 4 not approved through the console"
fi
r_audit_verify
t_done
