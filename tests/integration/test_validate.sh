#!/usr/bin/env bash
# test_validate: `deliberd validate` against the shipped 21-128.conf and against
# the registry: exit 0 on a passing extract, 1 on a failing one (JSON report with
# the contract's keys, one object on stdout), 2 when it cannot check (bad
# arguments, unreadable file, bad terms, unknown group, no database), text format,
# stdin, a large file on several threads giving the same report as one thread, and
# no cell value in any output.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export DELIBERD_TEST_DB_PREFIX=${DELIBERD_TEST_DB_PREFIX:-validator_}

t_init validate
conf=$DELIBERD_SOURCE_DIR/conf/deliberations/21-128.conf
args=(--terms "$conf" --recipient maastricht-sbe --group naric --phase 1 --date 2025-12-01)

validate() { # validate ARGS...: sets RC, OUT, ERR
  RC=0
  "$DELIBERD" validate "$@" >"$T_DIR/v.out" 2>"$T_DIR/v.err" || RC=$?
  OUT=$(cat "$T_DIR/v.out")
  ERR=$(cat "$T_DIR/v.err")
}

printf 'person_id,reference_period,naric_refugee\n1,2020Q1,Y\n2,2020-05,N\n' >"$T_DIR/ok.csv"
# ZQXW... and the national number are distinctive values that must never be echoed
printf 'person_id,reference_period,naric_refugee,naric_qualification_name\n1,2020Q1,ZQXWYES,fine\n2,2020-05-17,N,"id 85.07.30-033.28"\n' >"$T_DIR/bad.csv"

# --- pass: exit 0, one JSON object ------------------------------------------------
validate "${args[@]}" "$T_DIR/ok.csv"
[[ $RC == 0 ]] || t_fail "passing extract: exit $RC: $ERR"
jq -e . "$T_DIR/v.out" >/dev/null || t_fail "not JSON: $OUT"
[[ $(jq -s length "$T_DIR/v.out") == 1 ]] || t_fail "more than one JSON value"
[[ $(jq -r .verdict <<<"$OUT") == pass ]] || t_fail "verdict: $OUT"
[[ $(jq -r '.rows, .persons, .bytes' <<<"$OUT" | paste -sd,) == "2,2,$(stat -c %s "$T_DIR/ok.csv")" ]] ||
  t_fail "rows/persons/bytes: $OUT"
[[ $(jq -r .sha256 <<<"$OUT") == $(sha256sum "$T_DIR/ok.csv" | cut -d' ' -f1) ]] || t_fail "sha256"
[[ $(jq -c .error_counts <<<"$OUT") == '{}' && $(jq -c .errors <<<"$OUT") == '[]' ]] ||
  t_fail "errors of a passing extract: $OUT"
[[ $(jq -r '.deliberation, .version, .recipient, .group, .phase, .date' <<<"$OUT" | paste -sd,) == \
  "21/128,3,maastricht-sbe,naric,1,2025-12-01" ]] || t_fail "parameters in the report: $OUT"

# --- fail: exit 1, rules, lines, columns, never a value ---------------------------
validate "${args[@]}" "$T_DIR/bad.csv"
[[ $RC == 1 ]] || t_fail "failing extract: exit $RC: $ERR"
bad_report=$OUT
[[ $(jq -r .verdict <<<"$OUT") == fail ]] || t_fail "verdict: $OUT"
[[ $(jq -c .error_counts <<<"$OUT") == '{"type":1,"day_precision_date":1,"national_number":1}' ]] ||
  t_fail "error_counts: $(jq -c .error_counts <<<"$OUT")"
[[ $(jq -c '[.errors[] | [.rule, .line, .column, .field]]' <<<"$OUT") == \
  '[["type",2,"naric_refugee",3],["day_precision_date",3,"reference_period",2],["national_number",3,"naric_qualification_name",4]]' ]] ||
  t_fail "errors: $(jq -c .errors <<<"$OUT")"
for secret in ZQXW 85.07.30 2020-05-17; do
  grep -q -- "$secret" "$T_DIR/v.out" "$T_DIR/v.err" && t_fail "a cell value ($secret) is in the output"
done

validate "${args[@]}" --format text "$T_DIR/bad.csv"
[[ $RC == 1 ]] || t_fail "text format: exit $RC"
grep -q '^FAIL' <<<"$OUT" || t_fail "text report: $OUT"
grep -q 'line 3, field 4, column naric_qualification_name: national_number' <<<"$OUT" ||
  t_fail "text report lines: $OUT"
for secret in ZQXW 85.07.30 2020-05-17; do
  grep -q -- "$secret" "$T_DIR/v.out" && t_fail "a cell value ($secret) is in the text report"
done

# --- a file without its header row: its first row is never echoed as column names --
printf '12345,2024Q1,Jansen Pieter,Gent\n23456,2024Q1,Peeters An,Leuven\n' >"$T_DIR/nohdr.csv"
for fmt in json text; do
  validate "${args[@]}" --format $fmt "$T_DIR/nohdr.csv"
  [[ $RC == 1 ]] || t_fail "headerless ($fmt): exit $RC: $ERR"
  for secret in 12345 2024Q1 Jansen Gent; do
    grep -q -- "$secret" "$T_DIR/v.out" "$T_DIR/v.err" && t_fail "headerless ($fmt): a cell value ($secret) is in the output"
  done
done
validate "${args[@]}" "$T_DIR/nohdr.csv"
[[ $(jq -c '[.errors[] | select(.rule == "unknown_column") | [.column, .field]]' <<<"$OUT") == \
  '[[null,1],[null,2],[null,3],[null,4]]' ]] || t_fail "headerless: $(jq -c .errors <<<"$OUT")"

# --- stdin -------------------------------------------------------------------------
RC=0
"$DELIBERD" validate "${args[@]}" - <"$T_DIR/bad.csv" >"$T_DIR/stdin.out" 2>/dev/null || RC=$?
[[ $RC == 1 ]] || t_fail "stdin: exit $RC"
[[ $(cat "$T_DIR/stdin.out") == "$bad_report" ]] || t_fail "stdin report differs from the file's"

# --- check-level rules -------------------------------------------------------------
validate --terms "$conf" --recipient someone-else --group naric --phase 2 \
  --destination recipient_premises --date 2025-12-01 "$T_DIR/ok.csv"
[[ $RC == 1 ]] || t_fail "not authorised: exit $RC"
[[ $(jq -c '[.errors[] | .rule]' <<<"$OUT") == '["not_authorised","destination_not_allowed"]' ]] ||
  t_fail "check-level rules: $(jq -c .errors <<<"$OUT")"
validate "${args[@]/2025-12-01/2024-06-01}" "$T_DIR/ok.csv"
[[ $RC == 1 && $(jq -c .error_counts <<<"$OUT") == '{"terms_unknown":1}' ]] ||
  t_fail "terms unknown: exit $RC $OUT"

# --- cannot check: exit 2 with a message -------------------------------------------
expect2() { # expect2 WHAT ARGS...
  local what=$1
  shift
  validate "$@"
  [[ $RC == 2 ]] || t_fail "$what: exit $RC (expected 2)"
  [[ -n $ERR ]] || t_fail "$what: no message on stderr"
  [[ -z $OUT ]] || t_fail "$what: something on stdout"
}
expect2 "no extract" "${args[@]}"
expect2 "no terms" --recipient maastricht-sbe --group naric --phase 1 "$T_DIR/ok.csv"
expect2 "no recipient" --terms "$conf" --group naric --phase 1 "$T_DIR/ok.csv"
expect2 "bad date" "${args[@]}" --date 2025-02-30 "$T_DIR/ok.csv"
expect2 "bad phase" --terms "$conf" --recipient maastricht-sbe --group naric --phase x "$T_DIR/ok.csv"
expect2 "bad format" "${args[@]}" --format xml "$T_DIR/ok.csv"
expect2 "unknown option" "${args[@]}" --frobnicate 1 "$T_DIR/ok.csv"
expect2 "unreadable extract" "${args[@]}" "$T_DIR/missing.csv"
expect2 "a directory" "${args[@]}" "$T_DIR"
expect2 "unreadable terms" --terms "$T_DIR/missing.conf" --recipient maastricht-sbe --group naric \
  --phase 1 "$T_DIR/ok.csv"
printf 'deliberation = { reference = ' >"$T_DIR/broken.conf"
expect2 "broken terms" --terms "$T_DIR/broken.conf" --recipient maastricht-sbe --group naric \
  --phase 1 "$T_DIR/ok.csv"
expect2 "unknown group" --terms "$conf" --recipient maastricht-sbe --group nobody --phase 1 \
  --date 2025-12-01 "$T_DIR/ok.csv"
grep -q "group" <<<"$ERR" || t_fail "unknown group message: $ERR"
PGHOST=/nonexistent expect2 "no database" --config "$T_CONF" --deliberation 21-128 \
  --recipient maastricht-sbe --group naric --phase 1 "$T_DIR/ok.csv"

validate --help
[[ $RC == 0 && $OUT == usage:* ]] || t_fail "--help: exit $RC"

# --- from the registry -------------------------------------------------------------
t_migrate
t_run import "$conf" || t_fail "import: $(cat "$T_DIR/run.err")"
validate --config "$T_CONF" --deliberation 21-128 --recipient maastricht-sbe --group naric \
  --phase 1 --date 2025-12-01 "$T_DIR/bad.csv"
[[ $RC == 1 ]] || t_fail "from the registry: exit $RC: $ERR"
[[ $(jq -c .error_counts <<<"$OUT") == '{"type":1,"day_precision_date":1,"national_number":1}' ]] ||
  t_fail "from the registry: $(jq -c .error_counts <<<"$OUT")"
expect2 "unknown deliberation" --config "$T_CONF" --deliberation 99-999 --recipient maastricht-sbe \
  --group naric --phase 1 "$T_DIR/ok.csv"

# --- a large file: several threads give the single-thread report -----------------
{
  echo "person_id,reference_period,naric_refugee,naric_qualification_name"
  for ((i = 0; i < 300000; i++)); do
    case $((i % 1000)) in
    7) echo "$i,2020Q9,N,\"line one
line two\"" ;;
    500) echo "$i,2020Q1,N,x \"\"q\"\"" ;;
    *) echo "$i,2020Q$((i % 4 + 1)),Y,Master of Science in Engineering $((i % 97))" ;;
    esac
  done
} >"$T_DIR/big.csv"
[[ $(stat -c %s "$T_DIR/big.csv") -gt $((8 << 20)) ]] || t_fail "the large file is too small"
big=(--terms "$conf" --recipient maastricht-sbe --group foreign_born --phase 2 --date 2025-12-01
  --max-errors 1000)
validate "${big[@]}" --threads 1 "$T_DIR/big.csv"
[[ $RC == 1 ]] || t_fail "large file, one thread: exit $RC: $ERR"
one=$OUT
validate "${big[@]}" --threads 4 "$T_DIR/big.csv"
[[ $RC == 1 ]] || t_fail "large file, four threads: exit $RC: $ERR"
[[ $OUT == "$one" ]] || t_fail "reports differ between 1 and 4 threads"
validate "${big[@]}" - <"$T_DIR/big.csv"
[[ $OUT == "$one" ]] || t_fail "reports differ between a mapped file and stdin"
[[ $(jq -r '.rows, .error_counts.out_of_range, .error_counts.malformed_csv' <<<"$one" | paste -sd,) == \
  "300000,300,300" ]] || t_fail "large file counts: $(jq -c '{rows, error_counts}' <<<"$one")"

# provisional lists: the report names the columns that relied on one, and the dotted
# sub-committee form of joint_committee passes (a fourth part does not)
printf 'person_id,reference_period,joint_committee,sex\n1,2024Q1,330.01.10,1\n2,2024Q2,200,2\n3,2024Q2,302.00,1\n' \
  >"$T_DIR/jc.csv"
validate --terms "$conf" --recipient maastricht-sbe --group naric --phase 1 --date 2025-12-01 \
  --destination recipient_premises --format json "$T_DIR/jc.csv"
[[ $RC == 0 ]] || t_fail "dotted joint_committee: exit $RC: $OUT"
[[ $(jq -c .provisional_lists <<<"$OUT") == '["joint_committee","sex"]' ]] ||
  t_fail "provisional_lists: $(jq -c .provisional_lists <<<"$OUT")"
printf 'person_id,reference_period,joint_committee\n1,2024Q1,330.01.10.1\n' >"$T_DIR/jc4.csv"
validate --terms "$conf" --recipient maastricht-sbe --group naric --phase 1 --date 2025-12-01 \
  --destination recipient_premises --format json "$T_DIR/jc4.csv"
[[ $RC == 1 && $(jq -r .error_counts.not_in_code_list <<<"$OUT") == 1 ]] ||
  t_fail "a four-part joint_committee passed: $OUT"
printf 'person_id,reference_period\n1,2024Q1\n' >"$T_DIR/plain.csv"
validate --terms "$conf" --recipient maastricht-sbe --group naric --phase 1 --date 2025-12-01 \
  --destination recipient_premises --format json "$T_DIR/plain.csv"
[[ $(jq -c .provisional_lists <<<"$OUT") == '[]' ]] || t_fail "provisional_lists without such columns: $OUT"

t_done
