#!/usr/bin/env bash
# test_outputs: output checking over HTTP.  A supervision session is recorded; a
# recipient credential submits a table built from a staged microdata file (with
# suppress) and a finished table with its evidence; output checkers list, review
# and release: a recipient cannot review, one checker approving twice is refused
# (403 same_person), an approval that leaves a failing cell without an exception
# is 409, two approvals by different checkers release it, the release is signed
# and verifies with stock `openssl cms -verify`, and everything is audited.  No
# microdata value appears in any answer.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/retention_lib.sh"

r_setup outputs
mkdir -p "$T_DIR/staging"
t_config checks.staging_dir="\"$T_DIR/staging\""
C1=$(t_credential output_checker olga)
C2=$(t_credential output_checker otto)
AUD=$(t_credential auditor audra)
t_start

post() { # post PATH TOKEN JSON
  t_http POST "$1" "$2" -H 'Content-Type: application/json' --data-binary "$3"
}

# 40 persons of foreign_born (20 F, 20 M) and 3 of naric, two quarters each;
# 987654 is a distinctive wage that must never be echoed.
{
  echo "person_id,reference_period,group,sex,wage"
  for p in $(seq 1 43); do
    if ((p <= 40)); then g=foreign_born; else g=naric; fi
    if ((p % 2)); then s=M; else s=F; fi
    w=$((2000 + p))
    ((p == 43)) && w=987654
    echo "$p,2020Q1,$g,$s,$w"
    echo "$p,2020Q2,$g,$s,$w"
  done
} >"$T_DIR/staging/micro.csv"

# --- a supervision session ---------------------------------------------------------
session='{"recipient":"maastricht-sbe","deliberation":"21/128","supervisor":"KSZ supervisor Sofie",
  "researchers":["researcher A","researcher B"],"start":"2026-03-02T09:00:00+01:00","end":"2026-03-02T17:00:00+01:00"}'
post /v1/sessions "$C1" "$session"
t_expect_status 201
SID=$(jq -r .id <<<"$HTTP_BODY")
t_expect_json .supervisor "KSZ supervisor Sofie"
t_expect_json '.researchers | length' 2
t_expect_json .starts_at 2026-03-02T08:00:00Z
post /v1/sessions "$C1" '{"recipient":"maastricht-sbe","supervisor":"s","researchers":["r"],"start":"2026-03-02T10:00:00Z","end":"2026-03-02T09:00:00Z"}'
t_expect_error 400 invalid_parameter
post /v1/sessions "$C1" '{"recipient":"nobody","supervisor":"s","researchers":["r"],"start":"2026-03-02T08:00:00Z","end":"2026-03-02T09:00:00Z"}'
t_expect_error 400 invalid_parameter
post /v1/sessions "$C1" '{"recipient":"maastricht-sbe","supervisor":"s\u0001","researchers":["r"],"start":"2026-03-02T08:00:00Z","end":"2026-03-02T09:00:00Z"}'
t_expect_error 400 invalid_parameter

# --- submit: built from the staged file, suppressed ------------------------------------
post /v1/outputs "$C1" "{\"session\":$SID,\"table\":{\"by\":[\"group\",\"sex\"]},\"staged_file\":\"micro.csv\"}"
t_expect_status 403 # a checker cannot submit
post /v1/outputs "$REC" "{\"session\":$SID,\"table\":{\"by\":[\"group\",\"sex\"]},\"staged_file\":\"micro.csv\",\"suppress\":true}"
t_expect_status 201
O1=$(jq -r .id <<<"$HTTP_BODY")
t_expect_json .status pending
t_expect_json .report.verdict fail
t_expect_json .report.error_counts.threshold 2
[[ $HTTP_BODY != *987654* ]] || t_fail "a microdata value in the submission answer"
post /v1/outputs "$REC" "{\"session\":$SID,\"table\":{\"by\":[\"group\"]},\"staged_file\":\"micro.csv\",\"bogus\":1}"
t_expect_error 400 invalid_parameter
post /v1/outputs "$REC" "{\"session\":999,\"table\":{\"by\":[\"group\"]},\"staged_file\":\"micro.csv\"}"
t_expect_error 400 invalid_parameter
post /v1/outputs "$REC" "{\"session\":$SID,\"table\":{\"by\":[\"nosuch\"]},\"staged_file\":\"micro.csv\"}"
t_expect_error 400 invalid_parameter

# --- list and read -------------------------------------------------------------------------
t_http GET "/v1/outputs?status=pending" "$C2"
t_expect_status 200
t_expect_json '.outputs | length' 1
t_expect_json '.outputs[0].status' pending
t_http GET "/v1/outputs?status=nonsense" "$C2"
t_expect_error 400 invalid_parameter
t_http GET "/v1/outputs?recipient=other-lab" "$REC"
t_expect_status 403
t_http GET "/v1/outputs/$O1" "$C2"
t_expect_status 200
t_expect_json '[.table.cells[] | select(.status == "suppressed")] | length >= 2' true
[[ $HTTP_BODY != *987654* ]] || t_fail "a microdata value in the output"

# --- reviews: a recipient cannot, the same checker twice cannot --------------------------
post "/v1/outputs/$O1/reviews" "$REC" '{"decision":"approve","comment":"mine"}'
t_expect_status 403
post "/v1/outputs/$O1/reviews" "$C1" '{"decision":"approve","comment":"all small cells suppressed"}'
t_expect_status 201
t_expect_json .status pending
post "/v1/outputs/$O1/reviews" "$C1" '{"decision":"approve","comment":"again"}'
t_expect_error 403 same_person
t_http GET "/v1/outputs/$O1/release" "$C1"
t_expect_status 409
post "/v1/outputs/$O1/reviews" "$C2" '{"decision":"approve","comment":"agreed"}'
t_expect_status 201
t_expect_json .status released
post "/v1/outputs/$O1/reviews" "$AUD" '{"decision":"approve","comment":"x"}'
t_expect_status 403

# --- the release: signed, verifiable with stock openssl --------------------------------
t_http GET "/v1/outputs/$O1/release" "$REC"
t_expect_status 200
t_expect_json '.release.type' deliberd.output_release
t_expect_json '.release.approvals | length' 2
t_expect_json '[.release.table.cells[] | select(.status == "suppressed" and .value != null)] | length' 0
[[ $HTTP_BODY != *987654* ]] || t_fail "a microdata value in the release"
r_download "/v1/outputs/$O1/release/document" "$REC" "$T_DIR/REL.json"
t_expect_status 200
r_download "/v1/outputs/$O1/release/signature" "$REC" "$T_DIR/REL.p7s"
t_expect_status 200
r_download "/v1/signing-certificates?format=pem" "$REC" "$T_DIR/SIGNER.pem"
openssl cms -verify -binary -inform DER -in "$T_DIR/REL.p7s" -content "$T_DIR/REL.json" \
  -CAfile "$T_DIR/SIGNER.pem" -purpose any -out /dev/null 2>"$T_DIR/verify.err" ||
  t_fail "openssl cms -verify failed: $(cat "$T_DIR/verify.err")"
printf 'X' | dd of="$T_DIR/REL.json" bs=1 seek=20 conv=notrunc 2>/dev/null
if openssl cms -verify -binary -inform DER -in "$T_DIR/REL.p7s" -content "$T_DIR/REL.json" \
  -CAfile "$T_DIR/SIGNER.pem" -purpose any -out /dev/null 2>/dev/null; then
  t_fail "a changed release still verifies"
fi
post "/v1/outputs/$O1/reviews" "$C2" '{"decision":"reject","comment":"late"}'
t_expect_status 403 # C2 reviewed it already

# --- a finished table with evidence: exceptions per failing cell ------------------------
evidence="{\"session\":$SID,\"evidence\":\"submitted\",\"table\":{\"by\":[\"sex\"],\"stat\":\"max\",\"value\":\"wage\",
  \"cells\":[{\"cell\":{\"sex\":\"F\"},\"value\":4100,\"persons\":25},{\"cell\":{\"sex\":\"M\"},\"value\":4200,\"persons\":30}]}}"
post /v1/outputs "$REC" "$evidence"
t_expect_status 201
O2=$(jq -r .id <<<"$HTTP_BODY")
t_expect_json .evidence submitted
t_expect_json .report.error_counts.disclosive_statistic 2
post "/v1/outputs/$O2/reviews" "$C2" '{"decision":"approve","comment":"no exceptions"}'
t_expect_error 409 exception_required
post "/v1/outputs/$O2/reviews" "$C2" '{"decision":"approve","comment":"ranges agreed","exceptions":[{"index":1,"grant":true},{"cell":{"sex":"M"},"grant":true}]}'
t_expect_status 201
post "/v1/outputs/$O2/reviews" "$C1" '{"decision":"approve","comment":"ok","exceptions":[{"index":1,"grant":true},{"index":2,"grant":true}]}'
t_expect_status 201
t_expect_json .status released
t_http GET "/v1/outputs/$O2/release" "$C1"
t_expect_json '[.release.table.cells[].status] | unique | join(",")' excepted

# --- a rejection ends it ---------------------------------------------------------------------
post /v1/outputs "$REC" "{\"session\":$SID,\"table\":{\"by\":[\"sex\"]},\"staged_file\":\"micro.csv\"}"
t_expect_status 201
O3=$(jq -r .id <<<"$HTTP_BODY")
t_expect_json .report.verdict pass
post "/v1/outputs/$O3/reviews" "$C1" '{"decision":"reject","comment":"not needed"}'
t_expect_status 201
t_expect_json .status rejected
post "/v1/outputs/$O3/reviews" "$C2" '{"decision":"approve","comment":"too late"}'
t_expect_error 409 not_pending
t_http GET "/v1/outputs?status=released" "$AUD"
t_expect_json '.outputs | length' 2

# --- audited -----------------------------------------------------------------------------------
for action in session.created output.submitted output.reviewed output.released output.rejected; do
  [[ $(r_sql "SELECT count(*) > 0 FROM audit_events WHERE action = '$action'") == t ]] ||
    t_fail "no audit event $action"
done
[[ $(r_sql "SELECT count(*) FROM audit_events WHERE details::text LIKE '%987654%'") == 0 ]] ||
  t_fail "a microdata value in the audit trail"
! grep -q 987654 "$T_LOG" || t_fail "a microdata value in the log"

t_done
