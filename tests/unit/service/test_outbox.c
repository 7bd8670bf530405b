/*
 * test_outbox: the pure parts of the webhook outbox: the retry schedule, the
 * HMAC-SHA256 signature header (RFC 4231 vectors) and which URLs a webhook may
 * use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "outbox.h"

static void test_backoff(void **state)
{
	(void)state;
	static const struct {
		int attempts, seconds;
	} cases[] = {
	    {0, 1}, {1, 1}, {2, 2}, {3, 4}, {4, 8}, {10, 512}, {12, 2048}, {13, 3600}, {100, 3600},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(outbox_backoff(cases[i].attempts), cases[i].seconds);
}

static void test_signature(void **state)
{
	(void)state;
	char sig[72];
	const char *data = "what do ya want for nothing?";
	outbox_signature("Jefe", data, strlen(data), sig);
	assert_string_equal(
	    sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* The signature covers exactly len bytes. */
	outbox_signature("Jefe", "what do ya want for nothing?!", strlen(data), sig);
	assert_string_equal(
	    sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	outbox_signature("Jeff", data, strlen(data), sig);
	assert_string_not_equal(
	    sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_url_allowed(void **state)
{
	(void)state;
	static const struct {
		const char *url;
		bool ok;
	} cases[] = {
	    {"https://hooks.example.org/deliberd", true},
	    {"https://127.0.0.1:8443/x?y=1", true},
	    {"http://127.0.0.1:9000/hook", true},
	    {"http://localhost/hook", true},
	    {"http://[::1]:9000/hook", true},
	    {"http://hooks.example.org/deliberd", false},
	    {"ftp://hooks.example.org/", false},
	    {"https://user:pw@hooks.example.org/", false},
	    {"hooks.example.org/deliberd", false},
	    {"", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err e = {0};
		assert_int_equal(outbox_url_allowed(cases[i].url, &e), cases[i].ok);
		assert_int_equal(e.kind, cases[i].ok ? ERR_NONE : ERR_INVALID);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_signature),
	    cmocka_unit_test(test_url_allowed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
