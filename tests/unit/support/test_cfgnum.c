/*
 * test_cfgnum: the widths of libconfig integer literals, table-driven at every
 * bound (int32 and int64, both signs, leading zeros, hexadecimal).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cfgnum.h"

static void test_widths(void **state)
{
	(void)state;
	static const struct {
		const char *digits;
		bool negative, hex;
		enum cfgnum_width want;
	} cases[] = {
	    {"0", false, false, CFGNUM_INT32},
	    {"2147483647", false, false, CFGNUM_INT32},
	    {"2147483648", false, false, CFGNUM_INT64},
	    {"2147483648", true, false, CFGNUM_INT32},
	    {"2147483649", true, false, CFGNUM_INT64},
	    {"0000000000002147483647", false, false, CFGNUM_INT32},
	    {"999999999", false, false, CFGNUM_INT32},
	    {"10000000000", false, false, CFGNUM_INT64},
	    {"73000000000", false, false, CFGNUM_INT64},
	    {"9223372036854775807", false, false, CFGNUM_INT64},
	    {"9223372036854775808", false, false, CFGNUM_TOO_LARGE},
	    {"9223372036854775808", true, false, CFGNUM_INT64},
	    {"9223372036854775809", true, false, CFGNUM_TOO_LARGE},
	    {"99999999999999999999999", false, false, CFGNUM_TOO_LARGE},
	    {"ffffffff", false, true, CFGNUM_INT32},
	    {"000000000ffffffff", false, true, CFGNUM_INT32},
	    {"100000000", false, true, CFGNUM_INT64},
	    {"ffffffffffffffff", false, true, CFGNUM_INT64},
	    {"10000000000000000", false, true, CFGNUM_TOO_LARGE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(cfgnum_width(cases[i].digits, strlen(cases[i].digits),
		                              cases[i].negative, cases[i].hex),
		                 cases[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_widths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
