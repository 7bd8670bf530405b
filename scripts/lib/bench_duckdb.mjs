// bench_duckdb.mjs: issue 15's "at least 10x DuckDB" comparison, optional and outside
// the build: DuckDB (the npm package @duckdb/node-api, installed by the caller into a
// scratch directory; DuckDB is not a Debian package) runs the checks of
// `deliberd validate` on the same extract as far as SQL allows, and the time is
// compared with deliberd's.  Generated from the terms JSON (`deliberd terms REF --at
// DATE --format json`), one query over read_csv(all_varchar):
//   missing_required, type, not_in_code_list (lists and patterns), out_of_range
//   (int, decimal, year, year_month, period against min_month and the check date),
//   text length, national_number (11 digits, also with . - or space separators, with
//   either check-digit variant), the distinct persons of the sample cap, rows;
//   malformed CSV, row width and UTF-8 are the CSV reader's own errors (strict).
// Not in DuckDB's share: the SHA-256 of the file, unknown/duplicate columns, the
// order and positions of the errors (deliberd does all of these, so the comparison
// flatters DuckDB).
// Usage: node bench_duckdb.mjs TERMS.json FILE.csv CHECKDATE THREADS RUNS
// Prints one JSON object: {seconds: [...], best, rows, persons, violations}.
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';

const [termsFile, csv, checkDate, threads, runs] = process.argv.slice(2);
const terms = JSON.parse(readFileSync(termsFile, 'utf8'));
const header = readFileSync(csv, { encoding: 'utf8', flag: 'r' }).slice(0, 65536).split('\n')[0];
const columns = header.replace(/\r$/, '').split(',');
const byCode = new Map(terms.variables.map((v) => [v.code, v]));
const lastMonth = checkDate.slice(0, 7);
const lastYear = checkDate.slice(0, 4);

const q = (s) => `'${String(s).replaceAll("'", "''")}'`;
const id = (s) => `"${s.replaceAll('"', '""')}"`;
const rx = (c, re) => `regexp_full_match(${c}, ${q(re)})`;

// The expression that is true when a present value breaks its variable's rules.
function bad(c, v) {
  const minMonth = v.min_month ?? '0000-01';
  const maxMonth = v.not_future ? lastMonth : '9999-12';
  switch (v.type) {
    case 'pseudonym':
      return `NOT ${rx(c, '[0-9]{1,10}')}`;
    case 'yes_no':
      return `${c} NOT IN ('Y', 'N')`;
    case 'int':
    case 'decimal': {
      const re = v.type === 'int' ? '-?[0-9]+' : '-?[0-9]+([.][0-9]+)?';
      const range = [];
      if (v.min !== undefined) range.push(`TRY_CAST(${c} AS DOUBLE) < ${v.min}`);
      if (v.max !== undefined) range.push(`TRY_CAST(${c} AS DOUBLE) > ${v.max}`);
      return `(NOT ${rx(c, re)}${range.map((r) => ` OR ${r}`).join('')})`;
    }
    case 'year':
      return `(NOT ${rx(c, '[0-9]{4}')} OR ${c} < ${q(minMonth.slice(0, 4))} OR ${c} > ${q(
        v.not_future ? lastYear : '9999'
      )})`;
    case 'year_month':
      return `(NOT ${rx(c, '[0-9]{4}-(0[1-9]|1[0-2])')} OR ${c} < ${q(minMonth)} OR ${c} > ${q(
        maxMonth
      )})`;
    case 'period': {
      // YYYYQn as the quarter's first month
      const month = `CASE WHEN ${c}[5] = 'Q' THEN ${c}[1:4] || '-' || lpad(CAST((CAST(${c}[6] AS INT) - 1) * 3 + 1 AS VARCHAR), 2, '0') ELSE ${c} END`;
      return `(NOT ${rx(c, '[0-9]{4}Q[1-4]|[0-9]{4}-(0[1-9]|1[0-2])')} OR ${month} < ${q(
        minMonth
      )} OR ${month} > ${q(maxMonth)})`;
    }
    case 'text':
      return `length(${c}) > ${v.max_length ?? 1000000}`;
    default: // class, amount_class, code: a closed list or a pattern
      if (v.values) return `${c} NOT IN (${v.values.map(q).join(', ')})`;
      if (v.pattern) return `NOT ${rx(c, v.pattern)}`;
      return 'false';
  }
}

// A national register or BIS number: 11 digits (separators allowed), the last two
// 97 - (first nine mod 97), for births before 2000 or (with a leading 2) after.
function nn(c) {
  const runs = `list_transform(regexp_extract_all(${c}, '[0-9]{2}[. ]?[0-9]{2}[. ]?[0-9]{2}[- ]?[0-9]{3}[. ]?[0-9]{2}'), x -> regexp_replace(x, '[^0-9]', '', 'g'))`;
  const ok = `x -> 97 - CAST(x[1:9] AS BIGINT) % 97 = CAST(x[10:11] AS INT) OR 97 - CAST('2' || x[1:9] AS BIGINT) % 97 = CAST(x[10:11] AS INT)`;
  return `(length(${c}) >= 11 AND len(list_filter(${runs}, ${ok})) > 0)`;
}

const sums = [];
for (const code of columns) {
  const v = byCode.get(code);
  if (!v) continue;
  const c = id(code);
  if (v.required) sums.push(`sum(CASE WHEN ${c} IS NULL THEN 1 ELSE 0 END)`);
  sums.push(`sum(CASE WHEN ${c} IS NOT NULL AND (${bad(c, v)}) THEN 1 ELSE 0 END)`);
  sums.push(`sum(CASE WHEN ${c} IS NOT NULL AND ${nn(c)} THEN 1 ELSE 0 END)`);
}
const sql = `SELECT count(*) AS rows, count(DISTINCT person_id) AS persons, ${sums
  .map((s, i) => `${s} AS v${i}`)
  .join(', ')} FROM read_csv(${q(csv)}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"', strict_mode = true, sample_size = -1, parallel = true)`;

const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await instance.connect();
const seconds = [];
let last;
for (let i = 0; i < Number(runs); i++) {
  const t0 = process.hrtime.bigint();
  const reader = await con.runAndReadAll(sql);
  seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
  last = reader.getRowObjects()[0];
}
let violations = 0;
for (const [k, val] of Object.entries(last)) if (k.startsWith('v')) violations += Number(val ?? 0);
console.log(
  JSON.stringify({
    seconds,
    best: Math.min(...seconds),
    rows: Number(last.rows),
    persons: Number(last.persons),
    violations,
    checks: sums.length,
  })
);
