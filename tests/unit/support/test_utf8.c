/*
 * test_utf8: utf8_valid, table-driven: ASCII, every sequence length at its
 * bounds, overlongs, surrogates, past U+10FFFF, truncated and stray bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "utf8.h"

static void test_valid(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int cps; /* -1: invalid */
	} cases[] = {
	    {"", 0},
	    {"abc", 3},
	    {"\xc2\x80", 1},
	    {"\xdf\xbf", 1},
	    {"caf\xc3\xa9", 4},
	    {"\xe0\xa0\x80", 1},
	    {"\xef\xbf\xbf", 1},
	    {"\xf0\x90\x80\x80", 1},
	    {"\xf4\x8f\xbf\xbf", 1},
	    {"\xc0\x80", -1},         /* overlong NUL */
	    {"\xc1\xbf", -1},         /* overlong */
	    {"\xe0\x9f\xbf", -1},     /* overlong */
	    {"\xf0\x8f\xbf\xbf", -1}, /* overlong */
	    {"\xed\xa0\x80", -1},     /* surrogate */
	    {"\xed\xbf\xbf", -1},     /* surrogate */
	    {"\xf4\x90\x80\x80", -1}, /* past U+10FFFF */
	    {"\xf5\x80\x80\x80", -1},
	    {"\x80", -1}, /* stray continuation */
	    {"\xc3", -1}, /* truncated */
	    {"\xe2\x82", -1},
	    {"\xc3\x41", -1},
	    {"\xff", -1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t cps = 12345;
		bool ok = utf8_valid((const unsigned char *)cases[i].s, strlen(cases[i].s), &cps);
		assert_int_equal(ok, cases[i].cps >= 0);
		if (ok)
			assert_int_equal(cps, (uint32_t)cases[i].cps);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
