/*
 * extract_cols: the validator's compiled terms and column table.  Each variable
 * of the terms is compiled once (closed lists into code sets, patterns into
 * matchers, bounds); the header record then becomes a per-column kind table, so
 * that a cell costs one switch and no string compare in extract.c.  Header rules
 * (encoding, national_number, duplicate_column, unknown_column, missing_required)
 * and which unknown names may be echoed: docs/validation.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract_priv.h"
#include "mem.h"
#include "ident.h"
#include "nn.h"
#include "pattern.h"
#include "utf8.h"

/* ---- header ------------------------------------------------------------ */

static const struct varinfo *find_var(const struct extract_validator *v, const char *s,
                                      uint32_t len)
{
	for (size_t i = 0; i < v->nvars; i++) {
		const char *code = v->vars[i].var->code;
		if (strlen(code) == len && memcmp(code, s, len) == 0)
			return &v->vars[i];
	}
	return NULL;
}

/* An unknown column's name is echoed only if it looks like a variable code
 * (lower-case ASCII letter, then lower-case letters, digits or '_', at most 63
 * bytes), cannot carry a value (ident_name_safe: no run of 3+ digits, no
 * identifier detector firing: `naric_refugee100001` is a last name run into the
 * first data row) and the header names a required variable: otherwise the
 * "header" may be a data row (a file without its header row) and the name a
 * cell value. */
static bool echoable(const char *s, uint32_t len)
{
	if (len == 0 || len > 63 || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (uint32_t i = 1; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return ident_name_safe(s, len);
}

static bool field_is(const struct csv_field *f, const char *name)
{
	size_t n = strlen(name);
	return f->len == n && memcmp(f->ptr, name, n) == 0;
}

/* Does the header name person_id or reference_period (or, with terms, another
 * required variable)?  Only then are unknown names echoed. */
static bool header_anchored(const struct extract_validator *v, const struct csv_record *r,
                            uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		const struct csv_field *f = &r->fields[i];
		if (field_is(f, "person_id") || field_is(f, "reference_period"))
			return true;
		for (size_t k = 0; k < v->nvars; k++)
			if (v->vars[k].var->required && field_is(f, v->vars[k].var->code))
				return true;
	}
	return false;
}

/* Header names met so far (open addressing over field indices), so that a
 * repeated name is found in linear time whether or not it is a variable. */
struct nameset {
	uint32_t *slot; /* field index + 1; 0: empty */
	size_t mask;
};

static uint64_t name_hash(const char *s, uint32_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (uint32_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

/* Adds field i; false if an equal name was already there. */
static bool nameset_add(struct nameset *t, const struct csv_field *fields, uint32_t i)
{
	const struct csv_field *f = &fields[i];
	size_t j = name_hash(f->ptr, f->len) & t->mask;
	for (; t->slot[j]; j = (j + 1) & t->mask) {
		const struct csv_field *g = &fields[t->slot[j] - 1];
		if (g->len == f->len && (f->len == 0 || memcmp(g->ptr, f->ptr, f->len) == 0))
			return false;
	}
	t->slot[j] = i + 1;
	return true;
}

/* Header cells, in order: encoding, national number, unknown_column (first
 * occurrence of a name the terms do not list), duplicate_column (every later
 * occurrence of any name).  Without terms in force only the rules that do not
 * depend on them run: encoding, national_number, duplicate_column. */
void extract_priv_setup_columns(struct extract_validator *v, const struct csv_record *r)
{
	uint32_t n = r->nfields < r->fields_cap ? r->nfields : r->fields_cap;
	bool *seen = mem_calloc(v->nvars, sizeof(bool)); /* variables met so far */
	bool anchored = header_anchored(v, r, n);
	struct nameset names;
	size_t cap = 16;
	while (cap < 2 * (size_t)n)
		cap *= 2;
	names.slot = mem_calloc(cap, sizeof(*names.slot));
	names.mask = cap - 1;
	v->ncols = r->nfields;
	v->cols = mem_calloc(r->nfields, sizeof(*v->cols));
	for (uint32_t i = 0; i < n; i++) {
		const struct csv_field *f = &r->fields[i];
		struct column *c = &v->cols[i];
		uint32_t cps;
		c->kind = v->terms_known ? K_UNCHECKED : K_NONE;
		if (r->high && has_high(f->ptr, f->len) &&
		    !utf8_valid((const unsigned char *)f->ptr, f->len, &cps)) {
			extract_priv_add_error(v, RULE_ENCODING, 1 + f->line, i + 1, "");
			continue;
		}
		const struct varinfo *vi = find_var(v, f->ptr, f->len);
		if (!vi && f->len >= 11 && nn_find(f->ptr, f->len)) {
			extract_priv_add_error(v, RULE_NATIONAL_NUMBER, 1 + f->line, i + 1, "");
			continue;
		}
		bool first = nameset_add(&names, r->fields, i);
		if (vi) {
			snprintf(c->name, sizeof(c->name), "%s", vi->var->code);
		} else if (anchored && echoable(f->ptr, f->len)) {
			memcpy(c->name, f->ptr, f->len);
			c->name[f->len] = '\0';
		}
		if (!first) {
			extract_priv_add_error(v, RULE_DUPLICATE_COLUMN, 1 + f->line, i + 1,
			                       c->name);
			continue;
		}
		if (!vi) {
			if (v->terms_known)
				extract_priv_add_error(v, RULE_UNKNOWN_COLUMN, 1 + f->line, i + 1,
				                       c->name);
			continue;
		}
		seen[vi - v->vars] = true;
		c->vi = vi;
		c->kind = vi->kind;
		if (vi->list && vi->list_fast) {
			c->perfect = codeset_perfect(vi->list);
		}
		c->required = vi->var->required;
		c->person = strcmp(vi->var->code, "person_id") == 0 && vi->kind == K_PSEUDONYM;
		if (vi->pat)
			c->memo = mem_calloc(1, sizeof(*c->memo));
	}
	for (size_t k = 0; v->terms_known && k < v->nvars; k++)
		if (v->vars[k].var->required && !seen[k])
			extract_priv_add_error(v, RULE_MISSING_REQUIRED, 1, 0,
			                       v->vars[k].var->code);
	free(names.slot);
	free(seen);
}

/* ---- construction ------------------------------------------------------ */

static uint8_t kind_of(enum terms_type t)
{
	switch (t) {
	case TERMS_PSEUDONYM:
		return K_PSEUDONYM;
	case TERMS_PERIOD:
		return K_PERIOD;
	case TERMS_YEAR_MONTH:
		return K_YEAR_MONTH;
	case TERMS_YEAR:
		return K_YEAR;
	case TERMS_INT:
		return K_INT;
	case TERMS_DECIMAL:
		return K_DECIMAL;
	case TERMS_YES_NO:
		return K_YES_NO;
	case TERMS_CLASS:
	case TERMS_CODE:
		return K_LIST;
	case TERMS_AMOUNT_CLASS:
		return K_AMOUNT_CLASS;
	case TERMS_TEXT:
		return K_TEXT;
	default:
		return K_UNCHECKED;
	}
}

bool extract_priv_compile_vars(struct extract_validator *v, struct err *e)
{
	const struct terms_body *b = v->body;
	v->vars = mem_calloc(b->nvariables, sizeof(*v->vars));
	v->nvars = b->nvariables;
	v->owns_vars = true;
	for (size_t i = 0; i < b->nvariables; i++) {
		const struct terms_variable *t = &b->variables[i];
		struct varinfo *vi = &v->vars[i];
		vi->var = t;
		vi->kind = kind_of(t->type);
		vi->has_min = t->has_min;
		vi->has_max = t->has_max;
		vi->min = t->min;
		vi->max = t->max;
		vi->min_month = t->min_month;
		vi->not_future = t->not_future;
		vi->max_len = t->max_length ? t->max_length : 255;
		if (vi->kind == K_LIST || vi->kind == K_AMOUNT_CLASS) {
			if (t->nvalues) {
				vi->list = codeset_new(t->values, t->nvalues, !t->required);
				if (!vi->list) {
					err_set(e, ERR_INTERNAL, "out of memory");
					return false;
				}
				/* The fast path accepts a listed value before the encoding and
				 * national number checks: only if no listed value fails them. */
				vi->list_fast = codeset_perfect(vi->list).ph != NULL;
				for (size_t k = 0; k < t->nvalues; k++) {
					uint32_t cps, n = (uint32_t)strlen(t->values[k]);
					if (!utf8_valid((const unsigned char *)t->values[k], n,
					                &cps) ||
					    nn_find(t->values[k], n))
						vi->list_fast = false;
				}
			}
			if (t->pattern) {
				vi->pat = pattern_compile(t->pattern, e);
				if (!vi->pat) {
					snprintf(e->field, sizeof(e->field), "%s", t->code);
					return false;
				}
			}
		}
	}
	return true;
}
