#!/usr/bin/env bash
# bench_output: output checking at phase-2 scale (docs/output-checking.md), run by
# `scripts/bench --output` or alone: scripts/lib/bench_output.sh BIN GEN DATA-DIR [ROWS].
# Generates (once, reused) a phase-2 extract of 21/128 with gen_extract: 250,000
# persons x 28 quarters = 7,000,000 rows by default, then times, on the same file
# with the page cache warm, `deliberd validate` (the extract validator) and
# `deliberd output check` for a count by two variables and a mean of a value by
# one, each the median of 3 runs, with peak RSS from /usr/bin/time.  Figures are
# reported, never asserted.
set -euo pipefail

bin=${1:?usage: bench_output.sh DELIBERD GEN_EXTRACT DATA-DIR [ROWS]}
gen=${2:?}
data=${3:?}
rows=${4:-7000000}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
terms="$root/conf/deliberations/21-128.conf"
quarters=28
persons=$(((rows + quarters - 1) / quarters))
file="$data/phase2-$persons-$quarters.csv"
mkdir -p "$data"
if [[ ! -s $file ]]; then
  echo "generating $file ($persons persons x $quarters quarters)"
  "$gen" --terms "$terms" --date 2025-12-01 --out "$file.tmp" --persons "$persons" \
    --quarters "$quarters" --group foreign_born
  mv "$file.tmp" "$file"
fi
bytes=$(stat -c %s "$file")
nrows=$(($(wc -l <"$file") - 1))
cat "$file" >/dev/null # warm the page cache
header=$(head -n 1 "$file")
# grouping variables and a value that the generated file has
pick() { tr ',' '\n' <<<"$header" | grep -x -m 1 -E "$1" || true; }
by1=$(pick 'sex')
by2=$(pick 'age_class')
value=$(pick 'part_time_pct|.*_pct|.*days.*')
[[ -n $by1 && -n $by2 ]] || {
  echo "bench_output: the generated file lacks sex or age_class" >&2
  exit 1
}

# run NAME CMD...: median seconds of 3 runs, and peak RSS (KiB) of the last
run() {
  local name=$1 t rss times=()
  shift
  for _ in 1 2 3; do
    /usr/bin/time -f '%e %M' -o "$data/time.out" "$@" >"$data/run.out" 2>"$data/run.err" || true
    read -r t rss < <(tail -n 1 "$data/time.out")
    times+=("$t")
  done
  local med
  med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
  awk -v n="$name" -v s="$med" -v b="$bytes" -v r="$nrows" -v m="$rss" 'BEGIN {
    printf "  %-40s %7.2f s  %7.1f MB/s  %6.2f M rows/s  peak RSS %7.1f MiB\n",
      n, s, b / 1e6 / (s > 0 ? s : 1e-9), r / 1e6 / (s > 0 ? s : 1e-9), m / 1024 }'
}

printf 'output checking on %s: %d rows, %.1f MB\n' "$(basename "$file")" "$nrows" "$(awk -v b="$bytes" 'BEGIN{print b/1e6}')"
run "validate (phase 2, secure_room)" "$bin" validate --terms "$terms" --recipient maastricht-sbe \
  --group foreign_born --phase 2 --destination secure_room --date 2025-12-01 "$file"
run "validate (1 thread)" "$bin" validate --threads 1 --terms "$terms" --recipient maastricht-sbe \
  --group foreign_born --phase 2 --destination secure_room --date 2025-12-01 "$file"
run "output check: count by $by1,$by2" "$bin" output check --microdata "$file" --by "$by1,$by2" \
  --terms "$terms" --deliberation 21/128
grep -q '"verdict"' "$data/run.out" || {
  echo "bench_output: output check gave no report: $(cat "$data/run.err")" >&2
  exit 1
}
if [[ -n $value ]]; then
  run "output check: mean of $value by $by1 --suppress" "$bin" output check --microdata "$file" \
    --by "$by1" --value "$value" --stat mean --suppress --terms "$terms" --deliberation 21/128
fi
