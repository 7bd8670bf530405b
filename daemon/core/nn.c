/*
 * nn: Belgian national register and BIS number detection (rules in nn.h).  The
 * scan looks at digit groups: maximal digit runs joined by exactly one separator
 * ('.', '-', ' ', '/') form a chain; every window of whole consecutive groups of a
 * chain that holds exactly 11 digits is checked, once, when its last group is read.
 */
#include "nn.h"

#include <stdint.h>

bool nn_valid11(const char d[11])
{
	uint32_t n = 0;
	for (int i = 0; i < 11; i++)
		if (d[i] < '0' || d[i] > '9')
			return false;
	for (int i = 0; i < 9; i++)
		n = n * 10 + (uint32_t)(d[i] - '0');
	int month = (d[2] - '0') * 10 + (d[3] - '0');
	int day = (d[4] - '0') * 10 + (d[5] - '0');
	if (!((month <= 12) || (month >= 20 && month <= 32) || (month >= 40 && month <= 52)))
		return false;
	if (day > 31)
		return false;
	uint32_t cc = (uint32_t)((d[9] - '0') * 10 + (d[10] - '0'));
	if (cc == 97 - n % 97)
		return true;
	return cc == 97 - (uint32_t)((2000000000ull + n) % 97);
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_sep(char c)
{
	return c == '.' || c == '-' || c == ' ' || c == '/';
}

/* Checks the 11 digits held by groups g[0..ng). */
static bool check_window(const char *s, const uint32_t *gstart, const uint32_t *glen, size_t ng)
{
	char d[11];
	size_t k = 0;
	for (size_t g = 0; g < ng; g++)
		for (uint32_t i = 0; i < glen[g]; i++)
			d[k++] = s[gstart[g] + i];
	return nn_valid11(d);
}

bool nn_find(const char *s, size_t len)
{
	if (len < 11 || len > UINT32_MAX)
		return false;
	size_t digits = 0;
	for (size_t i = 0; i < len; i++)
		digits += is_digit(s[i]);
	if (digits < 11)
		return false;

	/* Groups of a chain; a window never spans more than 11 groups, so keeping
	 * the last 11 groups of the current chain is enough. */
	enum { KEEP = 11 };
	uint32_t gstart[KEEP], glen[KEEP];
	size_t ng = 0;
	size_t i = 0;
	while (i < len) {
		if (!is_digit(s[i])) {
			i++;
			continue;
		}
		size_t start = i;
		while (i < len && is_digit(s[i]))
			i++;
		if (ng == KEEP) {
			for (size_t g = 1; g < KEEP; g++) {
				gstart[g - 1] = gstart[g];
				glen[g - 1] = glen[g];
			}
			ng--;
		}
		gstart[ng] = (uint32_t)start;
		glen[ng] = (uint32_t)(i - start);
		ng++;
		/* Only windows ending with the newest group are new. */
		uint32_t total = 0;
		for (size_t a = ng; a-- > 0;) {
			total += glen[a];
			if (total > 11)
				break;
			if (total == 11) {
				if (check_window(s, gstart + a, glen + a, ng - a))
					return true;
				break;
			}
		}
		/* Does the chain go on: exactly one separator then a digit? */
		if (!(i + 1 < len && is_sep(s[i]) && is_digit(s[i + 1])))
			ng = 0;
		else
			i++;
	}
	return false;
}
