/*
 * test_clock: RFC 3339 parsing and formatting, and the Europe/Brussels date
 * arithmetic that decides when destruction falls due, checked against tables
 * and against the system's tzdata for every hour of 2021-2040.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "clock.h"

static void test_parse_valid(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int64_t t;
	} cases[] = {
	    {"1970-01-01T00:00:00Z", 0},
	    {"2031-02-01T00:00:00+01:00", 1927666800},
	    {"2031-01-31T23:00:00Z", 1927666800},
	    {"2031-01-31T23:59:59+01:00", 1927666799},
	    {"2031-01-31 23:00:00.123456Z", 1927666800},
	    {"2031-02-01t00:00:00z", 1927670400},
	    {"2024-02-29T12:00:00-05:30", 1709227800},
	    {"2000-03-01T00:00:00Z", 951868800},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t t = -1;
		assert_true(clock_parse(cases[i].text, &t));
		assert_int_equal(t, cases[i].t);
	}
}

static void test_parse_invalid(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    "2031-02-01",
	    "2031-02-01T00:00:00",  /* no zone */
	    "2031-02-30T00:00:00Z", /* no such day */
	    "2023-02-29T00:00:00Z", /* not a leap year */
	    "2031-13-01T00:00:00Z",
	    "2031-02-01T24:00:00Z",
	    "2031-02-01T23:60:00Z",
	    "2031-02-01T23:59:60Z",
	    "2031-02-01T00:00:00+1:00",
	    "2031-02-01T00:00:00+01:00x",
	    "2031-02-01T00:00:00.Z",
	    "2031/02/01T00:00:00Z",
	    " 2031-02-01T00:00:00Z",
	    "+031-02-01T00:00:00Z",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t t;
		assert_false(clock_parse(bad[i], &t));
	}
	int64_t t;
	assert_false(clock_parse(NULL, &t));
}

static void test_format(void **state)
{
	(void)state;
	char buf[21];
	clock_format(0, buf);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	clock_format(1927666800, buf);
	assert_string_equal(buf, "2031-01-31T23:00:00Z");
	clock_format(-1, buf);
	assert_string_equal(buf, "1969-12-31T23:59:59Z");
	int64_t t;
	assert_true(clock_parse("2032-02-29T13:14:15+02:00", &t));
	clock_format(t, buf);
	assert_string_equal(buf, "2032-02-29T11:14:15Z");
}

static void test_due_instant(void **state)
{
	(void)state;
	static const struct {
		int32_t until;
		const char *due; /* UTC */
	} cases[] = {
	    {20310131, "2031-01-31T23:00:00Z"}, /* winter: CET */
	    {20320131, "2032-01-31T23:00:00Z"},
	    {20310731, "2031-07-31T22:00:00Z"}, /* summer: CEST */
	    {20310329, "2031-03-29T23:00:00Z"}, /* 30 March 2031 is the switch day */
	    {20310330, "2031-03-30T22:00:00Z"},
	    {20311025, "2031-10-25T22:00:00Z"}, /* 26 October 2031, still CEST at 00:00 */
	    {20311026, "2031-10-26T23:00:00Z"},
	    {20281231, "2028-12-31T23:00:00Z"},
	    {20280228, "2028-02-28T23:00:00Z"}, /* leap year: due 29 February */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t t;
		char buf[21];
		assert_true(clock_due_instant(cases[i].until, &t));
		clock_format(t, buf);
		assert_string_equal(buf, cases[i].due);
		/* One second before the due instant is still the deadline day. */
		assert_int_equal(clock_brussels_date(t - 1), cases[i].until);
		assert_int_equal(clock_brussels_date(t), clock_date_add(cases[i].until, 1));
	}
	int64_t t;
	assert_false(clock_due_instant(20310230, &t));
	assert_false(clock_due_instant(0, &t));
	assert_false(clock_brussels_midnight(20311301, &t));
}

static void test_date_math(void **state)
{
	(void)state;
	assert_int_equal(clock_date_add(20310131, 1), 20310201);
	assert_int_equal(clock_date_add(20311231, 1), 20320101);
	assert_int_equal(clock_date_add(20320301, -1), 20320229);
	assert_int_equal(clock_date_add(20310131, -180), 20300804);
	assert_int_equal(clock_days_between(20310131, 20320131), 365);
	assert_int_equal(clock_days_between(20320131, 20330131), 366);
	assert_int_equal(clock_days_between(20310201, 20310131), -1);
	assert_int_equal(clock_days_between(20310131, 20310131), 0);
}

/* Brussels offsets and dates come from tzdata: around the switches, and where the
 * history differs from today's EU rule (Belgium had no summer time in 1976, and
 * began 1977's on 3 April, not the last Sunday of March), which a hand-written rule
 * gets wrong. */
static void test_brussels_from_tzdata(void **state)
{
	(void)state;
	assert_true(clock_init());
	static const struct {
		const char *at;
		int offset;
		int32_t date;
	} cases[] = {
	    {"2031-03-30T00:59:59Z", 3600, 20310330}, /* last second of CET */
	    {"2031-03-30T01:00:00Z", 7200, 20310330}, /* CEST from 03:00 local */
	    {"2031-10-26T00:59:59Z", 7200, 20311026},
	    {"2031-10-26T01:00:00Z", 3600, 20311026},
	    {"2031-01-31T22:59:59Z", 3600, 20310131}, /* 23:59:59 on the last day */
	    {"2031-01-31T23:00:00Z", 3600, 20310201}, /* due_at of 21/128 */
	    {"2030-07-31T22:00:00Z", 7200, 20300801},
	    {"1976-07-01T12:00:00Z", 3600, 19760701}, /* no summer time in Belgium */
	    {"1977-03-30T12:00:00Z", 3600, 19770330}, /* 1977: from 3 April */
	    {"1977-04-04T12:00:00Z", 7200, 19770404},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t t;
		assert_true(clock_parse(cases[i].at, &t));
		assert_int_equal(clock_brussels_offset(t), cases[i].offset);
		assert_int_equal(clock_brussels_date(t), cases[i].date);
	}
	/* midnight of a date on both sides of a switch, and the 1977 one */
	int64_t mid;
	assert_true(clock_brussels_midnight(19770403, &mid));
	assert_int_equal(mid, 228870000); /* 1977-04-02T23:00:00Z: CET at midnight */
	assert_true(clock_brussels_midnight(19770404, &mid));
	assert_int_equal(mid, 228952800); /* 1977-04-03T22:00:00Z: CEST */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_valid), cmocka_unit_test(test_parse_invalid),
	    cmocka_unit_test(test_format),      cmocka_unit_test(test_due_instant),
	    cmocka_unit_test(test_date_math),   cmocka_unit_test(test_brussels_from_tzdata),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
