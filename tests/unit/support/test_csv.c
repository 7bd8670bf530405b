/* test_csv: the tokenizer (dialects, quoting, malformed input, bounds) and the
 * agreement of csv_parse and csv_scan on where records end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csv.h"

struct parse_case {
	char delim;
	const char *in;
	bool eof;
	enum csv_status st;
	size_t consumed;
	const char *fields; /* fields joined by '|' (CSV_RECORD only) */
	uint32_t lines;
};

static const struct parse_case parse_cases[] = {
    {',', "a,b,c\nrest", false, CSV_RECORD, 6, "a|b|c", 1},
    {';', "a;b,c;d\n", false, CSV_RECORD, 8, "a|b,c|d", 1},
    {'\t', "a\tb\t\n", false, CSV_RECORD, 5, "a|b|", 1},
    {',', "a,b\r\n", false, CSV_RECORD, 5, "a|b", 1},
    {',', "a,b\r\r\n", false, CSV_RECORD, 6, "a|b\r", 1},
    {',', "a,\"b,c\",d\n", false, CSV_RECORD, 10, "a|b,c|d", 1},
    {',', "\"a\"\"b\",c\n", false, CSV_RECORD, 9, "a\"b|c", 1},
    {',', "\"\"\"\",\"\"\n", false, CSV_RECORD, 8, "\"|", 1},
    {',', "\"a\nb\",c\nx", false, CSV_RECORD, 8, "a\nb|c", 2},
    {',', "\"a\r\nb\"\r\n", false, CSV_RECORD, 8, "a\r\nb", 2},
    {',', "a,b", false, CSV_NEED_MORE, 0, NULL, 0},
    {',', "a,b", true, CSV_RECORD, 3, "a|b", 0},
    {',', "a,b\r", true, CSV_RECORD, 4, "a|b", 0},
    {',', "\"a,b", false, CSV_NEED_MORE, 0, NULL, 0},
    {',', "\"a\"", false, CSV_NEED_MORE, 0, NULL, 0},
    {',', "\"a\"", true, CSV_RECORD, 3, "a", 0},
    {',', "\"a\"\r", false, CSV_NEED_MORE, 0, NULL, 0},
    {',', "\n", false, CSV_RECORD, 1, "", 1},
    {',', "\r\n", false, CSV_RECORD, 2, "", 1},
    {',', ",\n", false, CSV_RECORD, 2, "|", 1},
    {',', "\"\"\n", false, CSV_RECORD, 3, "", 1},
    /* malformed: quote inside an unquoted field, resync at the next LF */
    {',', "a,b\"c,d\nnext\n", false, CSV_MALFORMED, 8, NULL, 1},
    /* malformed: byte after a closing quote */
    {',', "a,\"b\"c,d\nnext\n", false, CSV_MALFORMED, 9, NULL, 1},
    {',', "\"b\"\rx\nnext\n", false, CSV_MALFORMED, 6, NULL, 1},
    /* malformed: unterminated quote at end of input */
    {',', "a,\"b\nc", true, CSV_MALFORMED, 6, NULL, 1},
    {',', "a,\"b\nc", false, CSV_NEED_MORE, 0, NULL, 0},
    /* malformed, resync point not yet seen */
    {',', "a\"b", false, CSV_NEED_MORE, 0, NULL, 0},
    {',', "a\"b", true, CSV_MALFORMED, 3, NULL, 0},
};

static void join_fields(const struct csv_record *r, char *out, size_t n)
{
	size_t k = 0;
	out[0] = '\0';
	for (uint32_t i = 0; i < r->nfields; i++) {
		if (i)
			k += (size_t)snprintf(out + k, n - k, "|");
		k += (size_t)snprintf(out + k, n - k, "%.*s", (int)r->fields[i].len,
		                      r->fields[i].ptr);
	}
}

/* Where csv_scan says the record at p ends (byte by byte), 0 if it does not. */
static size_t scan_end(char delim, const char *p, size_t n)
{
	struct csv_scanner s;
	csv_scan_init(&s, delim);
	for (size_t i = 0; i < n; i++) {
		bool ended;
		size_t k = csv_scan(&s, p + i, 1, &ended);
		if (ended) {
			assert_int_equal(k, 1);
			return i + 1;
		}
	}
	return 0;
}

static void test_parse(void **state)
{
	(void)state;
	struct csv_record r;
	csv_record_init(&r);
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		enum csv_status st;
		size_t n = strlen(c->in);
		size_t used = csv_parse(c->delim, c->in, n, c->eof, &r, &st);
		if (st != c->st || used != c->consumed)
			fail_msg("case %zu: status %d consumed %zu, expected %d and %zu", i, st,
			         used, c->st, c->consumed);
		if (st == CSV_RECORD || st == CSV_MALFORMED)
			assert_int_equal(r.lines, c->lines);
		if (c->fields) {
			char buf[256];
			join_fields(&r, buf, sizeof(buf));
			if (strcmp(buf, c->fields) != 0)
				fail_msg("case %zu: fields differ", i);
		}
		/* the scanner agrees on terminated records */
		if (!c->eof && st != CSV_NEED_MORE)
			assert_int_equal(scan_end(c->delim, c->in, n), used);
		if (st == CSV_NEED_MORE)
			assert_int_equal(scan_end(c->delim, c->in, n), 0);
	}
	csv_record_free(&r);
}

static void test_malformed_position(void **state)
{
	(void)state;
	struct csv_record r;
	csv_record_init(&r);
	enum csv_status st;
	const char *in = "a,\"x\ny\",\"b\"c\n";
	size_t used = csv_parse(',', in, strlen(in), false, &r, &st);
	assert_int_equal(st, CSV_MALFORMED);
	assert_int_equal(used, strlen(in));
	assert_int_equal(r.bad_field, 2);
	assert_int_equal(r.bad_line, 1);
	assert_int_equal(r.lines, 2);
	csv_record_free(&r);
}

static void test_blank_and_high(void **state)
{
	(void)state;
	struct csv_record r;
	csv_record_init(&r);
	enum csv_status st;
	(void)csv_parse(',', "\r\n", 2, false, &r, &st);
	assert_true(r.blank);
	(void)csv_parse(',', "\"\"\n", 3, false, &r, &st);
	assert_false(r.blank);
	(void)csv_parse(',', "abcdefghijklmnopqrstuvwxyz,\xc3\xa9\n", 30, false, &r, &st);
	assert_int_equal(st, CSV_RECORD);
	assert_true(r.high);
	(void)csv_parse(',', "abcdefghijklmnopqrstuvwxyz,e\n\xc3\xa9", 31, false, &r, &st);
	assert_false(r.high);
	/* a high byte in every position of a 16-byte block */
	for (size_t at = 0; at < 40; at++) {
		char buf[48];
		memset(buf, 'a', sizeof(buf));
		buf[20] = ',';
		buf[41] = '\n';
		buf[at == 20 ? 21 : at] = (char)0xe9;
		(void)csv_parse(',', buf, sizeof(buf), false, &r, &st);
		assert_int_equal(st, CSV_RECORD);
		assert_true(r.high);
		buf[at == 20 ? 21 : at] = 'b';
		(void)csv_parse(',', buf, sizeof(buf), false, &r, &st);
		assert_false(r.high);
	}
	csv_record_free(&r);
}

static void test_too_long(void **state)
{
	(void)state;
	size_t n = CSV_MAX_RECORD + 100;
	char *buf = malloc(n);
	memset(buf, 'a', n);
	buf[10] = '"'; /* never mind: unquoted-field quote */
	buf[0] = '"';  /* a quoted field that never closes, with newlines */
	buf[10] = 'a';
	buf[500] = '\n';
	buf[n - 1] = '\n';
	struct csv_record r;
	csv_record_init(&r);
	enum csv_status st;
	size_t used = csv_parse(',', buf, n, false, &r, &st);
	assert_int_equal(st, CSV_TOO_LONG);
	assert_int_equal(used, CSV_MAX_RECORD);
	assert_int_equal(r.lines, 1);
	/* exactly the bound is fine: MAX bytes then LF */
	memset(buf, 'a', n);
	buf[CSV_MAX_RECORD] = '\n';
	used = csv_parse(',', buf, n, false, &r, &st);
	assert_int_equal(st, CSV_RECORD);
	assert_int_equal(used, CSV_MAX_RECORD + 1);
	buf[CSV_MAX_RECORD] = 'a';
	buf[CSV_MAX_RECORD + 1] = '\n';
	used = csv_parse(',', buf, n, false, &r, &st);
	assert_int_equal(st, CSV_TOO_LONG);
	csv_record_free(&r);
	free(buf);
}

/* Records wider than the field table (it grows) and than the stored maximum. */
static void test_wide(void **state)
{
	(void)state;
	size_t nf = CSV_MAX_FIELDS + 1000;
	char *buf = malloc(nf * 2 + 1);
	for (size_t i = 0; i < nf; i++) {
		buf[2 * i] = (char)('a' + i % 26);
		buf[2 * i + 1] = ',';
	}
	buf[2 * nf - 1] = '\n';
	struct csv_record r;
	csv_record_init(&r);
	enum csv_status st;
	size_t used = csv_parse(',', buf, 2 * nf, false, &r, &st);
	assert_int_equal(st, CSV_RECORD);
	assert_int_equal(used, 2 * nf);
	assert_int_equal(r.nfields, nf);
	assert_int_equal(r.fields_cap, CSV_MAX_FIELDS);
	for (size_t i = 0; i < CSV_MAX_FIELDS; i += 997) {
		assert_int_equal(r.fields[i].len, 1);
		assert_int_equal(r.fields[i].ptr[0], 'a' + i % 26);
	}
	/* 1000 fields: the table grows from its first size */
	csv_record_free(&r);
	csv_record_init(&r);
	buf[2 * 1000 - 1] = '\n';
	used = csv_parse(',', buf, 2 * nf, false, &r, &st);
	assert_int_equal(r.nfields, 1000);
	assert_int_equal(used, 2000);
	assert_int_equal(r.fields[999].ptr[0], 'a' + 999 % 26);
	csv_record_free(&r);
	free(buf);
}

static void test_detect(void **state)
{
	(void)state;
	assert_int_equal(csv_detect_delimiter("a,b,c\n", 6), ',');
	assert_int_equal(csv_detect_delimiter("a;b;c,d\n", 8), ';');
	assert_int_equal(csv_detect_delimiter("a\tb\tc;d\n", 8), '\t');
	assert_int_equal(csv_detect_delimiter("\"a;b;c\",d\n", 10), ',');
	assert_int_equal(csv_detect_delimiter("abc\n", 4), ',');
	assert_int_equal(csv_detect_delimiter("a;b,c\n", 6), ',');
	assert_int_equal(csv_detect_delimiter("a;b\nc,d,e,f", 11), ';');
	assert_int_equal(csv_first_line_end("a,\"b\nc\"\nd", 9), 8);
	assert_int_equal(csv_first_line_end("abc", 3), 0);
}

/* Random records over a small alphabet: wherever csv_parse finds a record end,
 * csv_scan finds the same one; where it needs more, so does the scanner. */
static void test_scan_agrees(void **state)
{
	(void)state;
	static const char alphabet[] = {'a', ',', ';', '"', '"', '\n', '\r', 'b'};
	uint64_t x = 12345;
	struct csv_record r;
	csv_record_init(&r);
	char buf[64];
	for (int round = 0; round < 200000; round++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		size_t n = 1 + x % 24;
		uint64_t y = x;
		for (size_t i = 0; i < n; i++) {
			y = y * 6364136223846793005ull + 1442695040888963407ull;
			buf[i] = alphabet[(y >> 33) % sizeof(alphabet)];
		}
		char delim = (x >> 40) & 1 ? ',' : ';';
		enum csv_status st;
		size_t used = csv_parse(delim, buf, n, false, &r, &st);
		size_t end = scan_end(delim, buf, n);
		if (st == CSV_NEED_MORE)
			assert_int_equal(end, 0);
		else
			assert_int_equal(end, used);
		/* at end of input everything is consumed */
		used = csv_parse(delim, buf, n, true, &r, &st);
		if (end == 0)
			assert_int_equal(used, n);
	}
	csv_record_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),          cmocka_unit_test(test_malformed_position),
	    cmocka_unit_test(test_blank_and_high), cmocka_unit_test(test_too_long),
	    cmocka_unit_test(test_detect),         cmocka_unit_test(test_wide),
	    cmocka_unit_test(test_scan_agrees),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
