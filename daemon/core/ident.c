/*
 * ident: identifier detectors (formats and limits in ident.h and
 * docs/validation.md).  Each scan is linear in the text (bounded look-around per
 * position), allocates nothing and keeps nothing of what it reads.
 */
#include "ident.h"

#include <stdint.h>
#include <string.h>

#include "nn.h"

static const char *const rules[IDENT_COUNT] = {
    [IDENT_NATIONAL_NUMBER] = "national_number",
    [IDENT_ENTERPRISE_NUMBER] = "enterprise_number",
    [IDENT_IBAN] = "iban",
    [IDENT_EMAIL] = "email_address",
    [IDENT_PHONE] = "phone_number",
    [IDENT_FULL_DATE] = "full_date",
};

const char *ident_rule(enum ident_kind k)
{
	return (unsigned)k < IDENT_COUNT ? rules[k] : "unknown";
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool is_alnum(char c)
{
	return is_digit(c) || is_alpha(c);
}

static inline char upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* ---- enterprise number ---------------------------------------------------- */

/* 10 digits, the first 0 or 1; the last two are 97 - (first eight mod 97). */
static bool enterprise_valid10(const char d[10])
{
	if (d[0] != '0' && d[0] != '1')
		return false;
	uint32_t n = 0;
	for (int i = 0; i < 8; i++)
		n = n * 10 + (uint32_t)(d[i] - '0');
	uint32_t cc = (uint32_t)((d[8] - '0') * 10 + (d[9] - '0'));
	return cc == 97 - n % 97;
}

static inline bool is_sep(char c)
{
	return c == '.' || c == '-' || c == ' ' || c == '/';
}

/* As nn_find: digit groups chained by single separators; every window of whole
 * consecutive groups holding exactly 10 digits is a candidate; a group of 11 or
 * more digits never is. */
static bool find_enterprise(const char *s, size_t len)
{
	enum { KEEP = 10 };
	size_t gstart[KEEP], glen[KEEP];
	size_t ng = 0, i = 0;
	while (i < len) {
		if (!is_digit(s[i])) {
			i++;
			continue;
		}
		size_t start = i;
		while (i < len && is_digit(s[i]))
			i++;
		if (ng == KEEP) {
			memmove(gstart, gstart + 1, (KEEP - 1) * sizeof(*gstart));
			memmove(glen, glen + 1, (KEEP - 1) * sizeof(*glen));
			ng--;
		}
		gstart[ng] = start;
		glen[ng] = i - start;
		ng++;
		size_t total = 0;
		for (size_t a = ng; a-- > 0;) {
			total += glen[a];
			if (total > 10)
				break;
			if (total == 10) {
				char d[10];
				size_t k = 0;
				for (size_t g = a; g < ng; g++)
					for (size_t j = 0; j < glen[g]; j++)
						d[k++] = s[gstart[g] + j];
				if (enterprise_valid10(d))
					return true;
				break;
			}
		}
		if (!(i + 1 < len && is_sep(s[i]) && is_digit(s[i + 1])))
			ng = 0;
		else
			i++;
	}
	return false;
}

/* ---- IBAN ----------------------------------------------------------------- */

/* Lengths of the IBANs of the SEPA countries (ISO 13616 registry); a country
 * not listed is not detected (documented limit). */
static const struct {
	char cc[3];
	uint8_t len;
} iban_lengths[] = {
    {"AD", 24}, {"AT", 20}, {"BE", 16}, {"BG", 22}, {"CH", 21}, {"CY", 28}, {"CZ", 24}, {"DE", 22},
    {"DK", 18}, {"EE", 20}, {"ES", 24}, {"FI", 18}, {"FR", 27}, {"GB", 22}, {"GI", 23}, {"GR", 27},
    {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IS", 26}, {"IT", 27}, {"LI", 21}, {"LT", 20}, {"LU", 20},
    {"LV", 21}, {"MC", 27}, {"MT", 31}, {"NL", 18}, {"NO", 15}, {"PL", 28}, {"PT", 25}, {"RO", 24},
    {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"TR", 26}, {"VA", 22},
};

static size_t iban_length(char a, char b)
{
	for (size_t i = 0; i < sizeof(iban_lengths) / sizeof(iban_lengths[0]); i++)
		if (iban_lengths[i].cc[0] == a && iban_lengths[i].cc[1] == b)
			return iban_lengths[i].len;
	return 0;
}

/* ISO 7064 mod 97-10 over the rearranged IBAN (country and check digits last,
 * letters as 10..35). */
static bool iban_valid(const char *c, size_t n)
{
	uint32_t r = 0;
	for (size_t k = 0; k < n; k++) {
		char ch = c[(k + 4) % n];
		if (is_digit(ch))
			r = (r * 10 + (uint32_t)(ch - '0')) % 97;
		else
			r = (r * 100 + (uint32_t)(ch - 'A' + 10)) % 97;
	}
	return r == 1;
}

static bool find_iban(const char *s, size_t len)
{
	for (size_t i = 0; i + 4 <= len; i++) {
		if (!is_alpha(s[i]) || !is_alpha(s[i + 1]) || !is_digit(s[i + 2]) ||
		    !is_digit(s[i + 3]) || (i > 0 && is_alnum(s[i - 1])))
			continue;
		size_t want = iban_length(upper(s[i]), upper(s[i + 1]));
		if (want == 0)
			continue;
		char c[34];
		size_t n = 0, j = i;
		while (j < len && n < want) {
			if (is_alnum(s[j])) {
				c[n++] = upper(s[j++]);
			} else if (s[j] == ' ' && j + 1 < len && is_alnum(s[j + 1]) && n > 0) {
				j++;
			} else {
				break;
			}
		}
		if (n == want && (j == len || !is_alnum(s[j])) && iban_valid(c, n))
			return true;
	}
	return false;
}

/* ---- e-mail address ------------------------------------------------------- */

static inline bool is_local(char c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

/* local@label(.label)+ with a last label of 2 or more letters. */
static bool find_email(const char *s, size_t len)
{
	for (size_t at = 1; at + 1 < len; at++) {
		if (s[at] != '@' || !is_local(s[at - 1]))
			continue;
		size_t j = at + 1, dots = 0, label = 0;
		bool alpha_label = true;
		bool ok = true;
		while (j < len && (is_alnum(s[j]) || s[j] == '-' || s[j] == '.')) {
			if (s[j] == '.') {
				if (label == 0) {
					ok = false;
					break;
				}
				/* a trailing full stop ends a sentence, not the domain */
				if (j + 1 >= len || !is_alnum(s[j + 1]))
					break;
				dots++;
				label = 0;
				alpha_label = true;
			} else {
				label++;
				alpha_label = alpha_label && is_alpha(s[j]);
			}
			j++;
		}
		if (ok && dots > 0 && label >= 2 && alpha_label)
			return true;
	}
	return false;
}

/* ---- telephone number ----------------------------------------------------- */

static inline bool is_phone_sep(char c)
{
	return c == ' ' || c == '.' || c == '-' || c == '/' || c == '(' || c == ')';
}

/* A run of digits and separators (at most two separators in a row) starting at
 * a digit that no letter or digit precedes, or at '+' before a digit.
 * International (+CC or 00CC): 9 to 15 digits after the prefix.  National: a
 * leading 0 then a non-zero digit, 9 or 10 digits in all (Belgian fixed and
 * mobile lines; also the Dutch format).  Documented limit: other national
 * formats without a prefix are not detected. */
static bool find_phone(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		bool plus = s[i] == '+' && i + 1 < len && is_digit(s[i + 1]);
		if (!plus &&
		    !(is_digit(s[i]) && (i == 0 || !(is_alnum(s[i - 1]) || s[i - 1] == '+'))))
			continue;
		size_t j = plus ? i + 1 : i, digits = 0, seps = 0;
		char first = s[j], second = 0;
		while (j < len) {
			if (is_digit(s[j])) {
				if (digits == 1)
					second = s[j];
				digits++;
				seps = 0;
			} else if (is_phone_sep(s[j]) && seps < 2 && j + 1 < len &&
			           (is_digit(s[j + 1]) || is_phone_sep(s[j + 1]))) {
				seps++;
			} else {
				break;
			}
			j++;
		}
		if (j < len && is_alpha(s[j]))
			continue;
		if (plus && digits >= 9 && digits <= 15)
			return true;
		if (!plus && first == '0' && second == '0' && digits >= 11 && digits <= 17)
			return true;
		if (!plus && first == '0' && second != '0' && (digits == 9 || digits == 10))
			return true;
		/* the next start is after this run: its tail is not a new number */
		i = j;
	}
	return false;
}

/* ---- full date ------------------------------------------------------------ */

static bool valid_ymd(int y, int m, int d)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1800 || y > 2199 || m < 1 || m > 12 || d < 1)
		return false;
	if (m == 2 && d == 29)
		return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1];
}

/* Reads 1..max digits at s[*j]; -1 if none or more than max. */
static int read_num(const char *s, size_t len, size_t *j, int max, int *ndig)
{
	int v = 0, n = 0;
	while (*j < len && is_digit(s[*j])) {
		if (++n > max)
			return -1;
		v = v * 10 + (s[*j] - '0');
		(*j)++;
	}
	*ndig = n;
	return n == 0 ? -1 : v;
}

/* Month names (Dutch, French, English, German), compared case-insensitively as
 * a prefix of at least three letters of a word. */
static const char *const month_names[12][4] = {
    {"januari", "janvier", "january", "januar"},
    {"februari", "fevrier", "february", "februar"},
    {"maart", "mars", "march", "marz"},
    {"april", "avril", "april", "april"},
    {"mei", "mai", "may", "mai"},
    {"juni", "juin", "june", "juni"},
    {"juli", "juillet", "july", "juli"},
    {"augustus", "aout", "august", "august"},
    {"september", "septembre", "september", "september"},
    {"oktober", "octobre", "october", "oktober"},
    {"november", "novembre", "november", "november"},
    {"december", "decembre", "december", "dezember"},
};

/* A month name word at s[*j]: its number 1..12, or 0. */
static int read_month_name(const char *s, size_t len, size_t *j)
{
	size_t w = *j;
	while (w < len && is_alpha(s[w]))
		w++;
	size_t n = w - *j;
	if (n < 3)
		return 0;
	for (int m = 0; m < 12; m++)
		for (int l = 0; l < 4; l++) {
			const char *name = month_names[m][l];
			size_t nl = strlen(name);
			if (n > nl)
				continue;
			/* the full name, or an abbreviation of 3+ letters */
			bool eq = true;
			for (size_t k = 0; eq && k < n; k++)
				eq = (char)(s[*j + k] | 0x20) == name[k];
			if (eq) {
				*j = w;
				if (*j < len && s[*j] == '.')
					(*j)++;
				return m + 1;
			}
		}
	return 0;
}

static bool date_end(const char *s, size_t len, size_t j)
{
	return j == len || !is_digit(s[j]);
}

/* YYYY-MM-DD (also / and .), DD-MM-YYYY (also / and .), and D monthname YYYY. */
static bool date_at(const char *s, size_t len, size_t i)
{
	size_t j = i;
	int n1d, n2d, n3d;
	int a = read_num(s, len, &j, 4, &n1d);
	if (a < 0 || j >= len)
		return false;
	char sep = s[j];
	if (sep == '-' || sep == '/' || sep == '.') {
		j++;
		int b = read_num(s, len, &j, 2, &n2d);
		if (b < 0 || j >= len || s[j] != sep)
			return false;
		j++;
		int c = read_num(s, len, &j, 4, &n3d);
		if (c < 0 || !date_end(s, len, j))
			return false;
		if (n1d == 4 && n3d <= 2)
			return valid_ymd(a, b, c);
		if (n1d <= 2 && n3d == 4)
			return valid_ymd(c, b, a);
		return false;
	}
	if (n1d > 2 || sep != ' ')
		return false;
	j++;
	int m = read_month_name(s, len, &j);
	if (m == 0 || j >= len || s[j] != ' ')
		return false;
	j++;
	int y = read_num(s, len, &j, 4, &n3d);
	return y >= 0 && n3d == 4 && date_end(s, len, j) && valid_ymd(y, m, a);
}

static bool find_full_date(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (is_digit(s[i]) && (i == 0 || !is_digit(s[i - 1])) && date_at(s, len, i))
			return true;
	return false;
}

/* ---- entry points --------------------------------------------------------- */

bool ident_find(enum ident_kind k, const char *s, size_t len)
{
	if (s == NULL)
		return false;
	switch (k) {
	case IDENT_NATIONAL_NUMBER:
		return nn_find(s, len);
	case IDENT_ENTERPRISE_NUMBER:
		return find_enterprise(s, len);
	case IDENT_IBAN:
		return find_iban(s, len);
	case IDENT_EMAIL:
		return memchr(s, '@', len) != NULL && find_email(s, len);
	case IDENT_PHONE:
		return find_phone(s, len);
	case IDENT_FULL_DATE:
		return find_full_date(s, len);
	default:
		return false;
	}
}

unsigned ident_scan(const char *s, size_t len)
{
	unsigned found = 0;
	for (int k = 0; k < IDENT_COUNT; k++)
		if (ident_find((enum ident_kind)k, s, len))
			found |= 1u << k;
	return found;
}

bool ident_name_safe(const char *s, size_t len)
{
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		run = is_digit(s[i]) ? run + 1 : 0;
		if (run >= 3)
			return false;
	}
	return ident_scan(s, len) == 0;
}
