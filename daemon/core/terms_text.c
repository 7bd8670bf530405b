/*
 * terms_text: a deliberation's string values checked by kind (see terms_text.h).
 */
#include "terms_text.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "terms.h"
#include "utf8.h"

/* Checks text: valid UTF-8, bounded, control characters only where allowed. */
static const char *check_text(const char *s, size_t min, size_t max, bool multiline)
{
	size_t n = strlen(s), ctl = 0;
	uint32_t cps;

	if (n < min)
		return "must not be empty";
	if (n > max)
		return "too long";
	/* The first fault wins: bad UTF-8 before the first control character, or it. */
	while (ctl < n && !(((unsigned char)s[ctl] < 0x20 &&
	                     !(multiline && (s[ctl] == '\n' || s[ctl] == '\t'))) ||
	                    s[ctl] == 0x7f))
		ctl++;
	if (!utf8_valid((const unsigned char *)s, ctl, &cps))
		return "not valid UTF-8";
	if (ctl < n)
		return "contains a control character";
	return NULL;
}

static bool all_chars(const char *s, const char *set)
{
	for (; *s != '\0'; s++)
		if (strchr(set, *s) == NULL)
			return false;
	return true;
}

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define DIGIT "0123456789"

const char *terms_text_check(const char *s, enum terms_text_kind kind)
{
	size_t n = strlen(s);

	switch (kind) {
	case STR_IDENT:
		if (n == 0 || n > 63 || !islower((unsigned char)s[0]) ||
		    !all_chars(s, LOWER DIGIT "_"))
			return "must be 1 to 63 characters a-z, 0-9 and _, starting with a letter";
		return NULL;
	case STR_RECIPIENT:
		if (!terms_id_valid(s))
			return "must be 1 to 63 characters a-z, 0-9, '.', '_' and '-', starting "
			       "with a letter or digit";
		return NULL;
	case STR_REFERENCE: {
		/* The shared parser, and in a file only the canonical '/' form. */
		char ref[TERMS_REFERENCE_SIZE];
		struct err ignored = {0};
		if (!terms_reference_parse(s, "reference", ref, &ignored) || strcmp(ref, s) != 0)
			return "must be like \"21/128\": 1 to 4 digits, '/', 1 to 6 digits";
		return NULL;
	}
	case STR_SHA256:
		if (n != 0 && (n != 64 || !all_chars(s, DIGIT "abcdef")))
			return "must be empty or 64 lowercase hexadecimal digits";
		return NULL;
	case STR_NAME:
		return check_text(s, 1, 512, false);
	case STR_NAME_OPT:
		return check_text(s, 0, 512, false);
	case STR_LINE:
		return check_text(s, 1, 1024, false);
	case STR_LINE_OPT:
		return check_text(s, 0, 1024, false);
	case STR_TEXT:
		return check_text(s, 0, 8192, true);
	case STR_VALUE:
		if (check_text(s, 1, 64, false) != NULL)
			return "must be 1 to 64 bytes of UTF-8 without control characters";
		if (s[0] == ' ' || s[n - 1] == ' ')
			return "must not start or end with a space";
		return NULL;
	case STR_PATTERN:
		if (n == 0 || n > 256)
			return "must be 1 to 256 characters";
		for (size_t i = 0; i < n; i++)
			if (s[i] < 0x20 || s[i] > 0x7e)
				return "must be printable ASCII";
		return NULL;
	case STR_DATE:
		if (!terms_date_parse(s, NULL))
			return "not a calendar date (YYYY-MM-DD)";
		return NULL;
	case STR_MONTH:
		if (!terms_month_parse(s, NULL))
			return "not a month (YYYY-MM)";
		return NULL;
	}
	return "invalid";
}
