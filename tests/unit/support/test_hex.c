/*
 * test_hex: hex_encode, hex_decode and hex_sha256, table-driven: round trips, both
 * cases, odd lengths and non-hex characters refused, the FIPS 180-2 vectors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hex.h"

static void test_encode(void **state)
{
	(void)state;
	static const unsigned char in[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
	char out[2 * sizeof(in) + 1];
	memset(out, 'x', sizeof(out));
	hex_encode(in, sizeof(in), out);
	assert_string_equal(out, "00017f80abff");
	hex_encode(in, 0, out);
	assert_string_equal(out, "");
}

static void test_decode(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *bytes; /* NULL: refused */
		size_t n;
	} cases[] = {
	    {"", "", 0},
	    {"00017f80abff", "\x00\x01\x7f\x80\xab\xff", 6},
	    {"ABcdEF", "\xab\xcd\xef", 3},
	    {"0", NULL, 0},
	    {"abc", NULL, 0},
	    {"0g", NULL, 0},
	    {"g0", NULL, 0},
	    {"12 4", NULL, 0},
	    {"-1", NULL, 0},
	    {"0x", NULL, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char out[16];
		bool ok = hex_decode(cases[i].in, strlen(cases[i].in), out);
		if (cases[i].bytes == NULL) {
			assert_false(ok);
		} else {
			assert_true(ok);
			assert_memory_equal(out, cases[i].bytes, cases[i].n);
		}
	}
}

static void test_round_trip(void **state)
{
	(void)state;
	unsigned char in[256], back[256];
	char text[513];
	for (int i = 0; i < 256; i++)
		in[i] = (unsigned char)i;
	hex_encode(in, sizeof(in), text);
	assert_int_equal(strlen(text), 512);
	assert_true(hex_decode(text, 512, back));
	assert_memory_equal(in, back, sizeof(in));
}

static void test_sha256(void **state)
{
	(void)state;
	static const struct {
		const char *in, *hex;
	} cases[] = {
	    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[65];
		memset(out, 'x', sizeof(out));
		assert_true(hex_sha256(cases[i].in, strlen(cases[i].in), out));
		assert_string_equal(out, cases[i].hex);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_encode),
	    cmocka_unit_test(test_decode),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_sha256),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
