#!/usr/bin/env bash
# test_output_cli: `deliberd output check` on generated phase-2 microdata: exit 0
# on a safe table, 1 with the failing cells named by category codes (threshold,
# dominance, disclosive_statistic, identifier_column), 2 when it cannot check;
# --suppress --out writes a table whose masked cells are empty and cannot be
# recomputed from its totals; no microdata value in any report.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t_init output_cli
conf=$DELIBERD_SOURCE_DIR/conf/deliberations/21-128.conf

check() { # check ARGS...: sets RC, OUT, ERR
  RC=0
  "$DELIBERD" output check "$@" >"$T_DIR/o.out" 2>"$T_DIR/o.err" || RC=$?
  OUT=$(cat "$T_DIR/o.out")
  ERR=$(cat "$T_DIR/o.err")
}

# 60 persons of foreign_born (30 F, 30 M), 4 of naric (all F), two quarters each;
# wages 2000-2059 except one naric person whose wage 987654 dominates.
{
  echo "person_id,reference_period,group,sex,wage"
  for p in $(seq 1 64); do
    if ((p <= 60)); then g=foreign_born; else g=naric; fi
    if ((p <= 60 && p % 2)); then s=M; else s=F; fi
    w=$((2000 + p % 60))
    ((p == 64)) && w=987654
    echo "$p,2020Q1,$g,$s,$w"
    echo "$p,2020Q2,$g,$s,$w"
  done
} >"$T_DIR/micro.csv"

# --- safe: exit 0 ---------------------------------------------------------------
check --microdata "$T_DIR/micro.csv" --by sex --terms "$conf" --deliberation 21-128
[[ $RC == 0 ]] || t_fail "safe table: exit $RC: $OUT $ERR"
[[ $(jq -r '.verdict, .cells' <<<"$OUT" | paste -sd,) == pass,2 ]] || t_fail "safe report: $OUT"

# --- threshold: exit 1, the cell by its codes ---------------------------------------
check --microdata "$T_DIR/micro.csv" --by group,sex
[[ $RC == 1 ]] || t_fail "small cell: exit $RC: $ERR"
[[ $(jq -r .verdict <<<"$OUT") == fail ]] || t_fail "verdict: $OUT"
[[ $(jq -c '.error_counts' <<<"$OUT") == '{"threshold":1}' ]] || t_fail "counts: $OUT"
[[ $(jq -c '.errors[0]' <<<"$OUT") == '{"cell":{"group":"naric","sex":"F"},"index":3,"rule":"threshold"}' ]] ||
  t_fail "error: $OUT"

# --- dominance on a sum, min is disclosive, never a value ------------------------------
check --microdata "$T_DIR/micro.csv" --by group --value wage --stat sum --format json
[[ $RC == 1 ]] || t_fail "sum: exit $RC"
jq -e '.error_counts.dominance == 1 and .error_counts.threshold == 1' <<<"$OUT" >/dev/null ||
  t_fail "dominance: $OUT"
check --microdata "$T_DIR/micro.csv" --by sex --value wage --stat max --format text
[[ $RC == 1 && $OUT == *disclosive_statistic* ]] || t_fail "max: $RC $OUT"
for f in "$T_DIR"/o.out "$T_DIR"/o.err; do
  ! grep -q 987654 "$f" || t_fail "a microdata value in $f"
done

# --- grouping by person_id ----------------------------------------------------------
check --microdata "$T_DIR/micro.csv" --by person_id
[[ $RC == 1 ]] || t_fail "person_id: exit $RC"
jq -e '.errors[0] == {"rule":"identifier_column","cell":null,"variable":"person_id"}' <<<"$OUT" >/dev/null ||
  t_fail "identifier_column: $OUT"
[[ $(jq '[.errors[] | select(.cell != null)] | length' <<<"$OUT") == 0 ]] ||
  t_fail "pseudonyms named as cells: $OUT"

# --- --suppress --out: masked cells and their protection --------------------------------
check --microdata "$T_DIR/micro.csv" --by group,sex --suppress --out "$T_DIR/t.csv"
[[ $RC == 1 ]] || t_fail "suppress: exit $RC"
grep -qx 'naric,F,,suppressed' "$T_DIR/t.csv" || t_fail "masked cell: $(cat "$T_DIR/t.csv")"
# naric has one cell: its row total would give it away, so it is withheld too
grep -qx 'naric,Total,,suppressed' "$T_DIR/t.csv" || t_fail "row total: $(cat "$T_DIR/t.csv")"
[[ $(grep -c ',suppressed$' "$T_DIR/t.csv") -ge 3 ]] || t_fail "secondary: $(cat "$T_DIR/t.csv")"

# --- could not check: exit 2 -----------------------------------------------------------
check --microdata "$T_DIR/micro.csv" --by nosuch
[[ $RC == 2 && $ERR == *"no column nosuch"* ]] || t_fail "unknown column: $RC $ERR"
check --microdata "$T_DIR/missing.csv" --by sex
[[ $RC == 2 ]] || t_fail "missing file: $RC"
check --microdata "$T_DIR/micro.csv" --by sex --stat mean
[[ $RC == 2 ]] || t_fail "mean without value: $RC"
check --microdata "$T_DIR/micro.csv" --by sex --value wage --stat mode
[[ $RC == 2 ]] || t_fail "unknown stat: $RC"
check --microdata "$T_DIR/micro.csv" --by sex --terms "$conf" --deliberation 99-1
[[ $RC == 2 ]] || t_fail "wrong deliberation: $RC"
printf 'person_id,sex,wage\n1,F,12x34\n' >"$T_DIR/bad.csv"
check --microdata "$T_DIR/bad.csv" --by sex --value wage --stat sum
[[ $RC == 2 && $ERR == *"line 2, column wage: not a number"* && $ERR != *12x34* ]] ||
  t_fail "not a number: $RC $ERR"

t_done
