/*
 * test_extract: the validator.  Every rule with a failing and a passing case,
 * the precedence of rules within a cell, dialects, check-level rules, reports
 * identical for every chunk split and on several threads, and no cell value in
 * any rendered report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "extract.h"
#include "report.h"
#include "testterms.h"

#define PASS (-1)

static struct terms_deliberation *D;

static int setup(void **state)
{
	(void)state;
	D = tt_build();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	terms_free(D);
	return 0;
}

/* Feeds data in chunks of the given sizes (cycled; NULL: one chunk). */
static void run_chunks(const struct extract_params *p, const char *data, size_t len,
                       const size_t *sizes, size_t nsizes, struct extract_report *r)
{
	struct err e = {0};
	struct extract_validator *v = extract_new(D, p, &e);
	if (!v)
		fail_msg("extract_new: %s", e.message);
	size_t pos = 0, k = 0;
	while (pos < len) {
		size_t n = sizes ? sizes[k++ % nsizes] : len;
		if (n > len - pos)
			n = len - pos;
		extract_feed(v, data + pos, n);
		pos += n;
	}
	extract_finish(v, r);
	extract_free(v);
}

static void run(const struct extract_params *p, const char *data, size_t len,
                struct extract_report *r)
{
	run_chunks(p, data, len, NULL, 0, r);
}

static void run_str(const char *data, struct extract_report *r)
{
	struct extract_params p = tt_params();
	run(&p, data, strlen(data), r);
}

static uint64_t total(const struct extract_report *r)
{
	uint64_t n = 0;
	for (int i = 0; i < RULE_COUNT; i++)
		n += r->error_counts[i];
	return n;
}

static void assert_same_report(const struct extract_report *a, const struct extract_report *b,
                               const char *what, size_t at)
{
	bool same = a->passed == b->passed && a->rows == b->rows && a->persons == b->persons &&
	            strcmp(a->sha256, b->sha256) == 0 && a->bytes == b->bytes &&
	            memcmp(a->error_counts, b->error_counts, sizeof(a->error_counts)) == 0 &&
	            a->nerrors == b->nerrors && a->version == b->version;
	for (size_t i = 0; same && i < a->nerrors; i++)
		same = a->errors[i].rule == b->errors[i].rule &&
		       a->errors[i].line == b->errors[i].line &&
		       a->errors[i].field == b->errors[i].field &&
		       strcmp(a->errors[i].column, b->errors[i].column) == 0;
	if (!same) {
		for (size_t i = 0; i < a->nerrors || i < b->nerrors; i++) {
			if (i < a->nerrors)
				print_message("  a: %s line %llu field %u\n",
				              extract_rule_name(a->errors[i].rule),
				              (unsigned long long)a->errors[i].line,
				              a->errors[i].field);
			if (i < b->nerrors)
				print_message("  b: %s line %llu field %u\n",
				              extract_rule_name(b->errors[i].rule),
				              (unsigned long long)b->errors[i].line,
				              b->errors[i].field);
		}
		fail_msg("%s %zu: reports differ (rows %llu/%llu, persons %llu/%llu, errors "
		         "%zu/%zu)",
		         what, at, (unsigned long long)a->rows, (unsigned long long)b->rows,
		         (unsigned long long)a->persons, (unsigned long long)b->persons, a->nerrors,
		         b->nerrors);
	}
}

/* ---- cells ---------------------------------------------------------------- */

static const char *const columns[] = {
    "person_id",  "reference_period",   "age_class",      "sex",           "residence_district",
    "entry_date", "qualification_year", "activity_count", "part_time_pct", "wage_class",
    "refugee",    "qualification_name", "nace_code",      "employer_id",
};
#define NCOLS (sizeof(columns) / sizeof(columns[0]))
static const char *const good[NCOLS] = {
    "1", "2020Q1", "A1", "F", "21004",  "2019-05", "2010",
    "3", "50.5",   "W1", "Y", "Master", "12.345",  "77",
};

/* Header plus one row: good values but value in column col.  Values holding
 * the delimiter, a quote or a newline are quoted. */
static char *one_row(char delim, size_t col, const char *value)
{
	size_t n = 4096 + strlen(value) * 2;
	char *buf = malloc(n);
	size_t k = 0;
	for (size_t i = 0; i < NCOLS; i++)
		k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? (char[]){delim, 0} : "",
		                      columns[i]);
	buf[k++] = '\n';
	for (size_t i = 0; i < NCOLS; i++) {
		const char *s = i == col ? value : good[i];
		if (i)
			buf[k++] = delim;
		if (strchr(s, delim) || strchr(s, '"') || strchr(s, '\n')) {
			buf[k++] = '"';
			for (; *s; s++) {
				if (*s == '"')
					buf[k++] = '"';
				buf[k++] = *s;
			}
			buf[k++] = '"';
		} else {
			k += (size_t)snprintf(buf + k, n - k, "%s", s);
		}
	}
	buf[k++] = '\n';
	buf[k] = '\0';
	return buf;
}

struct cell_case {
	size_t col;
	const char *value;
	int rule; /* PASS or enum extract_rule */
};

static const struct cell_case cell_cases[] = {
    {0, "", RULE_MISSING_REQUIRED},
    {0, "0000000001", PASS},
    {0, "1234567890", PASS},
    {0, "12345678901", RULE_TYPE},
    {0, "12a", RULE_TYPE},
    {0, "-1", RULE_TYPE},
    {0, "85073003328", RULE_NATIONAL_NUMBER},
    {0, "85.07.30-033.28", RULE_NATIONAL_NUMBER},
    {1, "", RULE_MISSING_REQUIRED},
    {1, "2020Q4", PASS},
    {1, "2020-12", PASS},
    {1, "2020Q5", RULE_OUT_OF_RANGE},
    {1, "2020Q0", RULE_OUT_OF_RANGE},
    {1, "2020-13", RULE_OUT_OF_RANGE},
    {1, "2020-00", RULE_OUT_OF_RANGE},
    {1, "2020-1x", RULE_TYPE},
    {1, "2020q1", RULE_TYPE},
    {1, "2020", RULE_TYPE},
    {1, "2020-01-15", RULE_DAY_PRECISION_DATE},
    {1, "15/01/2020", RULE_DAY_PRECISION_DATE},
    {1, "15-01-2020", RULE_DAY_PRECISION_DATE},
    {1, "15.01.2020", RULE_DAY_PRECISION_DATE},
    {1, "20200115", RULE_DAY_PRECISION_DATE},
    {1, "2020-01-15T10:30:00", RULE_DAY_PRECISION_DATE},
    {1, "2020-01-15 10:30", RULE_DAY_PRECISION_DATE},
    {1, "2020-02-30", RULE_TYPE},
    {1, "20201315", RULE_TYPE},
    {1, "1899Q4", RULE_OUT_OF_RANGE},
    {1, "1900Q1", PASS},
    {1, "2025Q2", PASS},
    {1, "2025Q3", RULE_OUT_OF_RANGE}, /* after the check date 2025-06-15 */
    {1, "2025-06", PASS},
    {1, "2025-07", RULE_OUT_OF_RANGE},
    {2, "A3", PASS},
    {2, "A4", RULE_NOT_IN_CODE_LIST},
    {2, "a1", RULE_NOT_IN_CODE_LIST},
    {2, "A1 ", RULE_NOT_IN_CODE_LIST},
    {3, "X", PASS},
    {3, "Q", RULE_NOT_IN_CODE_LIST},
    {3, "", PASS},
    {4, "2100", RULE_NOT_IN_CODE_LIST},
    {4, "99999", PASS},
    {4, "2100a", RULE_NOT_IN_CODE_LIST},
    {5, "2019-5", RULE_TYPE},
    {5, "2020Q1", RULE_TYPE},
    {5, "2019-05-01", RULE_DAY_PRECISION_DATE},
    {5, "1899-12", RULE_OUT_OF_RANGE},
    {5, "2025-07", RULE_OUT_OF_RANGE},
    {5, "", PASS},
    {6, "2025", PASS},
    {6, "2026", RULE_OUT_OF_RANGE},
    {6, "1899", RULE_OUT_OF_RANGE},
    {6, "20101", RULE_TYPE},
    {6, "2010-05-03", RULE_DAY_PRECISION_DATE},
    {6, "03.05.2010", RULE_DAY_PRECISION_DATE},
    {7, "99", PASS},
    {7, "0", PASS},
    {7, "100", RULE_OUT_OF_RANGE},
    {7, "-1", RULE_OUT_OF_RANGE},
    {7, "3.5", RULE_TYPE},
    {7, "-", RULE_TYPE},
    {7, "99999999999999999999999", RULE_OUT_OF_RANGE},
    {8, "100", PASS},
    {8, "0.0", PASS},
    {8, "100.5", RULE_OUT_OF_RANGE},
    {8, "100.0000001", RULE_OUT_OF_RANGE},
    {8, "-0.1", RULE_OUT_OF_RANGE},
    {8, "50,5", RULE_TYPE}, /* ',' decimals only with ';' */
    {8, ".5", RULE_TYPE},
    {8, "5.", RULE_TYPE},
    {8, "1e2", RULE_TYPE},
    {9, "W3", PASS},
    {9, "1", PASS}, /* a numeric class code is a code */
    {9, "2543.17", RULE_UNCLASSED_AMOUNT},
    {9, "1200", RULE_UNCLASSED_AMOUNT},
    {9, "1.200,50", RULE_UNCLASSED_AMOUNT},
    {9, "-75", RULE_UNCLASSED_AMOUNT},
    {9, "W9", RULE_NOT_IN_CODE_LIST},
    {10, "N", PASS},
    {10, "y", RULE_TYPE},
    {10, "Yes", RULE_TYPE},
    {11, "abcdefghijklmnopqrst", PASS},
    {11, "abcdefghijklmnopqrstu", RULE_TYPE},
    {11,
     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
     PASS}, /* 20 code points, 40 bytes */
    {11, "caf\xc3\xa9, \"b\"\nline", PASS},
    {11, "\xff", RULE_ENCODING},
    {11, "ab\xc3\x28", RULE_ENCODING},
    {11, "\xed\xa0\x80", RULE_ENCODING},     /* a surrogate */
    {11, "\xc0\xaf", RULE_ENCODING},         /* overlong */
    {11, "\xf4\x90\x80\x80", RULE_ENCODING}, /* past U+10FFFF */
    {11, "\xf0\x9f\x98\x80", PASS},
    {11, "Master 85.07.30-033.28", RULE_NATIONAL_NUMBER},
    {11, "\xff 85073003328", RULE_ENCODING},
    {12, "12.345", PASS},
    {12, "123", PASS},
    {12, "12", PASS},
    {12, "12.3456", RULE_NOT_IN_CODE_LIST},
    {12, "1", RULE_NOT_IN_CODE_LIST},
    {13, "12345678901", RULE_TYPE},
    {13, "85073003328", RULE_NATIONAL_NUMBER},
    {13, "", PASS},
};

static void test_cells(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cell_cases) / sizeof(cell_cases[0]); i++) {
		const struct cell_case *c = &cell_cases[i];
		char *csv = one_row(',', c->col, c->value);
		struct extract_report r;
		run_str(csv, &r);
		if (c->rule == PASS) {
			if (!r.passed)
				fail_msg("cell case %zu (column %s): expected pass, got %s", i,
				         columns[c->col],
				         r.nerrors ? extract_rule_name(r.errors[0].rule) : "?");
		} else {
			if (r.passed || total(&r) != 1 || r.errors[0].rule != (unsigned)c->rule)
				fail_msg("cell case %zu (column %s): expected %s, got %s (%llu "
				         "errors)",
				         i, columns[c->col], extract_rule_name(c->rule),
				         r.nerrors ? extract_rule_name(r.errors[0].rule) : "pass",
				         (unsigned long long)total(&r));
			assert_int_equal(r.errors[0].line, 2);
			assert_int_equal(r.errors[0].field, c->col + 1);
			assert_string_equal(r.errors[0].column, columns[c->col]);
		}
		assert_int_equal(r.rows, 1);
		extract_report_free(&r);
		free(csv);
	}
}

/* ';' as delimiter: ',' is a decimal separator too. */
static void test_semicolon_decimals(void **state)
{
	(void)state;
	struct extract_report r;
	char *csv = one_row(';', 8, "50,5");
	run_str(csv, &r);
	assert_true(r.passed);
	extract_report_free(&r);
	free(csv);
	csv = one_row(';', 8, "100,5");
	run_str(csv, &r);
	assert_int_equal(r.error_counts[RULE_OUT_OF_RANGE], 1);
	extract_report_free(&r);
	free(csv);
	csv = one_row('\t', 8, "50,5");
	run_str(csv, &r);
	assert_int_equal(r.error_counts[RULE_TYPE], 1);
	extract_report_free(&r);
	free(csv);
}

/* ---- structure ------------------------------------------------------------ */

struct doc_case {
	const char *name;
	const char *csv;
	int rule; /* PASS or the only rule expected */
	uint64_t count;
	uint64_t line;
	uint32_t field;
	const char *column;
	uint64_t rows;
};

#define HDR "person_id,reference_period,sex\n"

static const struct doc_case doc_cases[] = {
    {"simple", HDR "1,2020Q1,F\n2,2020Q2,M\n", PASS, 0, 0, 0, NULL, 2},
    {"no final newline", HDR "1,2020Q1,F", PASS, 0, 0, 0, NULL, 1},
    {"crlf", "person_id,reference_period,sex\r\n1,2020Q1,F\r\n2,2020Q1,\r\n", PASS, 0, 0, 0, NULL,
     2},
    {"bom", "\xEF\xBB\xBF" HDR "1,2020Q1,F\n", PASS, 0, 0, 0, NULL, 1},
    {"semicolon", "person_id;reference_period;sex\n1;2020Q1;F\n", PASS, 0, 0, 0, NULL, 1},
    {"tab", "person_id\treference_period\tsex\n1\t2020Q1\tF\n", PASS, 0, 0, 0, NULL, 1},
    {"quoted", HDR "\"1\",\"2020Q1\",\"F\"\n", PASS, 0, 0, 0, NULL, 1},
    {"quoted header", "\"person_id\",\"reference_period\"\n1,2020Q1\n", PASS, 0, 0, 0, NULL, 1},
    {"header only", HDR, PASS, 0, 0, 0, NULL, 0},
    {"trailing blank line", HDR "1,2020Q1,F\n\n", PASS, 0, 0, 0, NULL, 1},
    {"trailing blank lines", HDR "1,2020Q1,F\n\n\r\n\n", PASS, 0, 0, 0, NULL, 1},
    {"empty file", "", RULE_MALFORMED_CSV, 1, 1, 0, NULL, 0},
    {"only a bom", "\xEF\xBB\xBF", RULE_MALFORMED_CSV, 1, 1, 0, NULL, 0},
    {"blank header", "\n1,2020Q1,F\n", RULE_MALFORMED_CSV, 1, 1, 0, NULL, 1},
    {"quote in unquoted field", HDR "1,20\"20Q1,F\n2,2020Q1,F\n", RULE_MALFORMED_CSV, 1, 2, 2,
     "reference_period", 2},
    {"byte after closing quote", HDR "1,\"2020Q1\"x,F\n2,2020Q1,F\n", RULE_MALFORMED_CSV, 1, 2, 2,
     "reference_period", 2},
    {"unterminated quote", HDR "1,2020Q1,F\n2,2020Q1,\"F\n", RULE_MALFORMED_CSV, 1, 3, 3, "sex", 2},
    {"malformed after multi-line field",
     "person_id,reference_period,qualification_name,sex\n"
     "1,2020Q1,\"a\nb\",\"F\"x\n2,2020Q1,c,F\n",
     RULE_MALFORMED_CSV, 1, 3, 4, "sex", 2},
    {"malformed header", "person_id,\"reference_period\"x\n1,2020Q1\n", RULE_MALFORMED_CSV, 1, 1, 2,
     NULL, 1},
    {"extra field", HDR "1,2020Q1,F,x\n", RULE_ROW_WIDTH, 1, 2, 0, NULL, 1},
    {"missing field", HDR "1,2020Q1\n", RULE_ROW_WIDTH, 1, 2, 0, NULL, 1},
    {"blank line in the middle", HDR "\n1,2020Q1,F\n", RULE_ROW_WIDTH, 1, 2, 0, NULL, 2},
    {"blank lines in the middle", HDR "1,2020Q1,F\n\r\n\n1,2020Q1,F\n", RULE_ROW_WIDTH, 2, 3, 0,
     NULL, 4},
    {"unknown column", "person_id,reference_period,salary\n1,2020Q1,10\n", RULE_UNKNOWN_COLUMN, 1,
     1, 3, "salary", 1},
    {"unknown column not echoed", "person_id,reference_period,Jan Peeters\n1,2020Q1,x\n",
     RULE_UNKNOWN_COLUMN, 1, 1, 3, NULL, 1},
    {"header run into the first row (newlines stripped)",
     "person_id,reference_period,sex100001,2020Q1,F\n", RULE_UNKNOWN_COLUMN, 3, 1, 3, NULL, 0},
    {"header name with a phone number", "person_id,reference_period,tel_0470123456\n1,2020Q1,x\n",
     RULE_UNKNOWN_COLUMN, 1, 1, 3, NULL, 1},
    {"e-mail address in free text",
     "person_id,reference_period,qualification_name\n1,2020Q1,a@example.be\n", RULE_EMAIL_ADDRESS,
     1, 2, 3, "qualification_name", 1},
    {"full date in free text",
     "person_id,reference_period,qualification_name\n1,2020Q1,master 30/06/2015\n", RULE_FULL_DATE,
     1, 2, 3, "qualification_name", 1},
    {"iban in free text",
     "person_id,reference_period,qualification_name\n1,2020Q1,BE68 5390 0754 7034\n", RULE_IBAN, 1,
     2, 3, "qualification_name", 1},
    {"year and month in free text is fine",
     "person_id,reference_period,qualification_name\n1,2020Q1,ma 2015-06 Gent\n", PASS, 0, 0, 0,
     NULL, 1},
    {"national number as header", "person_id,reference_period,85073003328\n1,2020Q1,x\n",
     RULE_NATIONAL_NUMBER, 1, 1, 3, NULL, 1},
    {"duplicate column", "person_id,reference_period,sex,sex\n1,2020Q1,F,F\n",
     RULE_DUPLICATE_COLUMN, 1, 1, 4, "sex", 1},
    {"required column absent", "person_id,sex\n1,F\n", RULE_MISSING_REQUIRED, 1, 1, 0,
     "reference_period", 1},
    {"required column empty", HDR "1,,F\n", RULE_MISSING_REQUIRED, 1, 2, 2, "reference_period", 1},
    {"header not utf-8", "person_id,reference_period,s\xffx\n1,2020Q1,F\n", RULE_ENCODING, 1, 1, 3,
     NULL, 1},
    {"line of a field after a multi-line field",
     "person_id,qualification_name,reference_period\n1,\"a\nb\nc\",2020Q9\n", RULE_OUT_OF_RANGE, 1,
     4, 3, "reference_period", 1},
    {"national number in an unknown column",
     "person_id,reference_period,note\n"
     "1,2020Q1,x 85073003328\n",
     RULE_UNKNOWN_COLUMN, 1, 1, 3, "note", 1},
    {"national number in a wide row", HDR "1,2020Q1,F,85073003328\n", RULE_ROW_WIDTH, 1, 2, 0, NULL,
     1},
};

static void test_documents(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(doc_cases) / sizeof(doc_cases[0]); i++) {
		const struct doc_case *c = &doc_cases[i];
		struct extract_report r;
		run_str(c->csv, &r);
		if (c->rule == PASS) {
			if (!r.passed)
				fail_msg("%s: expected pass, got %s line %llu", c->name,
				         extract_rule_name(r.errors[0].rule),
				         (unsigned long long)r.errors[0].line);
		} else {
			if (r.passed || r.errors[0].rule != (unsigned)c->rule ||
			    r.error_counts[c->rule] != c->count)
				fail_msg("%s: expected %s x%llu, got %s", c->name,
				         extract_rule_name(c->rule), (unsigned long long)c->count,
				         r.nerrors ? extract_rule_name(r.errors[0].rule) : "pass");
			if (r.errors[0].line != c->line || r.errors[0].field != c->field)
				fail_msg("%s: line %llu field %u, expected %llu %u", c->name,
				         (unsigned long long)r.errors[0].line, r.errors[0].field,
				         (unsigned long long)c->line, c->field);
			assert_string_equal(r.errors[0].column, c->column ? c->column : "");
		}
		if (r.rows != c->rows)
			fail_msg("%s: %llu rows, expected %llu", c->name,
			         (unsigned long long)r.rows, (unsigned long long)c->rows);
		extract_report_free(&r);
	}
}

/* A national number in an unknown column and in a too-wide row is still found. */
static void test_national_number_everywhere(void **state)
{
	(void)state;
	struct extract_report r;
	run_str("person_id,reference_period,note\n1,2020Q1,x 85073003328\n", &r);
	assert_int_equal(r.error_counts[RULE_NATIONAL_NUMBER], 1);
	assert_int_equal(r.errors[1].line, 2);
	assert_string_equal(r.errors[1].column, "note");
	extract_report_free(&r);
	run_str(HDR "1,2020Q1,F,85073003328\n", &r);
	assert_int_equal(r.error_counts[RULE_NATIONAL_NUMBER], 1);
	assert_int_equal(r.errors[1].field, 4);
	assert_string_equal(r.errors[1].column, "");
	extract_report_free(&r);
}

static void test_too_long_record(void **state)
{
	(void)state;
	size_t n = 3u << 20;
	char *buf = malloc(n);
	size_t k = (size_t)snprintf(buf, n, HDR "1,2020Q1,F\n2,\"");
	memset(buf + k, 'x', n - k);
	for (size_t i = k + 1000; i < n; i += 100000)
		buf[i] = '\n';
	const char *tail = "\n3,2020Q1,F\n";
	memcpy(buf + n - strlen(tail), tail, strlen(tail));
	struct extract_report r;
	struct extract_params p = tt_params();
	run(&p, buf, n, &r);
	assert_int_equal(r.error_counts[RULE_MALFORMED_CSV], 1);
	assert_int_equal(r.errors[0].line, 3);
	/* after resynchronising, later lines are read as records again */
	assert_true(r.rows >= 3);
	struct extract_report r2;
	static const size_t sizes[] = {4096, 1, 65536, 7};
	run_chunks(&p, buf, n, sizes, 4, &r2);
	assert_same_report(&r, &r2, "too long", 0);
	extract_report_free(&r);
	extract_report_free(&r2);
	free(buf);
}

/* A code list that itself holds a national number (or bytes that are not UTF-8)
 * cannot take the fast path that accepts listed values first: precedence holds. */
static void test_list_with_national_number(void **state)
{
	(void)state;
	struct terms_deliberation *d = tt_build();
	struct terms_variable *sex = NULL;
	for (size_t i = 0; i < d->versions[1].body.nvariables; i++)
		if (strcmp(d->versions[1].body.variables[i].code, "sex") == 0)
			sex = &d->versions[1].body.variables[i];
	assert_non_null(sex);
	char **values = realloc(sex->values, (sex->nvalues + 2) * sizeof(char *));
	assert_non_null(values);
	values[sex->nvalues++] = strdup("85073003328");
	values[sex->nvalues++] = strdup("\xff");
	sex->values = values;
	struct extract_params p = tt_params();
	p.group = "foreign_born"; /* uncapped */
	struct err e = {0};
	const char *csv = HDR "1,2020Q1,85073003328\n2,2020Q1,\xff\n3,2020Q1,F\n4,2020Q1,\n";
	struct extract_validator *v = extract_new(d, &p, &e);
	assert_non_null(v);
	extract_feed(v, csv, strlen(csv));
	struct extract_report r;
	extract_finish(v, &r);
	assert_int_equal(r.error_counts[RULE_NATIONAL_NUMBER], 1);
	assert_int_equal(r.error_counts[RULE_ENCODING], 1);
	assert_int_equal(total(&r), 2);
	extract_report_free(&r);
	extract_free(v);
	terms_free(d);
}

/* ---- persons and the sample cap ------------------------------------------- */

static void test_sample_cap(void **state)
{
	(void)state;
	struct extract_report r;
	/* naric phase 1: cap 3 */
	run_str(HDR "1,2020Q1,F\n2,2020Q1,F\n1,2020Q2,F\n3,2020Q1,F\n", &r);
	assert_true(r.passed);
	assert_int_equal(r.persons, 3);
	extract_report_free(&r);
	run_str(HDR "1,2020Q1,F\n2,2020Q1,F\n1,2020Q2,F\n3,2020Q1,F\n4,2020Q1,F\n5,2020Q1,F\n"
	            "3,2020Q1,F\n",
	        &r);
	assert_int_equal(r.error_counts[RULE_SAMPLE_CAP], 1);
	assert_int_equal(total(&r), 1);
	assert_int_equal(r.errors[0].line, 6);
	assert_int_equal(r.errors[0].field, 1);
	assert_string_equal(r.errors[0].column, "person_id");
	assert_int_equal(r.persons, 5);
	extract_report_free(&r);
	/* invalid person ids are not persons; 007 and 7 are the same number */
	run_str(HDR "007,2020Q1,F\n7,2020Q1,F\nx,2020Q1,F\n,2020Q1,F\n", &r);
	assert_int_equal(r.persons, 1);
	extract_report_free(&r);
	/* phase 2 is uncapped */
	struct extract_params p = tt_params();
	p.phase = 2;
	p.destination = "secure_room";
	const char *csv = HDR "1,2020Q1,F\n2,2020Q1,F\n3,2020Q1,F\n4,2020Q1,F\n5,2020Q1,F\n";
	run(&p, csv, strlen(csv), &r);
	assert_true(r.passed);
	assert_int_equal(r.persons, 5);
	extract_report_free(&r);
}

static void test_next_person(void **state)
{
	(void)state;
	struct err e = {0};
	struct extract_params p = tt_params();
	p.group = "foreign_born";
	struct extract_validator *v = extract_new(D, &p, &e);
	assert_non_null(v);
	const char *csv = HDR "10,2020Q1,F\n20,2020Q1,F\n10,2020Q2,F\n9999999999,2020Q1,F\n";
	extract_feed(v, csv, strlen(csv));
	struct extract_report r;
	extract_finish(v, &r);
	assert_int_equal(r.persons, 3);
	size_t cursor = 0;
	uint64_t id, sum = 0;
	int n = 0;
	while (extract_next_person(v, &cursor, &id)) {
		sum += id;
		n++;
	}
	assert_int_equal(n, 3);
	assert_true(sum == 30 + 9999999999ull);
	extract_report_free(&r);
	extract_free(v);
}

/* ---- check-level rules ---------------------------------------------------- */

static void test_check_level(void **state)
{
	(void)state;
	const char *bad = HDR "1,2020Q9,F\n";
	struct extract_report r;
	struct extract_params p = tt_params();

	p.recipient = "someone-else";
	run(&p, bad, strlen(bad), &r);
	assert_int_equal(r.error_counts[RULE_NOT_AUTHORISED], 1);
	assert_int_equal(r.errors[0].rule, RULE_NOT_AUTHORISED);
	assert_int_equal(r.errors[0].line, 0);
	assert_int_equal(r.error_counts[RULE_OUT_OF_RANGE], 1); /* columns still checked */
	assert_int_equal(r.version, 2);
	extract_report_free(&r);

	p = tt_params();
	p.phase = 2; /* phase 2 only to the secure room */
	run(&p, HDR, strlen(HDR), &r);
	assert_int_equal(r.error_counts[RULE_DESTINATION_NOT_ALLOWED], 1);
	assert_int_equal(total(&r), 1);
	extract_report_free(&r);
	p.destination = "secure_room";
	run(&p, HDR, strlen(HDR), &r);
	assert_true(r.passed);
	extract_report_free(&r);
	p.destination = NULL; /* not checked */
	run(&p, HDR, strlen(HDR), &r);
	assert_true(r.passed);
	extract_report_free(&r);

	/* after retention: outside_validity, and the last terms still check columns */
	p = tt_params();
	p.date = 20310201;
	run(&p, bad, strlen(bad), &r);
	assert_int_equal(r.error_counts[RULE_OUTSIDE_VALIDITY], 1);
	assert_int_equal(r.error_counts[RULE_OUT_OF_RANGE], 1);
	extract_report_free(&r);
	p.date = 20310131;
	run(&p, HDR "1,2020Q1,F\n", strlen(HDR "1,2020Q1,F\n"), &r);
	assert_true(r.passed);
	extract_report_free(&r);

	/* before the first version: no terms, no column checks, still hashed */
	p = tt_params();
	p.date = 20210705;
	p.group = "no-such-group";
	run(&p, bad, strlen(bad), &r);
	assert_int_equal(r.error_counts[RULE_OUTSIDE_VALIDITY], 1);
	assert_int_equal(total(&r), 1);
	assert_int_equal(r.version, 0);
	assert_int_equal(r.rows, 1);
	assert_int_equal(strlen(r.sha256), 64);
	extract_report_free(&r);

	/* version 1 has no terms on record */
	p = tt_params();
	p.date = 20220101;
	p.phase = 7;
	run(&p, bad, strlen(bad), &r);
	assert_int_equal(r.error_counts[RULE_TERMS_UNKNOWN], 1);
	assert_int_equal(total(&r), 1);
	assert_int_equal(r.version, 1);
	extract_report_free(&r);

	/* unknown group or phase with terms known: cannot check */
	struct err e = {0};
	p = tt_params();
	p.group = "no-such-group";
	assert_null(extract_new(D, &p, &e));
	assert_int_equal(e.kind, ERR_INVALID);
	assert_string_equal(e.field, "group");
	err_clear(&e);
	p = tt_params();
	p.phase = 3;
	assert_null(extract_new(D, &p, &e));
	assert_int_equal(e.kind, ERR_INVALID);
	assert_string_equal(e.field, "phase");
}

static void test_sha256_and_bytes(void **state)
{
	(void)state;
	const char *csv = "\xEF\xBB\xBF" HDR "1,2020Q1,F\n";
	unsigned char md[32];
	unsigned int len;
	EVP_Digest(csv, strlen(csv), md, &len, EVP_sha256(), NULL);
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	struct extract_report r;
	run_str(csv, &r);
	assert_string_equal(r.sha256, hex);
	assert_int_equal(r.bytes, strlen(csv));
	extract_report_free(&r);
}

/* Without terms in force the rules that do not depend on them still run. */
static void test_rules_without_terms(void **state)
{
	(void)state;
	const char *csv = "person_id,reference_period,note,note\n"
	                  "1,2020Q1,85073003328,x\n"
	                  "2,2020Q9,caf\xff,x\n"
	                  "3,2020Q1\n"
	                  "4,20\"20Q1,x,x\n";
	struct extract_report r;
	static const int32_t dates[] = {20210705, 20220101}; /* outside_validity, terms_unknown */
	for (size_t i = 0; i < 2; i++) {
		struct extract_params p = tt_params();
		p.date = dates[i];
		run(&p, csv, strlen(csv), &r);
		assert_int_equal(r.error_counts[RULE_NATIONAL_NUMBER], 1);
		assert_int_equal(r.error_counts[RULE_ENCODING], 1);
		assert_int_equal(r.error_counts[RULE_ROW_WIDTH], 1);
		assert_int_equal(r.error_counts[RULE_MALFORMED_CSV], 1);
		assert_int_equal(r.error_counts[RULE_DUPLICATE_COLUMN], 1);
		/* rules that need the terms stay off */
		assert_int_equal(r.error_counts[RULE_UNKNOWN_COLUMN], 0);
		assert_int_equal(r.error_counts[RULE_OUT_OF_RANGE], 0);
		assert_int_equal(r.error_counts[RULE_MISSING_REQUIRED], 0);
		assert_int_equal(r.persons, 0);
		assert_int_equal(r.rows, 4);
		assert_int_equal(r.errors[1].rule, RULE_DUPLICATE_COLUMN);
		assert_int_equal(r.errors[1].line, 1);
		assert_int_equal(r.errors[1].field, 4);
		assert_string_equal(r.errors[1].column, "note");
		assert_int_equal(r.errors[2].rule, RULE_NATIONAL_NUMBER);
		assert_int_equal(r.errors[2].line, 2);
		assert_int_equal(r.errors[2].field, 3);
		extract_report_free(&r);
	}
}

/* A repeated name is duplicate_column whether or not it is a variable; an
 * unknown name is also unknown_column, on its first occurrence only. */
static void test_duplicate_unknown(void **state)
{
	(void)state;
	struct extract_report r;
	run_str("person_id,reference_period,foo,foo,foo\n1,2020Q1,a,b,c\n", &r);
	assert_int_equal(r.error_counts[RULE_UNKNOWN_COLUMN], 1);
	assert_int_equal(r.error_counts[RULE_DUPLICATE_COLUMN], 2);
	assert_int_equal(r.errors[0].rule, RULE_UNKNOWN_COLUMN);
	assert_int_equal(r.errors[0].field, 3);
	assert_int_equal(r.errors[1].rule, RULE_DUPLICATE_COLUMN);
	assert_int_equal(r.errors[1].field, 4);
	assert_string_equal(r.errors[1].column, "foo");
	assert_int_equal(r.errors[2].field, 5);
	extract_report_free(&r);
	/* a name that is not echoed is still found repeated, without its name */
	run_str("person_id,reference_period,Jan Peeters,Jan Peeters\n1,2020Q1,a,b\n", &r);
	assert_int_equal(r.error_counts[RULE_DUPLICATE_COLUMN], 1);
	assert_int_equal(r.errors[1].field, 4);
	assert_string_equal(r.errors[1].column, "");
	extract_report_free(&r);
}

/* C0 controls (but TAB, LF, CR) and DEL make a text cell a type error. */
static void test_text_controls(void **state)
{
	(void)state;
	static const struct {
		const char *cell; /* holds a NUL: length given */
		size_t len;
		int rule;
	} cases[] = {
	    {"ab", 2, PASS},
	    {"a\tb", 3, PASS},
	    {"a\rb", 3, PASS},
	    {"\"a\nb\"", 5, PASS},
	    {"caf\xc3\xa9", 5, PASS},
	    {"a\0b", 3, RULE_TYPE},
	    {"\x01", 1, RULE_TYPE},
	    {"a\x08", 2, RULE_TYPE},
	    {"a\x0b", 2, RULE_TYPE},
	    {"a\x0c", 2, RULE_TYPE},
	    {"a\x0e", 2, RULE_TYPE},
	    {"abcdefghijklmnop\x1f", 17, RULE_TYPE},
	    {"abc\x02"
	     "defghij",
	     11, RULE_TYPE},
	    {"abcdefgh\tijklmno", 16, PASS},
	    {"a\x7f", 2, RULE_TYPE},
	    {"\"a\x1b\"", 4, RULE_TYPE},
	    {"caf\xc3\xa9\x05", 6, RULE_TYPE},
	    {"\xff\x01", 2, RULE_ENCODING},
	    {"85073003328\x01", 12, RULE_NATIONAL_NUMBER},
	};
	static const char head[] = "person_id,reference_period,qualification_name,sex\n1,2020Q1,";
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[256];
		size_t k = sizeof(head) - 1;
		memcpy(buf, head, k);
		memcpy(buf + k, cases[i].cell, cases[i].len);
		k += cases[i].len;
		memcpy(buf + k, ",F\n", 3);
		k += 3;
		struct extract_params p = tt_params();
		struct extract_report r;
		run(&p, buf, k, &r);
		if (cases[i].rule == PASS) {
			if (!r.passed)
				fail_msg("case %zu: expected pass, got %s", i,
				         extract_rule_name(r.errors[0].rule));
		} else if (r.passed || total(&r) != 1 ||
		           r.errors[0].rule != (unsigned)cases[i].rule || r.errors[0].field != 3) {
			fail_msg("case %zu: expected %s, got %s", i,
			         extract_rule_name(cases[i].rule),
			         r.passed ? "pass" : extract_rule_name(r.errors[0].rule));
		}
		extract_report_free(&r);
	}
}

/* ---- error caps and report_add ------------------------------------------- */

static void test_max_errors(void **state)
{
	(void)state;
	size_t n = 1000 * 16 + 64;
	char *buf = malloc(n);
	size_t k = (size_t)snprintf(buf, n, HDR);
	for (int i = 0; i < 1000; i++)
		k += (size_t)snprintf(buf + k, n - k, "%d,2020Q9,F\n", i % 3);
	struct extract_params p = tt_params();
	p.max_errors = 10;
	struct extract_report r;
	run(&p, buf, k, &r);
	assert_int_equal(r.error_counts[RULE_OUT_OF_RANGE], 1000);
	assert_int_equal(r.nerrors, 10);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(r.errors[i].line, i + 2);

	/* an external error lands in order, the cap holds, the count is exact */
	extract_report_add(&r, RULE_SAMPLE_CAP, 5, 1, "person_id");
	assert_int_equal(r.error_counts[RULE_SAMPLE_CAP], 1);
	assert_int_equal(r.nerrors, 10);
	assert_int_equal(r.errors[3].rule, RULE_SAMPLE_CAP);
	assert_int_equal(r.errors[3].line, 5);
	assert_int_equal(r.errors[4].rule, RULE_OUT_OF_RANGE);
	assert_int_equal(r.errors[4].line, 5);
	assert_int_equal(r.errors[9].line, 10);
	extract_report_add(&r, RULE_SAMPLE_CAP, 999, 1, "person_id");
	assert_int_equal(r.error_counts[RULE_SAMPLE_CAP], 2);
	assert_int_equal(r.nerrors, 10);
	extract_report_free(&r);

	const char *ok = HDR "1,2020Q1,F\n";
	p.max_errors = 0; /* default 100 */
	run(&p, ok, strlen(ok), &r);
	assert_true(r.passed);
	extract_report_add(&r, RULE_SAMPLE_CAP, 2, 1, "person_id");
	assert_false(r.passed);
	assert_int_equal(r.nerrors, 1);
	extract_report_free(&r);
	free(buf);
}

static bool json_truncated(const struct extract_report *r)
{
	struct extract_params p = tt_params();
	json_t *j = report_to_json(r, &p);
	assert_non_null(j);
	bool t = json_is_true(json_object_get(j, "errors_truncated"));
	json_decref(j);
	return t;
}

/* The checks service adds the cross-delivery sample_cap at line 0: check-level
 * errors stay first (in the contract's table order), then lines and fields;
 * a full list drops its last example, counts stay exact. */
static void test_report_add_order(void **state)
{
	(void)state;
	struct extract_params p = tt_params();
	p.recipient = "someone-else"; /* not_authorised at line 0 */
	p.max_errors = 3;
	const char *csv = HDR "1,2020Q9,F\n2,2020Q9,F\n3,2020Q9,F\n";
	struct extract_report r;
	run(&p, csv, strlen(csv), &r);
	assert_int_equal(r.nerrors, 3);
	assert_true(json_truncated(&r));
	extract_report_add(&r, RULE_SAMPLE_CAP, 0, 0, "person_id");
	assert_int_equal(r.error_counts[RULE_SAMPLE_CAP], 1);
	assert_int_equal(r.nerrors, 3);
	assert_int_equal(r.errors[0].rule, RULE_SAMPLE_CAP); /* table order at line 0 */
	assert_int_equal(r.errors[1].rule, RULE_NOT_AUTHORISED);
	assert_int_equal(r.errors[2].rule, RULE_OUT_OF_RANGE);
	assert_int_equal(r.errors[2].line, 2);
	assert_true(json_truncated(&r));
	/* sorts after the last kept example: counted, not shown */
	extract_report_add(&r, RULE_TYPE, 9, 1, "person_id");
	assert_int_equal(r.error_counts[RULE_TYPE], 1);
	assert_int_equal(r.errors[2].line, 2);
	/* same line, earlier field: displaces the last kept one */
	extract_report_add(&r, RULE_TYPE, 2, 1, "person_id");
	assert_int_equal(r.errors[2].rule, RULE_TYPE);
	assert_int_equal(r.errors[2].field, 1);
	assert_int_equal(r.error_counts[RULE_TYPE], 2);
	assert_int_equal(r.error_counts[RULE_OUT_OF_RANGE], 3);
	extract_report_free(&r);

	/* not full: the list grows, in order, and is not truncated */
	p = tt_params();
	p.max_errors = 5;
	run(&p, csv, strlen(csv), &r);
	assert_false(json_truncated(&r));
	extract_report_add(&r, RULE_SAMPLE_CAP, 0, 0, "person_id");
	assert_int_equal(r.nerrors, 4);
	assert_int_equal(r.errors[0].rule, RULE_SAMPLE_CAP);
	for (size_t i = 1; i < 4; i++)
		assert_int_equal(r.errors[i].line, i + 1);
	assert_false(json_truncated(&r));
	extract_report_add(&r, RULE_SAMPLE_CAP, 3, 1, "person_id");
	extract_report_add(&r, RULE_SAMPLE_CAP, 4, 1, "person_id");
	assert_int_equal(r.nerrors, 5);
	assert_int_equal(r.errors[2].line, 3);
	assert_int_equal(r.errors[2].rule, RULE_SAMPLE_CAP);
	assert_int_equal(r.errors[3].line, 3);
	assert_int_equal(r.errors[3].rule, RULE_OUT_OF_RANGE);
	assert_int_equal(r.errors[4].line, 4); /* displaced line 4's out_of_range */
	assert_int_equal(r.errors[4].rule, RULE_SAMPLE_CAP);
	assert_true(json_truncated(&r));
	assert_int_equal(r.error_counts[RULE_SAMPLE_CAP], 3);
	extract_report_free(&r);
}

/* ---- chunk independence --------------------------------------------------- */

static const char *const split_docs[] = {
    "\xEF\xBB\xBF" HDR "1,2020Q1,F\r\n2,\"2020Q1\",\"M\"\r\n\r\n3,2020Q9,X\n\n",
    "person_id;reference_period;qualification_name;wage_class\n"
    "1;2020Q1;\"caf\xc3\xa9; \"\"x\"\"\nline\";W1\n"
    "2;2020-01-15;\"85.07.30-033.28\";2543,17\n"
    "3;2020Q2;a\"b;W1\n"
    "4;2020Q2;\"ab\"c;W1\n"
    "5;2020Q2;\xff;W1\n\n"
    "6;2020Q2;\"unterminated\n7;2020Q1;x;W1\n",
    "person_id,reference_period,sex,sex,salary\n1,2020Q1,F,F,1\n2,2020Q1\n,,,,\n\"",
    "",
    "\n\n\n",
    "\xEF\xBB",
    "person_id,reference_period\r",
    "person_id,reference_period\r\n1,2020Q1\r",
    "\"person_id\",\"reference_period\"\n1,\"2020Q1\"\r\n2,\"2020Q1\"\r",
    "person_id,\"a\nb\",reference_period\n1,x,2020Q1\n",
    HDR "1,2020Q1,F\n2,2020Q1,F\n3,2020Q1,F\n4,2020Q1,F\n5,\"2020Q1\",F\n6,2020Q1,F\n",
};

static void check_splits(const char *data, size_t len, size_t doc)
{
	struct extract_params p = tt_params();
	struct extract_report whole, part;
	run(&p, data, len, &whole);
	assert_int_equal(whole.bytes, len);
	/* every two-chunk split */
	for (size_t k = 1; k < len; k++) {
		struct err e = {0};
		struct extract_validator *v = extract_new(D, &p, &e);
		assert_non_null(v);
		extract_feed(v, data, k);
		extract_feed(v, data + k, len - k);
		extract_finish(v, &part);
		extract_free(v);
		assert_same_report(&whole, &part, "split", doc * 100000 + k);
		extract_report_free(&part);
	}
	/* byte at a time, and uneven chunks */
	static const size_t one[] = {1};
	run_chunks(&p, data, len, one, 1, &part);
	assert_same_report(&whole, &part, "bytes", doc);
	extract_report_free(&part);
	static const size_t uneven[] = {3, 1, 7, 2, 13, 5};
	run_chunks(&p, data, len, uneven, 6, &part);
	assert_same_report(&whole, &part, "uneven", doc);
	extract_report_free(&part);
	/* the buffer runner in one stream */
	struct err e = {0};
	struct extract_validator *v =
	    extract_run_buffer(D, &p, data, len, 4, NULL, NULL, &part, &e);
	assert_non_null(v);
	assert_same_report(&whole, &part, "buffer", doc);
	extract_report_free(&part);
	extract_free(v);
	extract_report_free(&whole);
}

static void test_splits(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(split_docs) / sizeof(split_docs[0]); i++)
		check_splits(split_docs[i], strlen(split_docs[i]), i);
	for (size_t i = 0; i < sizeof(doc_cases) / sizeof(doc_cases[0]); i++)
		check_splits(doc_cases[i].csv, strlen(doc_cases[i].csv), 100 + i);
	for (size_t i = 0; i < sizeof(cell_cases) / sizeof(cell_cases[0]); i += 7) {
		char *csv = one_row(',', cell_cases[i].col, cell_cases[i].value);
		check_splits(csv, strlen(csv), 1000 + i);
		free(csv);
	}
}

/* ---- several threads ------------------------------------------------------ */

/* A large extract (over the parallel threshold) with errors spread over it. */
static char *big_extract(size_t *len, int flavour)
{
	size_t cap = 24u << 20, k = 0;
	char *buf = malloc(cap);
	k += (size_t)snprintf(buf + k, cap - k,
	                      "person_id,reference_period,qualification_name,wage_class,sex\n");
	uint64_t x = 99;
	for (uint64_t i = 0; k < cap - 4096 && k < (20u << 20); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t person = flavour == 1 ? 1 + i % 3 : i / 3;
		if (flavour == 3) { /* a newline inside a quoted field on every row */
			k += (size_t)snprintf(buf + k, cap - k, "%llu,2020Q1,\"line\n%d\",W1,F\n",
			                      (unsigned long long)person, (int)(x % 1000));
			continue;
		}
		switch (x % 97) {
		case 0:
			k += (size_t)snprintf(buf + k, cap - k,
			                      "%llu,2020Q9,\"a,\"\"b\"\"\nc\",W1,F\n",
			                      (unsigned long long)person);
			break;
		case 1:
			k += (size_t)snprintf(buf + k, cap - k, "\n");
			break;
		case 2:
			k += (size_t)snprintf(buf + k, cap - k, "%llu,2020Q1,x 85073003328,W1,F\n",
			                      (unsigned long long)person);
			break;
		case 3:
			k += (size_t)snprintf(buf + k, cap - k, "%llu,2020Q1,ok,1200,F,extra\r\n",
			                      (unsigned long long)person);
			break;
		case 4:
			if (flavour == 2 && i > 100000 && i % 7 == 0)
				k += (size_t)snprintf(buf + k, cap - k, "%llu,20\"20,x,W1,F\n",
				                      (unsigned long long)person);
			else
				k += (size_t)snprintf(buf + k, cap - k,
				                      "\"%llu\",\"2020Q1\",,W2,M\n",
				                      (unsigned long long)person);
			break;
		default:
			k += (size_t)snprintf(buf + k, cap - k, "%llu,2020Q%d,name %d,W3,X\n",
			                      (unsigned long long)person, (int)(x % 4) + 1,
			                      (int)(x % 1000));
		}
	}
	if (flavour == 1) /* the fourth person, near the end: crosses the cap of 3 */
		k += (size_t)snprintf(buf + k, cap - k, "4,2020Q1,x,W1,F\n");
	k += (size_t)snprintf(buf + k, cap - k, "\n\n");
	*len = k;
	return buf;
}

static void test_threads(void **state)
{
	(void)state;
	for (int flavour = 0; flavour < 4; flavour++) {
		size_t len;
		char *buf = big_extract(&len, flavour);
		struct extract_params p = tt_params();
		p.max_errors = flavour == 0 ? 100000 : 50;
		if (flavour != 1)
			p.group = "foreign_born";
		struct extract_report whole, par;
		static const size_t sizes[] = {1 << 20, 12345};
		run_chunks(&p, buf, len, sizes, 2, &whole);
		assert_true(whole.passed == (flavour == 3));
		if (flavour == 1)
			assert_int_equal(whole.error_counts[RULE_SAMPLE_CAP], 1);
		for (int threads = 1; threads <= 5; threads++) {
			struct err e = {0};
			struct extract_validator *v =
			    extract_run_buffer(D, &p, buf, len, threads, NULL, NULL, &par, &e);
			assert_non_null(v);
			assert_same_report(&whole, &par, "threads",
			                   (size_t)(flavour * 10 + threads));
			/* the same persons */
			size_t cursor = 0, n = 0;
			uint64_t id;
			while (extract_next_person(v, &cursor, &id))
				n++;
			assert_int_equal(n, whole.persons);
			extract_report_free(&par);
			extract_free(v);
		}
		extract_report_free(&whole);
		free(buf);
	}
}

/* An extract_reader over a buffer cut in pieces of a prime size (as an evbuffer or a
 * file read in blocks gives it): ranges within a piece in place, others gathered into
 * scratch; fail_at (nonzero) makes reads past it fail, as a file that shrank. */
struct pieces {
	const char *buf;
	uint64_t len, piece, fail_at;
};

static const char *pieces_at(void *arg, uint64_t off, size_t n, char *scratch, struct err *e)
{
	const struct pieces *pc = arg;
	assert_true(off + n <= pc->len);
	if (pc->fail_at != 0 && off + n > pc->fail_at) {
		err_set(e, ERR_CONFLICT, "shrank");
		return NULL;
	}
	if (off / pc->piece == (off + n - 1) / pc->piece)
		return pc->buf + off;
	memcpy(scratch, pc->buf + off, n);
	return scratch;
}

static void test_reader(void **state)
{
	(void)state;
	for (int flavour = 0; flavour < 4; flavour++) {
		size_t len;
		char *buf = big_extract(&len, flavour);
		struct extract_params p = tt_params();
		p.max_errors = 50;
		if (flavour != 1)
			p.group = "foreign_born";
		struct extract_report whole, par;
		static const size_t sizes[] = {1 << 20, 12345};
		run_chunks(&p, buf, len, sizes, 2, &whole);
		static const uint64_t piece[] = {4093, 65521, 1048573};
		for (int threads = 1; threads <= 3; threads++) {
			struct pieces pc = {buf, len, piece[threads - 1], 0};
			struct extract_reader rd = {
			    .len = len, .at = pieces_at, .arg = &pc, .copies = true};
			struct err e = {0};
			struct extract_validator *v =
			    extract_run_reader(D, &p, &rd, threads, &par, &e);
			assert_non_null(v);
			assert_same_report(&whole, &par, "reader",
			                   (size_t)(flavour * 10 + threads));
			extract_report_free(&par);
			extract_free(v);
			/* a read that fails: no report, the reader's error */
			pc.fail_at = len / 2;
			memset(&e, 0, sizeof(e));
			v = extract_run_reader(D, &p, &rd, threads, &par, &e);
			assert_null(v);
			assert_int_equal(e.kind, ERR_CONFLICT);
		}
		extract_report_free(&whole);
		free(buf);
	}
}

/* ---- no cell value in any report ----------------------------------------- */

static void test_no_values_in_reports(void **state)
{
	(void)state;
	/* distinctive values, each breaking a rule */
	static const char *const secrets[] = {
	    "918273645546", "QZXWVK2020-01-15", "QZXWVKA9",
	    "QZXWVKS",      "QZXWVK123",        "1987-06-05",
	    "QZXWVK1888",   "7777777777777",    "555.555",
	    "3141592.65",   "QZXWVKYES",        "QZXWVK-name-of-a-person-much-too-long",
	    "QZXWVK.9",     "85073003328",
	};
	char line[2048];
	size_t k = 0;
	for (size_t i = 0; i < NCOLS; i++)
		k += (size_t)snprintf(line + k, sizeof(line) - k, "%s%s", i ? "," : "", columns[i]);
	k += (size_t)snprintf(line + k, sizeof(line) - k, ",qzxwvk_unknown\n");
	for (size_t i = 0; i < NCOLS; i++)
		k += (size_t)snprintf(line + k, sizeof(line) - k, "%s%s", i ? "," : "", secrets[i]);
	k += (size_t)snprintf(line + k, sizeof(line) - k, ",QZXWVKcell\n");
	struct extract_report r;
	run_str(line, &r);
	assert_int_equal(total(&r), NCOLS + 1); /* every cell and the unknown column */

	json_t *j = report_to_json(
	    &r, &(struct extract_params){
	            .recipient = "maastricht-sbe", .group = "naric", .phase = 1, .date = 20250615});
	assert_non_null(j);
	char *json = json_dumps(j, JSON_COMPACT);
	char *text = NULL;
	size_t textlen = 0;
	FILE *f = open_memstream(&text, &textlen);
	struct extract_params p = tt_params();
	report_write_text(f, &r, &p);
	fclose(f);
	for (size_t i = 0; i < NCOLS; i++) {
		if (strstr(json, secrets[i]) || strstr(text, secrets[i]))
			fail_msg("the value of column %s appears in a report", columns[i]);
	}
	assert_null(strstr(json, "QZXWVKcell"));
	assert_null(strstr(text, "QZXWVKcell"));
	/* the unknown column's name is a header, not a value: it is named */
	assert_non_null(strstr(json, "qzxwvk_unknown"));
	free(json);
	free(text);
	json_decref(j);
	extract_report_free(&r);
}

/* Renders r as JSON and text and fails if any of the secrets appears. */
static void assert_no_secret(const struct extract_report *r, const char *const *secrets, size_t n,
                             const char *what)
{
	struct extract_params p = tt_params();
	json_t *j = report_to_json(r, &p);
	assert_non_null(j);
	char *json = json_dumps(j, JSON_COMPACT);
	char *text = NULL;
	size_t textlen = 0;
	FILE *f = open_memstream(&text, &textlen);
	report_write_text(f, r, &p);
	fclose(f);
	for (size_t i = 0; i < n; i++)
		if (strstr(json, secrets[i]) || strstr(text, secrets[i]))
			fail_msg("%s: a cell value (secret %zu) appears in a report", what, i);
	free(json);
	free(text);
	json_decref(j);
}

/* A file without its header row, or whose header lacks both required columns:
 * the unknown "names" may be data and are not echoed (column null, field kept). */
static void test_headerless_not_echoed(void **state)
{
	(void)state;
	static const char *const s1[] = {"2024Q1", "Gent", "Jansen Pieter", "12345"};
	struct extract_report r;
	run_str("12345,2024Q1,Jansen Pieter,Gent\n23456,2024Q1,Peeters An,Leuven\n", &r);
	assert_int_equal(r.error_counts[RULE_UNKNOWN_COLUMN], 4);
	assert_int_equal(r.errors[0].rule, RULE_UNKNOWN_COLUMN);
	assert_int_equal(r.errors[0].field, 1);
	assert_int_equal(r.errors[3].field, 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(r.errors[i].column, "");
	assert_no_secret(&r, s1, 4, "headerless");
	extract_report_free(&r);

	/* lower-case surnames that look like codes, but no person_id/reference_period */
	static const char *const s2[] = {"jansen", "peeters", "gent"};
	run_str("sex,jansen,peeters,gent\nF,a,b,c\n", &r);
	assert_int_equal(r.error_counts[RULE_UNKNOWN_COLUMN], 3);
	assert_no_secret(&r, s2, 3, "lower-case header");
	extract_report_free(&r);

	/* with a required column, a code-like name is echoed; others are not */
	run_str("person_id,reference_period,salary,Salary,net-pay\n1,2020Q1,1,2,3\n", &r);
	assert_int_equal(r.error_counts[RULE_UNKNOWN_COLUMN], 3);
	assert_string_equal(r.errors[0].column, "salary");
	assert_string_equal(r.errors[1].column, "");
	assert_int_equal(r.errors[1].field, 4);
	assert_string_equal(r.errors[2].column, "");
	extract_report_free(&r);
}

/* ---- JSON shape ----------------------------------------------------------- */

static void test_json(void **state)
{
	(void)state;
	struct extract_report r;
	struct extract_params p = tt_params();
	run_str(HDR "1,2020Q1,F\n", &r);
	json_t *j = report_to_json(&r, &p);
	assert_string_equal(json_string_value(json_object_get(j, "verdict")), "pass");
	assert_int_equal(json_integer_value(json_object_get(j, "rows")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "persons")), 1);
	assert_int_equal(json_object_size(json_object_get(j, "error_counts")), 0);
	assert_int_equal(json_array_size(json_object_get(j, "errors")), 0);
	assert_true(json_is_false(json_object_get(j, "errors_truncated")));
	assert_string_equal(json_string_value(json_object_get(j, "deliberation")), "21/128");
	assert_int_equal(json_integer_value(json_object_get(j, "version")), 2);
	assert_string_equal(json_string_value(json_object_get(j, "date")), "2025-06-15");
	assert_string_equal(json_string_value(json_object_get(j, "destination")),
	                    "recipient_premises");
	assert_int_equal(json_string_length(json_object_get(j, "sha256")), 64);
	json_decref(j);
	extract_report_free(&r);

	p.max_errors = 1;
	p.recipient = "nobody";
	p.destination = NULL;
	const char *csv = HDR "1,2020Q9,F,x\n";
	run(&p, csv, strlen(csv), &r);
	j = report_to_json(&r, &p);
	assert_string_equal(json_string_value(json_object_get(j, "verdict")), "fail");
	json_t *counts = json_object_get(j, "error_counts");
	assert_int_equal(json_object_size(counts), 2);
	assert_int_equal(json_integer_value(json_object_get(counts, "not_authorised")), 1);
	assert_int_equal(json_integer_value(json_object_get(counts, "row_width")), 1);
	json_t *errors = json_object_get(j, "errors");
	assert_int_equal(json_array_size(errors), 1);
	json_t *e0 = json_array_get(errors, 0);
	assert_string_equal(json_string_value(json_object_get(e0, "rule")), "not_authorised");
	assert_int_equal(json_integer_value(json_object_get(e0, "line")), 0);
	assert_true(json_is_null(json_object_get(e0, "column")));
	assert_true(json_is_null(json_object_get(e0, "field")));
	assert_true(json_is_true(json_object_get(j, "errors_truncated")));
	assert_true(json_is_null(json_object_get(j, "destination")));
	json_decref(j);
	extract_report_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cells),
	    cmocka_unit_test(test_semicolon_decimals),
	    cmocka_unit_test(test_documents),
	    cmocka_unit_test(test_national_number_everywhere),
	    cmocka_unit_test(test_too_long_record),
	    cmocka_unit_test(test_list_with_national_number),
	    cmocka_unit_test(test_sample_cap),
	    cmocka_unit_test(test_next_person),
	    cmocka_unit_test(test_check_level),
	    cmocka_unit_test(test_text_controls),
	    cmocka_unit_test(test_rules_without_terms),
	    cmocka_unit_test(test_duplicate_unknown),
	    cmocka_unit_test(test_sha256_and_bytes),
	    cmocka_unit_test(test_max_errors),
	    cmocka_unit_test(test_report_add_order),
	    cmocka_unit_test(test_splits),
	    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_reader),
	    cmocka_unit_test(test_no_values_in_reports),
	    cmocka_unit_test(test_headerless_not_echoed),
	    cmocka_unit_test(test_json),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
