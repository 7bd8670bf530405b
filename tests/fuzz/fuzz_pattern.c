/*
 * fuzz_pattern: libFuzzer target for the code-pattern compiler and matcher.  The
 * input is a pattern, a NUL byte, then a value; the pattern must compile or be
 * refused with a message, and matching must terminate (linear by construction).
 *
 *   build-fuzz/tests/fuzz_pattern tests/fuzz/seeds/fuzz_pattern
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t plen = nul ? (size_t)(nul - data) : size;
	if (plen > 512)
		return 0;
	char src[513];
	memcpy(src, data, plen);
	src[plen] = '\0';
	struct err e = {0};
	struct pattern *p = pattern_compile(src, &e);
	if (!p) {
		if (e.kind != ERR_INVALID && e.kind != ERR_INTERNAL)
			abort();
		if (!e.message[0])
			abort();
		return 0;
	}
	const char *value = nul ? (const char *)nul + 1 : "";
	size_t vlen = nul ? size - plen - 1 : 0;
	bool m = pattern_match(p, value, vlen);
	/* a second match of the same value gives the same answer */
	if (pattern_match(p, value, vlen) != m)
		abort();
	pattern_free(p);
	return 0;
}
