/*
 * terms_text: a deliberation's string values checked by kind (see terms_text.h).
 */
#include "terms_text.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "terms.h"

/* Length of the valid UTF-8 sequence at s, 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		unsigned lo = s[0] == 0xe0 ? 0xa0 : 0x80, hi = s[0] == 0xed ? 0x9f : 0xbf;
		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		unsigned lo = s[0] == 0xf0 ? 0x90 : 0x80, hi = s[0] == 0xf4 ? 0x8f : 0xbf;
		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80
		           ? 4
		           : 0;
	}
	return 0;
}

/* Checks text: valid UTF-8, bounded, control characters only where allowed. */
static const char *check_text(const char *s, size_t min, size_t max, bool multiline)
{
	size_t n = strlen(s);

	if (n < min)
		return "must not be empty";
	if (n > max)
		return "too long";
	for (size_t i = 0; i < n;) {
		unsigned char ch = (unsigned char)s[i];
		size_t l = utf8_len((const unsigned char *)s + i);
		if (l == 0)
			return "not valid UTF-8";
		if ((ch < 0x20 && !(multiline && (ch == '\n' || ch == '\t'))) || ch == 0x7f)
			return "contains a control character";
		i += l;
	}
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
