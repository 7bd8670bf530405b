/*
 * terms_build: the one builder of deliberation models.  It walks a libconfig
 * setting tree (a deliberation file, or JSON converted by terms_json.c) and checks
 * every key against docs/deliberation-format.md: unknown keys, types, bounds,
 * calendar dates, ordering of versions, cross-references (recipients, phases),
 * duplicates.  Every error names the file, the line when known, and the field
 * path, e.g. "21-128.conf:57: versions[2].terms.variables[4].type: unknown type".
 */
#include "terms.h"

#include "pattern.h"
#include "terms_text.h"

#include <ctype.h>
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- builder: context, paths, errors -------------------------------------- */

struct bctx {
	const char *name; /* file name for messages; NULL for JSON */
	struct err *e;
	char path[200];
	size_t plen;
};

/* Copies a user string into a message: bounded, and anything but printable ASCII
 * replaced, so a truncated message stays valid UTF-8 for JSON error bodies. */
static void quote(char *out, size_t n, const char *s)
{
	size_t j = 0, i;

	for (i = 0; s[i] != '\0' && j + 4 < n; i++)
		out[j++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (s[i] != '\0' && j + 3 < n) {
		memcpy(out + j, "...", 3);
		j += 3;
	}
	out[j] = '\0';
}

static bool fail(struct bctx *c, const config_setting_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends s to buf (size n) at *len, truncating. */
static void append(char *buf, size_t n, size_t *len, const char *s)
{
	size_t l = strlen(s);

	if (*len + 1 >= n)
		return;
	if (l > n - 1 - *len)
		l = n - 1 - *len;
	memcpy(buf + *len, s, l);
	*len += l;
	buf[*len] = '\0';
}

/* Records "name:line: path: message" as an ERR_INVALID with the path as field. */
static bool fail(struct bctx *c, const config_setting_t *at, const char *fmt, ...)
{
	char msg[480], num[24];
	unsigned line = at != NULL ? config_setting_source_line(at) : 0;
	size_t len = 0;
	va_list ap;

	msg[0] = '\0';
	if (c->name != NULL) {
		append(msg, sizeof(msg), &len, c->name);
		append(msg, sizeof(msg), &len, ":");
	}
	if (line > 0) {
		snprintf(num, sizeof(num), "%s%u:", c->name != NULL ? "" : "line ", line);
		append(msg, sizeof(msg), &len, num);
	}
	if (len > 0)
		append(msg, sizeof(msg), &len, " ");
	if (c->plen > 0) {
		append(msg, sizeof(msg), &len, c->path);
		append(msg, sizeof(msg), &len, ": ");
	}
	va_start(ap, fmt);
	if (len + 1 < sizeof(msg))
		vsnprintf(msg + len, sizeof(msg) - len, fmt, ap);
	va_end(ap);
	err_set_field(c->e, ERR_INVALID, c->path, "%s", msg);
	return false;
}

static bool oom(struct bctx *c)
{
	err_set(c->e, ERR_INTERNAL, "out of memory while reading the deliberation");
	return false;
}

static size_t push_key(struct bctx *c, const char *key)
{
	size_t old = c->plen;

	snprintf(c->path + old, sizeof(c->path) - old, "%s%s", old > 0 ? "." : "", key);
	c->plen = strlen(c->path);
	return old;
}

static size_t push_index(struct bctx *c, size_t i)
{
	size_t old = c->plen;

	snprintf(c->path + old, sizeof(c->path) - old, "[%zu]", i);
	c->plen = strlen(c->path);
	return old;
}

static void pop(struct bctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

static const char *kind_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return "a group { }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a number with a decimal point";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "true or false";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ]";
	case CONFIG_TYPE_LIST:
		return "a list ( )";
	default:
		return "nothing";
	}
}

/* ---- builder: keys and typed members -------------------------------------- */

/* Refuses any key not in allowed: a typo must never pass silently. */
static bool check_keys(struct bctx *c, const config_setting_t *g, const char *const *allowed)
{
	int n = config_setting_length(g);

	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(m);
		bool ok = false;
		char list[240] = "", q[48];
		size_t len = 0;

		if (name == NULL)
			continue;
		for (size_t k = 0; allowed[k] != NULL && !ok; k++)
			ok = strcmp(allowed[k], name) == 0;
		if (ok)
			continue;
		for (size_t k = 0; allowed[k] != NULL && len < sizeof(list); k++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
			                        k > 0 ? ", " : "", allowed[k]);
		quote(q, sizeof(q), name);
		push_key(c, q);
		return fail(c, m, "unknown key (expected one of: %s)", list);
	}
	return true;
}

/* The member named key: NULL when absent (an error only when required). */
static bool member(struct bctx *c, const config_setting_t *g, const char *key, bool required,
                   const config_setting_t **out)
{
	*out = config_setting_get_member(g, key);
	if (*out == NULL && required) {
		size_t old = push_key(c, key);
		fail(c, g, "required key missing");
		pop(c, old);
		return false;
	}
	return true;
}

/* A string member; checked by kind; copied to *out (absent and optional: dflt). */
static bool str_member(struct bctx *c, const config_setting_t *g, const char *key,
                       enum terms_text_kind kind, bool required, const char *dflt, char **out)
{
	const config_setting_t *m;
	const char *s, *why;
	size_t old;

	if (!member(c, g, key, required, &m))
		return false;
	if (m == NULL) {
		if (dflt == NULL)
			return true;
		*out = strdup(dflt);
		return *out != NULL || oom(c);
	}
	old = push_key(c, key);
	if (config_setting_type(m) != CONFIG_TYPE_STRING)
		return fail(c, m, "expected a string, found %s", kind_name(m));
	s = config_setting_get_string(m);
	why = terms_text_check(s, kind);
	if (why != NULL)
		return fail(c, m, "%s", why);
	pop(c, old);
	*out = strdup(s);
	return *out != NULL || oom(c);
}

static bool date_member(struct bctx *c, const config_setting_t *g, const char *key, bool required,
                        int32_t *out)
{
	char *s = NULL;
	bool ok = str_member(c, g, key, STR_DATE, required, NULL, &s);

	if (ok && s != NULL)
		ok = terms_date_parse(s, out);
	free(s);
	return ok;
}

static bool int_member(struct bctx *c, const config_setting_t *g, const char *key, bool required,
                       int64_t min, int64_t max, int64_t *out)
{
	const config_setting_t *m;
	long long v;
	size_t old;

	if (!member(c, g, key, required, &m))
		return false;
	if (m == NULL)
		return true;
	old = push_key(c, key);
	if (config_setting_type(m) != CONFIG_TYPE_INT &&
	    config_setting_type(m) != CONFIG_TYPE_INT64)
		return fail(c, m, "expected an integer, found %s", kind_name(m));
	v = config_setting_get_int64(m);
	if (v < min || v > max)
		return fail(c, m, "must be between %lld and %lld", (long long)min, (long long)max);
	pop(c, old);
	*out = v;
	return true;
}

static bool bool_member(struct bctx *c, const config_setting_t *g, const char *key, bool *out)
{
	const config_setting_t *m;
	size_t old;

	if (!member(c, g, key, false, &m))
		return false;
	if (m == NULL)
		return true;
	old = push_key(c, key);
	if (config_setting_type(m) != CONFIG_TYPE_BOOL)
		return fail(c, m, "expected true or false, found %s", kind_name(m));
	pop(c, old);
	*out = config_setting_get_bool(m) != 0;
	return true;
}

#define NUM_LIMIT 1e15 /* bounds stay exact integers in a double */

static bool num_member(struct bctx *c, const config_setting_t *g, const char *key, bool *has,
                       double *out)
{
	const config_setting_t *m;
	double v;
	size_t old;

	if (!member(c, g, key, false, &m))
		return false;
	if (m == NULL)
		return true;
	old = push_key(c, key);
	switch (config_setting_type(m)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		v = (double)config_setting_get_int64(m);
		break;
	case CONFIG_TYPE_FLOAT:
		v = config_setting_get_float(m);
		break;
	default:
		return fail(c, m, "expected a number, found %s", kind_name(m));
	}
	if (!isfinite(v) || v < -NUM_LIMIT || v > NUM_LIMIT)
		return fail(c, m, "must be a number between -1e15 and 1e15");
	pop(c, old);
	*has = true;
	*out = v;
	return true;
}

/* A list of settings ([ ] or ( )): checks its kind and bounds, returns its length. */
static bool list_member(struct bctx *c, const config_setting_t *g, const char *key, bool required,
                        size_t min, size_t max, bool groups, const config_setting_t **out,
                        size_t *n)
{
	const config_setting_t *m;
	size_t old;
	int t;

	*n = 0;
	if (!member(c, g, key, required, &m))
		return false;
	*out = m;
	if (m == NULL)
		return true;
	old = push_key(c, key);
	t = config_setting_type(m);
	if (groups ? t != CONFIG_TYPE_LIST : t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
		return fail(c, m, "expected %s, found %s",
		            groups ? "a list ( { ... }, ... )" : "a list of strings [ \"...\" ]",
		            kind_name(m));
	*n = (size_t)config_setting_length(m);
	if (*n < min)
		return fail(c, m, "must have at least %zu entr%s", min, min == 1 ? "y" : "ies");
	if (*n > max)
		return fail(c, m, "too many entries (at most %zu)", max);
	for (size_t i = 0; i < *n; i++) {
		const config_setting_t *el = config_setting_get_elem(m, (unsigned)i);
		int et = config_setting_type(el);
		if (groups ? et != CONFIG_TYPE_GROUP : et != CONFIG_TYPE_STRING) {
			push_index(c, i);
			return fail(c, el, "expected %s, found %s",
			            groups ? "a group { }" : "a string", kind_name(el));
		}
	}
	pop(c, old);
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A list of unique strings of one kind; sorted when sort is set. */
static bool strv_member(struct bctx *c, const config_setting_t *g, const char *key, bool required,
                        size_t min, size_t max, enum terms_text_kind kind, bool sort, char ***out,
                        size_t *nout)
{
	const config_setting_t *m;
	size_t n, old;
	char **v;

	if (!list_member(c, g, key, required, min, max, false, &m, &n))
		return false;
	if (m == NULL || n == 0)
		return true;
	v = calloc(n, sizeof(*v));
	if (v == NULL)
		return oom(c);
	*out = v;
	old = push_key(c, key);
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *el = config_setting_get_elem(m, (unsigned)i);
		const char *s = config_setting_get_string(el), *why = terms_text_check(s, kind);
		size_t o2 = push_index(c, i);
		if (why != NULL)
			return fail(c, el, "%s", why);
		for (size_t j = 0; j < i; j++) {
			if (strcmp(v[j], s) == 0) {
				char q[80];
				quote(q, sizeof(q), s);
				return fail(c, el, "duplicate entry \"%s\"", q);
			}
		}
		pop(c, o2);
		v[i] = strdup(s);
		if (v[i] == NULL)
			return oom(c);
		*nout = i + 1;
	}
	pop(c, old);
	if (sort)
		qsort(v, n, sizeof(*v), cmp_str);
	return true;
}

/* The element of list m at i, with the path extended; caller pops. */
static const config_setting_t *elem(struct bctx *c, const config_setting_t *m, size_t i,
                                    size_t *old)
{
	*old = push_index(c, i);
	return config_setting_get_elem(m, (unsigned)i);
}

/* ---- builder: the deliberation ------------------------------------------- */

static const char *const known_duties[] = {"no_third_party_disclosure", "no_reidentification",
                                           "anonymous_publication_only", NULL};
static const char *const known_destinations[] = {"recipient_premises", "secure_room", NULL};

static bool in_set(const char *const *set, const char *s)
{
	for (size_t i = 0; set[i] != NULL; i++)
		if (strcmp(set[i], s) == 0)
			return true;
	return false;
}

static bool build_phase(struct bctx *c, const config_setting_t *g, struct terms_phase *p,
                        size_t index)
{
	static const char *const keys[] = {"number", "description", "destinations", NULL};
	int64_t number = 0;

	if (!check_keys(c, g, keys) || !int_member(c, g, "number", true, 1, 16, &number) ||
	    !str_member(c, g, "description", STR_TEXT, false, "", &p->description) ||
	    !strv_member(c, g, "destinations", true, 1, 8, STR_IDENT, false, &p->destinations,
	                 &p->ndestinations))
		return false;
	p->number = (int)number;
	if ((size_t)number != index + 1) {
		size_t old = push_key(c, "number");
		fail(c, config_setting_get_member(g, "number"),
		     "phases must be numbered 1, 2, 3... in order (expected %zu)", index + 1);
		pop(c, old);
		return false;
	}
	for (size_t i = 0; i < p->ndestinations; i++) {
		if (!in_set(known_destinations, p->destinations[i])) {
			char q[80];
			push_key(c, "destinations");
			push_index(c, i);
			quote(q, sizeof(q), p->destinations[i]);
			return fail(
			    c, config_setting_get_member(g, "destinations"),
			    "unknown destination \"%s\" (recipient_premises or secure_room)", q);
		}
	}
	return true;
}

static bool build_group(struct bctx *c, const config_setting_t *g, struct terms_group *gr,
                        const struct terms_body *b)
{
	static const char *const keys[] = {"code", "description", "population", "caps", NULL};
	static const char *const cap_keys[] = {"phase", "persons", NULL};
	const config_setting_t *caps;
	size_t ncaps, old;

	if (!check_keys(c, g, keys) ||
	    !str_member(c, g, "code", STR_IDENT, true, NULL, &gr->code) ||
	    !str_member(c, g, "description", STR_TEXT, false, "", &gr->description) ||
	    !int_member(c, g, "population", false, 0, 10000000000LL, &gr->population) ||
	    !list_member(c, g, "caps", false, 0, 16, true, &caps, &ncaps))
		return false;
	if (ncaps == 0)
		return true;
	gr->caps = calloc(ncaps, sizeof(*gr->caps));
	if (gr->caps == NULL)
		return oom(c);
	old = push_key(c, "caps");
	for (size_t i = 0; i < ncaps; i++) {
		size_t o2;
		const config_setting_t *cg = elem(c, caps, i, &o2);
		struct terms_cap *cap = &gr->caps[i];
		int64_t phase = 0;
		if (!check_keys(c, cg, cap_keys) ||
		    !int_member(c, cg, "phase", true, 1, 16, &phase) ||
		    !int_member(c, cg, "persons", true, 0, 10000000000LL, &cap->persons))
			return false;
		cap->phase = (int)phase;
		gr->ncaps = i + 1;
		if (terms_find_phase(b, cap->phase) == NULL) {
			push_key(c, "phase");
			return fail(c, config_setting_get_member(cg, "phase"),
			            "phase %d is not defined in phases", cap->phase);
		}
		for (size_t j = 0; j < i; j++)
			if (gr->caps[j].phase == cap->phase) {
				push_key(c, "phase");
				return fail(c, config_setting_get_member(cg, "phase"),
				            "a second cap for phase %d", cap->phase);
			}
		pop(c, o2);
	}
	pop(c, old);
	return true;
}

/* Is s a plain number (what an unclassed amount looks like in an extract)? */
static bool plain_number(const char *s)
{
	size_t i = 0, d = 0;

	if (s[i] == '-' || s[i] == '+')
		i++;
	for (; isdigit((unsigned char)s[i]); i++)
		d++;
	if (s[i] == '.' || s[i] == ',') {
		i++;
		for (; isdigit((unsigned char)s[i]); i++)
			d++;
	}
	return d > 0 && s[i] == '\0';
}

/* Which variable keys apply to which types (the rest are refused). */
static bool key_applies(const char *key, enum terms_type t)
{
	bool listed = t == TERMS_CLASS || t == TERMS_AMOUNT_CLASS || t == TERMS_CODE;
	bool bounded = t == TERMS_INT || t == TERMS_DECIMAL || t == TERMS_YEAR;
	bool dated = t == TERMS_YEAR || t == TERMS_YEAR_MONTH || t == TERMS_PERIOD;

	if (strcmp(key, "values") == 0)
		return listed;
	if (strcmp(key, "pattern") == 0)
		return t == TERMS_CODE;
	if (strcmp(key, "min") == 0 || strcmp(key, "max") == 0)
		return bounded;
	if (strcmp(key, "min_month") == 0 || strcmp(key, "not_future") == 0)
		return dated;
	if (strcmp(key, "max_length") == 0)
		return t == TERMS_TEXT;
	return true;
}

static bool build_variable(struct bctx *c, const config_setting_t *g, struct terms_variable *v)
{
	static const char *const keys[] = {"code",       "section",    "source",      "type",
	                                   "label",      "required",   "provisional", "values",
	                                   "pattern",    "min",        "max",         "min_month",
	                                   "not_future", "max_length", NULL};
	char *type = NULL, *month = NULL;
	const config_setting_t *tm;
	int64_t maxlen = 255;
	bool ok;

	if (!check_keys(c, g, keys) || !str_member(c, g, "code", STR_IDENT, true, NULL, &v->code) ||
	    !str_member(c, g, "section", STR_IDENT, true, NULL, &v->section) ||
	    !str_member(c, g, "source", STR_IDENT, true, NULL, &v->source) ||
	    !str_member(c, g, "type", STR_IDENT, true, NULL, &type))
		return false;
	ok = terms_type_parse(type, &v->type);
	free(type);
	tm = config_setting_get_member(g, "type");
	if (!ok) {
		char q[80];
		push_key(c, "type");
		quote(q, sizeof(q), config_setting_get_string(tm));
		return fail(
		    c, tm,
		    "unknown type \"%s\" (pseudonym, period, year_month, year, int, decimal, "
		    "yes_no, class, amount_class, code, text)",
		    q);
	}
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		if (!key_applies(config_setting_name(m), v->type)) {
			push_key(c, config_setting_name(m));
			return fail(c, m, "does not apply to type %s", terms_type_name(v->type));
		}
	}
	if (!str_member(c, g, "label", STR_LINE, true, NULL, &v->label) ||
	    !bool_member(c, g, "required", &v->required) ||
	    !bool_member(c, g, "provisional", &v->provisional) ||
	    !strv_member(c, g, "values", false, 1, 10000, STR_VALUE, true, &v->values,
	                 &v->nvalues) ||
	    !str_member(c, g, "pattern", STR_PATTERN, false, NULL, &v->pattern) ||
	    !num_member(c, g, "min", &v->has_min, &v->min) ||
	    !num_member(c, g, "max", &v->has_max, &v->max) ||
	    !str_member(c, g, "min_month", STR_MONTH, false, NULL, &month) ||
	    !bool_member(c, g, "not_future", &v->not_future) ||
	    !int_member(c, g, "max_length", false, 1, 65535, &maxlen))
		return false;
	if (month != NULL) {
		ok = terms_month_parse(month, &v->min_month);
		free(month);
	}
	if (v->type == TERMS_TEXT)
		v->max_length = (uint32_t)maxlen;
	if ((v->type == TERMS_CLASS || v->type == TERMS_AMOUNT_CLASS) && v->nvalues == 0)
		return fail(c, g, "a %s needs a non-empty list of values",
		            terms_type_name(v->type));
	if (v->type == TERMS_CODE && v->nvalues == 0 && v->pattern == NULL)
		return fail(c, g, "a code needs values, a pattern, or both");
	if (v->type == TERMS_AMOUNT_CLASS) {
		for (size_t i = 0; i < v->nvalues; i++) {
			if (plain_number(v->values[i])) {
				char q[80];
				push_key(c, "values");
				quote(q, sizeof(q), v->values[i]);
				return fail(
				    c, config_setting_get_member(g, "values"),
				    "amount class \"%s\" is a plain number: it could not be "
				    "told from an unclassed amount",
				    q);
			}
		}
	}
	if (v->nvalues > 1) {
		/* values are sorted: duplicates are neighbours */
		for (size_t i = 1; i < v->nvalues; i++) {
			if (strcmp(v->values[i - 1], v->values[i]) == 0) {
				char q[80];
				push_key(c, "values");
				quote(q, sizeof(q), v->values[i]);
				return fail(c, config_setting_get_member(g, "values"),
				            "duplicate value \"%s\"", q);
			}
		}
	}
	if (v->pattern != NULL) {
		size_t at = 0;
		const char *why = pattern_check(v->pattern, &at);
		if (why != NULL) {
			push_key(c, "pattern");
			return fail(c, config_setting_get_member(g, "pattern"),
			            "invalid pattern at character %zu: %s", at, why);
		}
		/* the matcher has the last word (e.g. its size limits) */
		struct err pe = {0};
		struct pattern *compiled = pattern_compile(v->pattern, &pe);
		if (compiled == NULL) {
			push_key(c, "pattern");
			return fail(c, config_setting_get_member(g, "pattern"), "invalid %s",
			            pe.message);
		}
		pattern_free(compiled);
	}
	if (v->type == TERMS_YEAR || v->type == TERMS_INT) {
		const char *which = NULL;
		if (v->has_min && v->min != floor(v->min))
			which = "min";
		else if (v->has_max && v->max != floor(v->max))
			which = "max";
		if (which != NULL) {
			push_key(c, which);
			return fail(c, config_setting_get_member(g, which),
			            "must be a whole number for type %s", terms_type_name(v->type));
		}
	}
	if (v->has_min && v->has_max && v->min > v->max) {
		push_key(c, "min");
		return fail(c, config_setting_get_member(g, "min"), "min is greater than max");
	}
	return true;
}

/* Checks a variable that the contract fixes (person_id, reference_period). */
static bool check_fixed_variable(struct bctx *c, const config_setting_t *vars,
                                 const struct terms_body *b, const char *code, enum terms_type t)
{
	const struct terms_variable *v = terms_find_variable(b, code);

	if (v == NULL)
		return fail(c, vars, "the variable %s (type %s, required = true) is missing", code,
		            terms_type_name(t));
	if (v->type != t || !v->required) {
		size_t i = (size_t)(v - b->variables);
		const config_setting_t *el = config_setting_get_elem(vars, (unsigned)i);
		push_index(c, i);
		return fail(c, el, "%s must have type %s and required = true", code,
		            terms_type_name(t));
	}
	return true;
}

/* output_checking = { threshold; dominance_n; dominance_k; p_percent;
 * identifier_ratio; }: every member optional, the ACRO defaults otherwise. */
static bool build_output_checking(struct bctx *c, const config_setting_t *parent,
                                  struct terms_output_checking *o)
{
	static const char *const keys[] = {"threshold", "dominance_n",      "dominance_k",
	                                   "p_percent", "identifier_ratio", NULL};
	const config_setting_t *g;
	bool has = false;

	if (!member(c, parent, "output_checking", false, &g))
		return false;
	if (g == NULL)
		return true;
	size_t old = push_key(c, "output_checking");
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return fail(c, g, "expected a group { ... }, found %s", kind_name(g));
	o->set = true;
	o->threshold = 10;
	o->dominance_n = 2;
	o->dominance_k = 0.9;
	o->p_percent = 10;
	o->identifier_ratio = 0.8;
	if (!check_keys(c, g, keys) ||
	    !int_member(c, g, "threshold", false, 1, 1000000, &o->threshold) ||
	    !int_member(c, g, "dominance_n", false, 1, 10, &o->dominance_n) ||
	    !num_member(c, g, "dominance_k", &has, &o->dominance_k) ||
	    !num_member(c, g, "p_percent", &has, &o->p_percent) ||
	    !num_member(c, g, "identifier_ratio", &has, &o->identifier_ratio))
		return false;
	if (!(o->dominance_k > 0 && o->dominance_k <= 1))
		return fail(c, config_setting_get_member(g, "dominance_k"),
		            "dominance_k must be a share above 0 and at most 1");
	if (!(o->p_percent >= 0 && o->p_percent <= 100))
		return fail(c, config_setting_get_member(g, "p_percent"),
		            "p_percent must be between 0 and 100");
	if (!(o->identifier_ratio > 0 && o->identifier_ratio <= 1))
		return fail(c, config_setting_get_member(g, "identifier_ratio"),
		            "identifier_ratio must be above 0 and at most 1");
	pop(c, old);
	return true;
}

static bool build_body(struct bctx *c, const config_setting_t *g, struct terms_body *b,
                       const struct terms_deliberation *d, int32_t in_force_from)
{
	static const char *const keys[] = {"retention_until", "recipients",      "phases", "groups",
	                                   "variables",       "output_checking", NULL};
	const config_setting_t *phases, *groups, *vars;
	size_t nphases, ngroups, nvars, old;

	if (!check_keys(c, g, keys) ||
	    !date_member(c, g, "retention_until", true, &b->retention_until) ||
	    !strv_member(c, g, "recipients", true, 1, 256, STR_RECIPIENT, false, &b->recipients,
	                 &b->nrecipients) ||
	    !build_output_checking(c, g, &b->output_checking))
		return false;
	if (b->retention_until < in_force_from) {
		push_key(c, "retention_until");
		return fail(c, config_setting_get_member(g, "retention_until"),
		            "ends before the version is in force");
	}
	for (size_t i = 0; i < b->nrecipients; i++) {
		if (terms_find_recipient(d, b->recipients[i]) == NULL) {
			char q[80];
			push_key(c, "recipients");
			push_index(c, i);
			quote(q, sizeof(q), b->recipients[i]);
			return fail(c, config_setting_get_member(g, "recipients"),
			            "recipient \"%s\" is not defined in the deliberation's "
			            "recipients",
			            q);
		}
	}

	if (!list_member(c, g, "phases", true, 1, 16, true, &phases, &nphases))
		return false;
	b->phases = calloc(nphases, sizeof(*b->phases));
	if (b->phases == NULL)
		return oom(c);
	old = push_key(c, "phases");
	for (size_t i = 0; i < nphases; i++) {
		size_t o2;
		const config_setting_t *pg = elem(c, phases, i, &o2);
		b->nphases = i + 1;
		if (!build_phase(c, pg, &b->phases[i], i))
			return false;
		pop(c, o2);
	}
	pop(c, old);

	if (!list_member(c, g, "groups", true, 1, 64, true, &groups, &ngroups))
		return false;
	b->groups = calloc(ngroups, sizeof(*b->groups));
	if (b->groups == NULL)
		return oom(c);
	old = push_key(c, "groups");
	for (size_t i = 0; i < ngroups; i++) {
		size_t o2;
		const config_setting_t *gg = elem(c, groups, i, &o2);
		b->ngroups = i + 1;
		if (!build_group(c, gg, &b->groups[i], b))
			return false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(b->groups[j].code, b->groups[i].code) == 0) {
				push_key(c, "code");
				return fail(c, config_setting_get_member(gg, "code"),
				            "duplicate group code \"%s\"", b->groups[i].code);
			}
		pop(c, o2);
	}
	pop(c, old);

	if (!list_member(c, g, "variables", true, 1, 1000, true, &vars, &nvars))
		return false;
	b->variables = calloc(nvars, sizeof(*b->variables));
	if (b->variables == NULL)
		return oom(c);
	old = push_key(c, "variables");
	for (size_t i = 0; i < nvars; i++) {
		size_t o2;
		const config_setting_t *vg = elem(c, vars, i, &o2);
		b->nvariables = i + 1;
		if (!build_variable(c, vg, &b->variables[i]))
			return false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(b->variables[j].code, b->variables[i].code) == 0) {
				push_key(c, "code");
				return fail(c, config_setting_get_member(vg, "code"),
				            "duplicate variable code \"%s\" (also variables[%zu])",
				            b->variables[i].code, j);
			}
		pop(c, o2);
	}
	if (!check_fixed_variable(c, vars, b, "person_id", TERMS_PSEUDONYM) ||
	    !check_fixed_variable(c, vars, b, "reference_period", TERMS_PERIOD))
		return false;
	pop(c, old);
	return true;
}

static bool build_version(struct bctx *c, const config_setting_t *g, struct terms_version *v,
                          const struct terms_deliberation *d, size_t index)
{
	static const char *const keys[] = {"number",  "decided_on",    "in_force_from",
	                                   "summary", "source_sha256", "terms_on_record",
	                                   "terms",   "reference",     NULL};
	const config_setting_t *terms, *ref;
	int64_t number = 0;
	size_t old;

	if (!check_keys(c, g, keys) || !int_member(c, g, "number", true, 1, 1000, &number))
		return false;
	v->number = (int)number;
	if ((size_t)number != index + 1) {
		old = push_key(c, "number");
		fail(c, config_setting_get_member(g, "number"),
		     index > 0 && number == d->versions[index - 1].number
		         ? "duplicate version number %d"
		         : "versions must be numbered 1, 2, 3... in ascending order (found %d)",
		     (int)number);
		pop(c, old);
		return false;
	}
	ref = config_setting_get_member(g, "reference");
	if (ref != NULL) {
		/* JSON records of a version carry the reference: it must be this one */
		old = push_key(c, "reference");
		if (config_setting_type(ref) != CONFIG_TYPE_STRING)
			return fail(c, ref, "expected a string, found %s", kind_name(ref));
		if (strcmp(config_setting_get_string(ref), d->reference) != 0)
			return fail(c, ref, "does not match the deliberation's reference");
		pop(c, old);
	}
	if (!date_member(c, g, "decided_on", true, &v->decided_on) ||
	    !date_member(c, g, "in_force_from", true, &v->in_force_from) ||
	    !str_member(c, g, "summary", STR_TEXT, false, "", &v->summary) ||
	    !str_member(c, g, "source_sha256", STR_SHA256, false, "", &v->source_sha256) ||
	    !bool_member(c, g, "terms_on_record", &v->on_record))
		return false;
	if (v->in_force_from < v->decided_on) {
		old = push_key(c, "in_force_from");
		fail(c, config_setting_get_member(g, "in_force_from"), "is before decided_on");
		pop(c, old);
		return false;
	}
	if (index > 0 && v->in_force_from <= d->versions[index - 1].in_force_from) {
		old = push_key(c, "in_force_from");
		fail(c, config_setting_get_member(g, "in_force_from"),
		     "must be after the in_force_from of version %d",
		     d->versions[index - 1].number);
		pop(c, old);
		return false;
	}
	terms = config_setting_get_member(g, "terms");
	if (v->on_record && terms == NULL) {
		old = push_key(c, "terms");
		fail(c, g, "terms_on_record = true but there is no terms block");
		pop(c, old);
		return false;
	}
	if (!v->on_record && terms != NULL) {
		old = push_key(c, "terms");
		fail(c, terms, "a terms block on a version whose terms_on_record is not true");
		pop(c, old);
		return false;
	}
	if (terms == NULL)
		return true;
	old = push_key(c, "terms");
	if (config_setting_type(terms) != CONFIG_TYPE_GROUP)
		return fail(c, terms, "expected a group { }, found %s", kind_name(terms));
	if (!build_body(c, terms, &v->body, d, v->in_force_from))
		return false;
	pop(c, old);
	return true;
}

static bool build_recipient(struct bctx *c, const config_setting_t *g, struct terms_recipient *r)
{
	static const char *const keys[] = {"id", "name", "organisation", "contact", NULL};

	return check_keys(c, g, keys) &&
	       str_member(c, g, "id", STR_RECIPIENT, true, NULL, &r->id) &&
	       str_member(c, g, "name", STR_NAME, true, NULL, &r->name) &&
	       str_member(c, g, "organisation", STR_NAME_OPT, false, "", &r->organisation) &&
	       str_member(c, g, "contact", STR_NAME_OPT, false, "", &r->contact);
}

static bool build_deliberation(struct bctx *c, const config_setting_t *g,
                               struct terms_deliberation *d)
{
	static const char *const keys[] = {"reference",  "chamber",     "title",
	                                   "purpose",    "legal_basis", "duties",
	                                   "recipients", "versions",    NULL};
	const config_setting_t *recips, *versions;
	size_t nrecips, nversions, old;

	if (!check_keys(c, g, keys) ||
	    !str_member(c, g, "reference", STR_REFERENCE, true, NULL, &d->reference) ||
	    !str_member(c, g, "chamber", STR_LINE_OPT, false, "", &d->chamber) ||
	    !str_member(c, g, "title", STR_LINE, true, NULL, &d->title) ||
	    !str_member(c, g, "purpose", STR_TEXT, true, NULL, &d->purpose) ||
	    !str_member(c, g, "legal_basis", STR_TEXT, false, "", &d->legal_basis) ||
	    !strv_member(c, g, "duties", false, 0, 64, STR_IDENT, false, &d->duties, &d->nduties))
		return false;
	for (size_t i = 0; i < d->nduties; i++) {
		if (!in_set(known_duties, d->duties[i])) {
			push_key(c, "duties");
			push_index(c, i);
			return fail(c, config_setting_get_member(g, "duties"),
			            "unknown duty \"%s\" (no_third_party_disclosure, "
			            "no_reidentification, anonymous_publication_only)",
			            d->duties[i]);
		}
	}

	if (!list_member(c, g, "recipients", true, 1, 256, true, &recips, &nrecips))
		return false;
	d->recipients = calloc(nrecips, sizeof(*d->recipients));
	if (d->recipients == NULL)
		return oom(c);
	old = push_key(c, "recipients");
	for (size_t i = 0; i < nrecips; i++) {
		size_t o2;
		const config_setting_t *rg = elem(c, recips, i, &o2);
		d->nrecipients = i + 1;
		if (!build_recipient(c, rg, &d->recipients[i]))
			return false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(d->recipients[j].id, d->recipients[i].id) == 0) {
				push_key(c, "id");
				return fail(c, config_setting_get_member(rg, "id"),
				            "duplicate recipient id \"%s\"", d->recipients[i].id);
			}
		pop(c, o2);
	}
	pop(c, old);

	if (!list_member(c, g, "versions", true, 1, 1000, true, &versions, &nversions))
		return false;
	d->versions = calloc(nversions, sizeof(*d->versions));
	if (d->versions == NULL)
		return oom(c);
	old = push_key(c, "versions");
	for (size_t i = 0; i < nversions; i++) {
		size_t o2;
		const config_setting_t *vg = elem(c, versions, i, &o2);
		d->nversions = i + 1;
		if (!build_version(c, vg, &d->versions[i], d, i))
			return false;
		pop(c, o2);
	}
	pop(c, old);
	return true;
}

struct terms_deliberation *terms_build(const struct config_setting_t *root, const char *name,
                                       struct err *e)
{
	static const char *const keys[] = {"deliberation", NULL};
	struct bctx c = {.name = name, .e = e};
	const config_setting_t *g;
	struct terms_deliberation *d;

	if (!check_keys(&c, root, keys) || !member(&c, root, "deliberation", true, &g))
		return NULL;
	push_key(&c, "deliberation");
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		fail(&c, g, "expected a group { }, found %s", kind_name(g));
		return NULL;
	}
	pop(&c, 0);
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		oom(&c);
		return NULL;
	}
	if (!build_deliberation(&c, g, d)) {
		terms_free(d);
		return NULL;
	}
	return d;
}
