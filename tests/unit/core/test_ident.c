/* test_ident: each identifier detector on its formats and near misses (wrong check
 * digits, impossible dates, too few digits), and which header names may be shown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ident.h"

struct find_case {
	enum ident_kind kind;
	const char *text;
	bool found;
};

static const struct find_case cases[] = {
    {IDENT_NATIONAL_NUMBER, "85.07.30-033.28", true},
    {IDENT_NATIONAL_NUMBER, "85.07.30-033.29", false}, /* wrong check digits */

    {IDENT_ENTERPRISE_NUMBER, "0203201340", true},
    {IDENT_ENTERPRISE_NUMBER, "0203.201.340", true},
    {IDENT_ENTERPRISE_NUMBER, "BE 0403.571.072 (KBO)", true},
    {IDENT_ENTERPRISE_NUMBER, "ondernemingsnr 1000.000.120", true},
    {IDENT_ENTERPRISE_NUMBER, "0203.201.341", false}, /* wrong check digits */
    {IDENT_ENTERPRISE_NUMBER, "2203201340", false},   /* first digit not 0 or 1 */
    {IDENT_ENTERPRISE_NUMBER, "02032013400", false},  /* 11 digits in one group */
    {IDENT_ENTERPRISE_NUMBER, "203.201.340", false},  /* 9 digits */

    {IDENT_IBAN, "BE68539007547034", true},
    {IDENT_IBAN, "BE68 5390 0754 7034", true},
    {IDENT_IBAN, "rekening be68 5390 0754 7034.", true},
    {IDENT_IBAN, "NL91 ABNA 0417 1643 00", true},
    {IDENT_IBAN, "GB82WEST12345698765432", true},
    {IDENT_IBAN, "BE68 5390 0754 7035", false}, /* wrong check digits */
    {IDENT_IBAN, "BE69539007547034", false},    /* wrong check digits */
    {IDENT_IBAN, "BE68 5390 0754 703", false},  /* too short for BE */
    {IDENT_IBAN, "BE685390075470341", false},   /* too long for BE */
    {IDENT_IBAN, "XX68539007547034", false},    /* no such country */
    {IDENT_IBAN, "ABE68539007547034", false},   /* glued to a word */

    {IDENT_EMAIL, "jan.peeters@example.be", true},
    {IDENT_EMAIL, "mail: a+b@sub.example.org.", true},
    {IDENT_EMAIL, "jan@localhost", false},   /* no domain dot */
    {IDENT_EMAIL, "jan@example.b", false},   /* one-letter top-level domain */
    {IDENT_EMAIL, "jan@example.12", false},  /* numeric top-level domain */
    {IDENT_EMAIL, "@example.be", false},     /* no local part */
    {IDENT_EMAIL, "jan@.example.be", false}, /* empty label */
    {IDENT_EMAIL, "jan at example dot be", false},

    {IDENT_PHONE, "+32 2 123 45 67", true},
    {IDENT_PHONE, "+32 (0)2 123 45 67", true},
    {IDENT_PHONE, "0032 470 12 34 56", true},
    {IDENT_PHONE, "tel 02/123.45.67", true},
    {IDENT_PHONE, "0470 12 34 56", true},
    {IDENT_PHONE, "0470123456", true},
    {IDENT_PHONE, "02 123 45 6", false},        /* 8 digits */
    {IDENT_PHONE, "0470 12 34 56 78 9", false}, /* 13 digits national */
    {IDENT_PHONE, "2014-2020", false},
    {IDENT_PHONE, "1234567890", false},   /* no leading 0 or + */
    {IDENT_PHONE, "+32 12 34", false},    /* too short */
    {IDENT_PHONE, "ab0470123456", false}, /* glued to a word */

    {IDENT_FULL_DATE, "2015-06-30", true},
    {IDENT_FULL_DATE, "diploma 30/06/2015 Gent", true},
    {IDENT_FULL_DATE, "1.2.2016", true},
    {IDENT_FULL_DATE, "29-02-2016", true},
    {IDENT_FULL_DATE, "30 juni 2015", true},
    {IDENT_FULL_DATE, "1 Sept. 2019", true},
    {IDENT_FULL_DATE, "12 janvier 2020", true},
    {IDENT_FULL_DATE, "2015-06", false},    /* year and month only: allowed */
    {IDENT_FULL_DATE, "2015-06-31", false}, /* no 31 June */
    {IDENT_FULL_DATE, "29-02-2015", false}, /* not a leap year */
    {IDENT_FULL_DATE, "2015-13-01", false},
    {IDENT_FULL_DATE, "2015/06-30", false}, /* mixed separators */
    {IDENT_FULL_DATE, "juni 2015", false},
    {IDENT_FULL_DATE, "30 jun", false},
    {IDENT_FULL_DATE, "12015-06-30", false}, /* 5-digit year */
};

static void test_find(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct find_case *c = &cases[i];
		if (ident_find(c->kind, c->text, strlen(c->text)) != c->found)
			fail_msg("case %zu (%s): expected %s", i, ident_rule(c->kind),
			         c->found ? "found" : "not found");
	}
}

static void test_scan_names_the_kinds(void **state)
{
	(void)state;
	const char *s = "a@b.be, 30/06/2015";
	unsigned found = ident_scan(s, strlen(s));
	assert_int_equal(found, (1u << IDENT_EMAIL) | (1u << IDENT_FULL_DATE));
	assert_string_equal(ident_rule(IDENT_IBAN), "iban");
	assert_string_equal(ident_rule(IDENT_COUNT), "unknown");
	assert_int_equal(ident_scan("", 0), 0);
}

struct name_case {
	const char *name;
	bool safe;
};

static const struct name_case names[] = {
    {"naric_refugee", true},   {"isco08", true},
    {"nace_2d", true},         {"naric_refugee100001", false}, /* a pseudonym glued to the name */
    {"x123", false},           {"85073003328", false},
    {"jan@example.be", false}, {"d2015-06-30", false},
};

static void test_name_safe(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (ident_name_safe(names[i].name, strlen(names[i].name)) != names[i].safe)
			fail_msg("name case %zu: expected %s", i,
			         names[i].safe ? "safe" : "unsafe");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_scan_names_the_kinds),
	    cmocka_unit_test(test_name_safe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
