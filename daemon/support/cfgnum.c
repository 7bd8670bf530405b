/*
 * cfgnum: the integer bounds of libconfig 1.5 literals (see cfgnum.h).
 */
#include "cfgnum.h"

#include <string.h>

/* Does the decimal s[0..n) (no leading zeros) stay within limit, also decimal? */
static bool within(const char *s, size_t n, const char *limit)
{
	size_t ln = strlen(limit);
	return n < ln || (n == ln && strncmp(s, limit, n) <= 0);
}

enum cfgnum_width cfgnum_width(const char *s, size_t n, bool negative, bool hex)
{
	while (n > 1 && *s == '0')
		s++, n--;
	if (hex) /* strtoul into an int: 8 digits wrap but keep their bits */
		return n <= 8 ? CFGNUM_INT32 : n <= 16 ? CFGNUM_INT64 : CFGNUM_TOO_LARGE;
	if (within(s, n, negative ? "2147483648" : "2147483647"))
		return CFGNUM_INT32;
	if (within(s, n, negative ? "9223372036854775808" : "9223372036854775807"))
		return CFGNUM_INT64;
	return CFGNUM_TOO_LARGE;
}
