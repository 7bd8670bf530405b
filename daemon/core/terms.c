/*
 * terms: the deliberation model: freeing it, lookups, identifiers and dates.  It
 * depends on no other part of the terms: terms_build.c builds a model from a
 * libconfig tree, terms_file.c reads deliberation files into one, terms_json.c
 * converts JSON into the same tree, so both inputs obey exactly the same rules.
 */
#include "terms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
