/*
 * terms: the deliberation model (free, lookups, dates) and the reading of
 * deliberation files: bounded, refusing what libconfig 1.5 would get wrong, then
 * parsed by libconfig and handed to terms_build (terms_build.c), which checks
 * every key.  The JSON face (terms_json.c) converts JSON into the same tree, so
 * both inputs obey exactly the same rules.
 */
#include "terms.h"

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cfgnum.h"

/* ---- model: free, lookups ------------------------------------------------ */

static void free_strv(char **v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void free_body(struct terms_body *b)
{
	free_strv(b->recipients, b->nrecipients);
	for (size_t i = 0; i < b->ngroups; i++) {
		free(b->groups[i].code);
		free(b->groups[i].description);
		free(b->groups[i].caps);
	}
	free(b->groups);
	for (size_t i = 0; i < b->nphases; i++) {
		free(b->phases[i].description);
		free_strv(b->phases[i].destinations, b->phases[i].ndestinations);
	}
	free(b->phases);
	for (size_t i = 0; i < b->nvariables; i++) {
		struct terms_variable *v = &b->variables[i];
		free(v->code);
		free(v->section);
		free(v->source);
		free(v->label);
		free_strv(v->values, v->nvalues);
		free(v->pattern);
	}
	free(b->variables);
}

void terms_free(struct terms_deliberation *d)
{
	if (d == NULL)
		return;
	free(d->reference);
	free(d->chamber);
	free(d->title);
	free(d->purpose);
	free(d->legal_basis);
	free_strv(d->duties, d->nduties);
	for (size_t i = 0; i < d->nrecipients; i++) {
		free(d->recipients[i].id);
		free(d->recipients[i].name);
		free(d->recipients[i].organisation);
		free(d->recipients[i].contact);
	}
	free(d->recipients);
	for (size_t i = 0; i < d->nversions; i++) {
		free(d->versions[i].summary);
		free(d->versions[i].source_sha256);
		free_body(&d->versions[i].body);
	}
	free(d->versions);
	free(d);
}

const struct terms_version *terms_version_at(const struct terms_deliberation *d, int32_t date)
{
	if (d == NULL)
		return NULL;
	/* versions are sorted by in_force_from: the last one that started wins */
	for (size_t i = d->nversions; i > 0; i--)
		if (d->versions[i - 1].in_force_from <= date)
			return &d->versions[i - 1];
	return NULL;
}

const struct terms_variable *terms_find_variable(const struct terms_body *b, const char *code)
{
	if (b == NULL || code == NULL)
		return NULL;
	for (size_t i = 0; i < b->nvariables; i++)
		if (strcmp(b->variables[i].code, code) == 0)
			return &b->variables[i];
	return NULL;
}

const struct terms_group *terms_find_group(const struct terms_body *b, const char *code)
{
	if (b == NULL || code == NULL)
		return NULL;
	for (size_t i = 0; i < b->ngroups; i++)
		if (strcmp(b->groups[i].code, code) == 0)
			return &b->groups[i];
	return NULL;
}

const struct terms_phase *terms_find_phase(const struct terms_body *b, int number)
{
	if (b == NULL)
		return NULL;
	for (size_t i = 0; i < b->nphases; i++)
		if (b->phases[i].number == number)
			return &b->phases[i];
	return NULL;
}

int64_t terms_cap(const struct terms_group *g, int phase)
{
	if (g == NULL)
		return -1;
	for (size_t i = 0; i < g->ncaps; i++)
		if (g->caps[i].phase == phase)
			return g->caps[i].persons;
	return -1;
}

bool terms_has_recipient(const struct terms_body *b, const char *recipient)
{
	if (b == NULL || recipient == NULL)
		return false;
	for (size_t i = 0; i < b->nrecipients; i++)
		if (strcmp(b->recipients[i], recipient) == 0)
			return true;
	return false;
}

bool terms_phase_allows(const struct terms_phase *p, const char *destination)
{
	if (p == NULL || destination == NULL)
		return false;
	for (size_t i = 0; i < p->ndestinations; i++)
		if (strcmp(p->destinations[i], destination) == 0)
			return true;
	return false;
}

const struct terms_recipient *terms_find_recipient(const struct terms_deliberation *d,
                                                   const char *id)
{
	if (d == NULL || id == NULL)
		return NULL;
	for (size_t i = 0; i < d->nrecipients; i++)
		if (strcmp(d->recipients[i].id, id) == 0)
			return &d->recipients[i];
	return NULL;
}

const struct terms_version *terms_find_version(const struct terms_deliberation *d, int number)
{
	if (d == NULL)
		return NULL;
	for (size_t i = 0; i < d->nversions; i++)
		if (d->versions[i].number == number)
			return &d->versions[i];
	return NULL;
}

bool terms_value_listed(const struct terms_variable *v, const char *value)
{
	size_t lo = 0, hi;

	if (v == NULL || value == NULL)
		return false;
	hi = v->nvalues;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(v->values[mid], value);
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static const char *const type_names[TERMS_TYPE_COUNT] = {
    [TERMS_PSEUDONYM] = "pseudonym",
    [TERMS_PERIOD] = "period",
    [TERMS_YEAR_MONTH] = "year_month",
    [TERMS_YEAR] = "year",
    [TERMS_INT] = "int",
    [TERMS_DECIMAL] = "decimal",
    [TERMS_YES_NO] = "yes_no",
    [TERMS_CLASS] = "class",
    [TERMS_AMOUNT_CLASS] = "amount_class",
    [TERMS_CODE] = "code",
    [TERMS_TEXT] = "text",
};

const char *terms_type_name(enum terms_type t)
{
	if ((unsigned)t >= TERMS_TYPE_COUNT)
		return "unknown";
	return type_names[t];
}

bool terms_type_parse(const char *name, enum terms_type *out)
{
	if (name == NULL)
		return false;
	for (int t = 0; t < TERMS_TYPE_COUNT; t++) {
		if (strcmp(type_names[t], name) == 0) {
			if (out != NULL)
				*out = (enum terms_type)t;
			return true;
		}
	}
	return false;
}

/* ---- dates --------------------------------------------------------------- */

static int days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

static bool digits(const char *s, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

bool terms_id_valid(const char *s)
{
	if (s == NULL || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	size_t n = 0;
	for (; s[n] != '\0'; n++) {
		char c = s[n];
		if (n >= TERMS_ID_MAX || !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		                           c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

bool terms_reference_parse(const char *text, const char *field, char out[TERMS_REFERENCE_SIZE],
                           struct err *e)
{
	size_t a = 0, b = 0;
	if (text != NULL) {
		while (text[a] >= '0' && text[a] <= '9')
			a++;
		if (text[a] == '/' || text[a] == '-')
			while (text[a + 1 + b] >= '0' && text[a + 1 + b] <= '9')
				b++;
	}
	if (text == NULL || a < 1 || a > 4 || b < 1 || b > 6 || text[a + 1 + b] != '\0') {
		err_set_field(e, ERR_INVALID, field,
		              "%s must be a deliberation reference such as 21/128 (or 21-128 in "
		              "URLs)",
		              field);
		return false;
	}
	snprintf(out, TERMS_REFERENCE_SIZE, "%.*s/%s", (int)a, text, text + a + 1);
	return true;
}

bool terms_date_parse(const char *s, int32_t *out)
{
	int y, m, d;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
		return false;
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return false;
	if (out != NULL)
		*out = y * 10000 + m * 100 + d;
	return true;
}

void terms_date_format(int32_t date, char out[11])
{
	unsigned u = date < 0 ? 0u : (unsigned)date;

	snprintf(out, 11, "%04u-%02u-%02u", (u / 10000) % 10000, (u / 100) % 100, u % 100);
}

bool terms_month_parse(const char *s, int32_t *out)
{
	int y, m;

	if (s == NULL || strlen(s) != 7 || s[4] != '-')
		return false;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &m) || y < 1 || m < 1 || m > 12)
		return false;
	if (out != NULL)
		*out = y * 100 + m;
	return true;
}

void terms_month_format(int32_t month, char out[8])
{
	unsigned u = month < 0 ? 0u : (unsigned)month;

	snprintf(out, 8, "%04u-%02u", (u / 100) % 10000, u % 100);
}

/* ---- reading deliberation files ------------------------------------------- */

/*
 * A syntax check of the libconfig grammar, run before libconfig sees the text.
 * libconfig 1.5 leaks the string token it was looking at when it meets a syntax
 * error, silently truncates integers beyond 32 bits that lack an L suffix, and
 * follows @include directives; so deliberd refuses all of these itself, with the
 * line, and libconfig only ever parses well-formed text.  Stricter than libconfig
 * on odd numbers (".5", "5.") and bounded in nesting.
 */

enum tok {
	T_END,
	T_NAME,
	T_ASSIGN, /* = or : */
	T_SEMI,
	T_COMMA,
	T_LBRACK,
	T_RBRACK,
	T_LPAREN,
	T_RPAREN,
	T_LBRACE,
	T_RBRACE,
	T_SCALAR, /* number or boolean */
	T_STRING,
	T_ERROR, /* e is set */
};

#define LEX_MAX_DEPTH 32

struct lex {
	const char *s;
	size_t i;
	unsigned line;   /* current position */
	unsigned tline;  /* line of the current token */
	bool line_start; /* nothing but blanks since the last newline */
	enum tok t;
	const char *name;
	struct err *e;
};

static enum tok lex_error(struct lex *lx, unsigned line, const char *msg)
{
	err_set(lx->e, ERR_INVALID, "%s:%u: %s", lx->name, line, msg);
	return T_ERROR;
}

static bool is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '*';
}

static enum tok lex_number(struct lex *lx)
{
	const char *s = lx->s;
	size_t i = lx->i, start, nd;
	bool real = false;

	if (s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		i += 2;
		start = i;
		while (isxdigit((unsigned char)s[i]))
			i++;
		if (i == start)
			return lex_error(lx, lx->tline, "malformed hexadecimal number");
		enum cfgnum_width w = cfgnum_width(s + start, i - start, false, true);
		if (s[i] == 'L') {
			i += s[i + 1] == 'L' ? 2 : 1;
			if (w == CFGNUM_TOO_LARGE)
				return lex_error(lx, lx->tline, "integer too large for 64 bits");
		} else if (w != CFGNUM_INT32) {
			return lex_error(lx, lx->tline,
			                 "integer too large for 32 bits: add the suffix L");
		}
	} else {
		if (s[i] == '-' || s[i] == '+')
			i++;
		start = i;
		while (isdigit((unsigned char)s[i]))
			i++;
		nd = i - start;
		if (nd == 0)
			return lex_error(lx, lx->tline, "malformed number");
		if (s[i] == '.') {
			real = true;
			i++;
			if (!isdigit((unsigned char)s[i]))
				return lex_error(lx, lx->tline,
				                 "malformed number: write digits after the '.'");
			while (isdigit((unsigned char)s[i]))
				i++;
		}
		if ((s[i] == 'e' || s[i] == 'E') &&
		    (isdigit((unsigned char)s[i + 1]) ||
		     ((s[i + 1] == '-' || s[i + 1] == '+') && isdigit((unsigned char)s[i + 2])))) {
			real = true;
			i += 2;
			while (isdigit((unsigned char)s[i]))
				i++;
		}
		if (!real) {
			enum cfgnum_width w = cfgnum_width(s + start, nd, s[lx->i] == '-', false);
			if (s[i] == 'L') {
				i += s[i + 1] == 'L' ? 2 : 1;
				if (w == CFGNUM_TOO_LARGE)
					return lex_error(lx, lx->tline,
					                 "integer too large for 64 bits");
			} else if (w != CFGNUM_INT32) {
				return lex_error(lx, lx->tline,
				                 "integer too large for 32 bits: add the suffix L "
				                 "(e.g. 7300000000L)");
			}
		}
	}
	if (is_name_char(s[i]) || s[i] == '.')
		return lex_error(lx, lx->tline, "malformed number");
	lx->i = i;
	return T_SCALAR;
}

/* Reads the next token into lx->t (and its line into lx->tline). */
static enum tok lex_next(struct lex *lx)
{
	const char *s = lx->s;

	for (;;) {
		char ch = s[lx->i];
		if (ch == '\n') {
			lx->line++;
			lx->line_start = true;
			lx->i++;
		} else if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v') {
			lx->i++;
		} else if (ch == '#' || (ch == '/' && s[lx->i + 1] == '/')) {
			while (s[lx->i] != '\0' && s[lx->i] != '\n')
				lx->i++;
		} else if (ch == '/' && s[lx->i + 1] == '*') {
			unsigned first = lx->line;
			for (lx->i += 2;
			     s[lx->i] != '\0' && !(s[lx->i] == '*' && s[lx->i + 1] == '/'); lx->i++)
				if (s[lx->i] == '\n')
					lx->line++;
			if (s[lx->i] == '\0')
				return lx->t = lex_error(lx, first, "unterminated comment /* */");
			lx->i += 2;
			lx->line_start = false;
		} else {
			break;
		}
	}
	lx->tline = lx->line;
	if (s[lx->i] == '@' && lx->line_start)
		return lx->t =
		           lex_error(lx, lx->line, "directives such as @include are not allowed");
	lx->line_start = false;
	switch (s[lx->i]) {
	case '\0':
		return lx->t = T_END;
	case '=':
	case ':':
		lx->i++;
		return lx->t = T_ASSIGN;
	case ';':
		lx->i++;
		return lx->t = T_SEMI;
	case ',':
		lx->i++;
		return lx->t = T_COMMA;
	case '[':
		lx->i++;
		return lx->t = T_LBRACK;
	case ']':
		lx->i++;
		return lx->t = T_RBRACK;
	case '(':
		lx->i++;
		return lx->t = T_LPAREN;
	case ')':
		lx->i++;
		return lx->t = T_RPAREN;
	case '{':
		lx->i++;
		return lx->t = T_LBRACE;
	case '}':
		lx->i++;
		return lx->t = T_RBRACE;
	case '"':
		for (lx->i++; s[lx->i] != '\0' && s[lx->i] != '"'; lx->i++) {
			if (s[lx->i] == '\\' && s[lx->i + 1] != '\0')
				lx->i++;
			if (s[lx->i] == '\n')
				lx->line++;
		}
		if (s[lx->i] == '\0')
			return lx->t = lex_error(lx, lx->tline, "unterminated string");
		lx->i++;
		return lx->t = T_STRING;
	default:
		break;
	}
	if (isalpha((unsigned char)s[lx->i]) || s[lx->i] == '*') {
		size_t start = lx->i;
		while (is_name_char(s[lx->i]))
			lx->i++;
		if ((lx->i - start == 4 && strncasecmp(s + start, "true", 4) == 0) ||
		    (lx->i - start == 5 && strncasecmp(s + start, "false", 5) == 0))
			return lx->t = T_SCALAR;
		return lx->t = T_NAME;
	}
	if (isdigit((unsigned char)s[lx->i]) || s[lx->i] == '-' || s[lx->i] == '+')
		return lx->t = lex_number(lx);
	if (s[lx->i] == '.')
		return lx->t =
		           lex_error(lx, lx->tline, "malformed number: write a digit before '.'");
	return lx->t = lex_error(lx, lx->tline, "unexpected character");
}

static bool syn_fail(struct lex *lx, const char *expected)
{
	if (lx->t != T_ERROR)
		err_set(lx->e, ERR_INVALID, "%s:%u: syntax error: expected %s", lx->name, lx->tline,
		        expected);
	return false;
}

static bool syn_settings(struct lex *lx, enum tok until, int depth);

/* scalar | string+ | [ scalars ] | ( values ) | { settings } */
static bool syn_value(struct lex *lx, int depth)
{
	enum tok close;

	if (depth > LEX_MAX_DEPTH)
		return syn_fail(lx, "less nesting (at most 32 levels)");
	switch (lx->t) {
	case T_SCALAR:
		lex_next(lx);
		return true;
	case T_STRING:
		while (lex_next(lx) == T_STRING)
			;
		return true;
	case T_LBRACE:
		lex_next(lx);
		if (!syn_settings(lx, T_RBRACE, depth + 1))
			return false;
		lex_next(lx);
		return true;
	case T_LBRACK:
	case T_LPAREN:
		close = lx->t == T_LBRACK ? T_RBRACK : T_RPAREN;
		lex_next(lx);
		while (lx->t != close) {
			if (close == T_RBRACK && lx->t != T_SCALAR && lx->t != T_STRING)
				return syn_fail(lx, "a number, true, false or a string in [ ]");
			if (!syn_value(lx, depth + 1))
				return false;
			if (lx->t == T_COMMA) {
				if (lex_next(lx) == close)
					return syn_fail(lx, "a value after ','");
			} else if (lx->t != close) {
				return syn_fail(lx,
				                close == T_RBRACK ? "',' or ']'" : "',' or ')'");
			}
		}
		lex_next(lx);
		return true;
	default:
		return syn_fail(lx, "a value");
	}
}

/* name = value [;|,] ... up to `until` (not consumed). */
static bool syn_settings(struct lex *lx, enum tok until, int depth)
{
	while (lx->t != until) {
		if (lx->t != T_NAME)
			return syn_fail(lx, until == T_END ? "a setting name"
			                                   : "a setting name or '}'");
		if (lex_next(lx) != T_ASSIGN)
			return syn_fail(lx, "'=' after the setting name");
		lex_next(lx);
		if (!syn_value(lx, depth))
			return false;
		if (lx->t == T_SEMI || lx->t == T_COMMA)
			lex_next(lx);
	}
	return true;
}

static bool syntax_check(const char *text, const char *name, struct err *e)
{
	struct lex lx = {.s = text, .line = 1, .line_start = true, .name = name, .e = e};

	lex_next(&lx);
	return syn_settings(&lx, T_END, 0);
}

struct terms_deliberation *terms_load_string(const char *text, const char *name, struct err *e)
{
	struct terms_deliberation *d = NULL;
	config_t cf;
	size_t len;

	if (name == NULL)
		name = "deliberation";
	if (text == NULL) {
		err_set(e, ERR_INVALID, "%s: no text", name);
		return NULL;
	}
	len = strnlen(text, TERMS_MAX_BYTES + 1);
	if (len > TERMS_MAX_BYTES) {
		err_set(e, ERR_TOO_LARGE, "%s: larger than %u bytes", name, TERMS_MAX_BYTES);
		return NULL;
	}
	if (strncmp(text, "\xef\xbb\xbf", 3) == 0)
		text += 3; /* a UTF-8 byte order mark */
	if (!syntax_check(text, name, e))
		return NULL;
	config_init(&cf);
	if (config_read_string(&cf, text) != CONFIG_TRUE) {
		const char *why = config_error_text(&cf);
		err_set(e, ERR_INVALID, "%s:%d: %s", name, config_error_line(&cf),
		        why != NULL ? why : "syntax error");
		config_destroy(&cf);
		return NULL;
	}
	d = terms_build(config_root_setting(&cf), name, e);
	config_destroy(&cf);
	return d;
}

struct terms_deliberation *terms_load_file(const char *path, struct err *e)
{
	struct terms_deliberation *d;
	const char *base = strrchr(path, '/');
	struct stat st;
	char *buf;
	size_t n;
	FILE *f;

	base = base != NULL ? base + 1 : path;
	f = fopen(path, "rb");
	if (f == NULL) {
		err_set(e, errno == ENOENT ? ERR_NOT_FOUND : ERR_INVALID, "%s: cannot open: %s",
		        path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		err_set(e, ERR_INVALID, "%s: not a regular file", path);
		fclose(f);
		return NULL;
	}
	if (st.st_size > (off_t)TERMS_MAX_BYTES) {
		err_set(e, ERR_TOO_LARGE, "%s: larger than %u bytes", path, TERMS_MAX_BYTES);
		fclose(f);
		return NULL;
	}
	buf = malloc(TERMS_MAX_BYTES + 2);
	if (buf == NULL) {
		err_set(e, ERR_INTERNAL, "%s: out of memory", path);
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, TERMS_MAX_BYTES + 1, f);
	if (ferror(f)) {
		err_set(e, ERR_INVALID, "%s: read error", path);
		d = NULL;
	} else if (n > TERMS_MAX_BYTES) {
		err_set(e, ERR_TOO_LARGE, "%s: larger than %u bytes", path, TERMS_MAX_BYTES);
		d = NULL;
	} else if (memchr(buf, '\0', n) != NULL) {
		err_set(e, ERR_INVALID, "%s: contains a NUL byte", path);
		d = NULL;
	} else {
		buf[n] = '\0';
		d = terms_load_string(buf, base, e);
	}
	free(buf);
	fclose(f);
	return d;
}
