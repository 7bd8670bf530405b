/*
 * terms_file: reading deliberation files (terms_load_file, terms_load_string):
 * bounded, refusing what libconfig 1.5 would get wrong, then parsed by libconfig
 * and handed to terms_build (terms_build.c), which checks every key.
 */
#include "terms.h"

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cfgnum.h"

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
	/* one-character tokens: the punctuation of the grammar */
	static const char punct[] = "=:;,[](){}";
	static const enum tok punct_tok[] = {T_ASSIGN, T_ASSIGN, T_SEMI,   T_COMMA,  T_LBRACK,
	                                     T_RBRACK, T_LPAREN, T_RPAREN, T_LBRACE, T_RBRACE};
	const char *p = s[lx->i] != '\0' ? strchr(punct, s[lx->i]) : NULL;
	if (p != NULL) {
		lx->i++;
		return lx->t = punct_tok[p - punct];
	}
	switch (s[lx->i]) {
	case '\0':
		return lx->t = T_END;
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
