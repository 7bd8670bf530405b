/* test_pattern: the anchored code-pattern matcher, its syntax and its errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pattern.h"

struct match_case {
	const char *pattern;
	const char *value;
	bool match;
};

static const struct match_case match_cases[] = {
    {"[0-9]{5}", "21004", true},
    {"[0-9]{5}", "2100", false},
    {"[0-9]{5}", "210045", false},
    {"[0-9]{5}", "2100a", false},
    {"[0-9]{2}|[0-9]{2}\\.?[0-9]{1,3}", "12", true},
    {"[0-9]{2}|[0-9]{2}\\.?[0-9]{1,3}", "12.345", true},
    {"[0-9]{2}|[0-9]{2}\\.?[0-9]{1,3}", "12345", true},
    {"[0-9]{2}|[0-9]{2}\\.?[0-9]{1,3}", "12.3456", false},
    {"[0-9]{2}|[0-9]{2}\\.?[0-9]{1,3}", "12.", false},
    {"[0-9A-Z]{1,10}", "AB12", true},
    {"[0-9A-Z]{1,10}", "", false},
    {"[0-9A-Z]{1,10}", "ab12", false},
    {"[0-9A-Z]{1,10}", "ABCDEFGHIJK", false},
    {"\\d+", "0", true},
    {"\\d+", "0123456789", true},
    {"\\d+", "", false},
    {"\\d*", "", true},
    {"a?b", "b", true},
    {"a?b", "ab", true},
    {"a?b", "aab", false},
    {"a.c", "abc", true},
    {"a.c", "a\nc", true},
    {"[^0-9]+", "abc", true},
    {"[^0-9]+", "ab1", false},
    {"[a-cx-z]{2}", "by", true},
    {"[a-cx-z]{2}", "bd", false},
    {"[\\d.]{3}", "1.2", true},
    {"[-a]", "-", true},
    {"[a-]", "-", true},
    {"[]a]", "]", true},
    {"x{2,}", "xx", true},
    {"x{2,}", "xxxxx", true},
    {"x{2,}", "x", false},
    {"x{0}y", "y", true},
    {"^AB$", "AB", true},
    {"^AB$", "ABC", false},
    {"A|B|C", "B", true},
    {"A|B|C", "D", false},
    {"\\w+", "a_Z9", true},
    {"\\w+", "a-b", false},
    {"a\\.b", "a.b", true},
    {"a\\.b", "axb", false},
    {"a*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
};

static void test_match(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		const struct match_case *c = &match_cases[i];
		struct err e = {0};
		struct pattern *p = pattern_compile(c->pattern, &e);
		if (!p)
			fail_msg("case %zu: pattern %s refused: %s", i, c->pattern, e.message);
		if (pattern_match(p, c->value, strlen(c->value)) != c->match)
			fail_msg("case %zu: pattern %s expected %s", i, c->pattern,
			         c->match ? "match" : "no match");
		pattern_free(p);
	}
}

static void test_binary_value(void **state)
{
	(void)state;
	struct err e = {0};
	struct pattern *p = pattern_compile("a.b", &e);
	assert_non_null(p);
	assert_true(pattern_match(p, "a\0b", 3));
	assert_false(pattern_match(p, "a\0", 2));
	pattern_free(p);
}

static const char *const bad_patterns[] = {
    "(ab)",
    "[abc",
    "a{2",
    "a{x}",
    "a{3,2}",
    "a{65}",
    "*a",
    "a**",
    "\\q",
    "a\\",
    "[z-a]",
    "a$b",
    "[0-9]{64}[0-9]{64}[0-9]{64}[0-9]{64}[0-9]{64}",
};

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_patterns) / sizeof(bad_patterns[0]); i++) {
		struct err e = {0};
		struct pattern *p = pattern_compile(bad_patterns[i], &e);
		if (p)
			fail_msg("bad pattern %zu was accepted", i);
		assert_int_equal(e.kind, ERR_INVALID);
		assert_non_null(strstr(e.message, "pattern"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_match),
	    cmocka_unit_test(test_binary_value),
	    cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
