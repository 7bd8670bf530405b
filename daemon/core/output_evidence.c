/*
 * output_evidence: a finished table submitted with its per-cell evidence
 * ("evidence": "submitted"), turned into the same struct output_table that the
 * builder makes, so that one judge decides both (docs/output-checking.md):
 *
 *   {"by": ["sex"], "stat": "sum", "value": "wage",
 *    "cells": [{"cell": {"sex": "F"}, "value": 91200, "persons": 30,
 *               "largest": [4100, 3900], "negative": false}, ...]}
 *
 * persons is required; largest (the largest contributions, descending, at most
 * OUTPUT_TOP) is required for sum and mean, whose dominance and p% depend on it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

#define EVIDENCE_MAX_CELLS 100000

static bool bad(struct err *e, const char *field, const char *msg)
{
	err_set_field(e, ERR_INVALID, field, "%s: %s", field, msg);
	return false;
}

static int cmp_codes(const struct output_cell *a, const struct output_cell *b, size_t nby)
{
	for (size_t k = 0; k < nby; k++) {
		int c = strcmp(a->codes[k], b->codes[k]);
		if (c != 0)
			return c;
	}
	return 0;
}

/* Merge sort of the cells by codes (qsort's comparison cannot see nby). */
static void sort_cells(struct output_cell *v, struct output_cell *tmp, size_t n, size_t nby)
{
	if (n < 2)
		return;
	size_t h = n / 2, i = 0, j = h, k = 0;
	sort_cells(v, tmp, h, nby);
	sort_cells(v + h, tmp, n - h, nby);
	while (i < h && j < n)
		tmp[k++] = cmp_codes(&v[i], &v[j], nby) <= 0 ? v[i++] : v[j++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

static bool cell_from_json(const json_t *c, const struct output_spec *s, struct output_cell *out,
                           char *field, size_t fsize, struct err *e)
{
	static const char *const keys[] = {"cell", "value", "persons", "largest", "negative", NULL};
	if (!json_is_object(c))
		return bad(e, field, "expected an object");
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)c, key, v)
	{
		bool known = false;
		for (size_t i = 0; keys[i] != NULL; i++)
			known = known || strcmp(key, keys[i]) == 0;
		if (!known)
			return bad(e, field,
			           "unknown member (cell, value, persons, largest, negative)");
	}
	const json_t *codes = json_object_get(c, "cell");
	if (!json_is_object(codes) || json_object_size(codes) != s->nby)
		return bad(e, field, "cell must name a code for each grouping variable");
	out->codes = calloc(s->nby, sizeof(char *));
	if (out->codes == NULL)
		return bad(e, field, "out of memory");
	for (size_t k = 0; k < s->nby; k++) {
		const json_t *code = json_object_get(codes, s->by[k]);
		if (!json_is_string(code) || json_string_length(code) > 200 ||
		    strlen(json_string_value(code)) != json_string_length(code))
			return bad(e, field,
			           "cell must name a code (a string) for each grouping variable");
		out->codes[k] = strdup(json_string_value(code));
		if (out->codes[k] == NULL)
			return bad(e, field, "out of memory");
	}
	const json_t *value = json_object_get(c, "value"), *persons = json_object_get(c, "persons");
	if (!json_is_number(value) || !isfinite(json_number_value(value)))
		return bad(e, field, "value must be a number");
	if (!json_is_integer(persons) || json_integer_value(persons) < 0 ||
	    json_integer_value(persons) > 100000000000LL)
		return bad(e, field, "persons must be a count");
	out->value = json_number_value(value);
	out->persons = (uint64_t)json_integer_value(persons);
	const json_t *neg = json_object_get(c, "negative");
	if (neg != NULL && !json_is_boolean(neg))
		return bad(e, field, "negative must be true or false");
	out->negative = json_is_true(neg);
	const json_t *largest = json_object_get(c, "largest");
	if (s->stat == OUTPUT_SUM || s->stat == OUTPUT_MEAN) {
		size_t want = out->persons < 2 ? (size_t)out->persons : 2;
		if (!json_is_array(largest) || json_array_size(largest) < want)
			return bad(
			    e, field,
			    "largest (the largest contributions, descending) is required for "
			    "sum and mean");
	}
	if (largest != NULL) {
		if (!json_is_array(largest) || json_array_size(largest) > OUTPUT_TOP ||
		    json_array_size(largest) > out->persons)
			return bad(e, field, "largest: at most 10 contributions, one per person");
		for (size_t k = 0; k < json_array_size(largest); k++) {
			const json_t *x = json_array_get(largest, k);
			if (!json_is_number(x) || !isfinite(json_number_value(x)) ||
			    (k > 0 && json_number_value(x) > out->top[k - 1]))
				return bad(e, field, "largest: numbers, in descending order");
			out->top[k] = json_number_value(x);
			if (out->top[k] < 0)
				out->negative = true;
		}
	}
	out->total = s->stat == OUTPUT_MEAN ? out->value * (double)out->persons : out->value;
	if ((s->stat == OUTPUT_SUM || s->stat == OUTPUT_MEAN) && out->total < 0)
		out->negative = true;
	(void)fsize;
	return true;
}

struct output_table *output_evidence_parse(const json_t *j, struct err *e)
{
	if (!json_is_object(j)) {
		bad(e, "table", "expected an object");
		return NULL;
	}
	json_t *spec_j = json_object();
	if (spec_j == NULL)
		return NULL;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)j, key, v)
	{
		if (strcmp(key, "cells") != 0)
			json_object_set(spec_j, key, v);
	}
	struct output_table *t = calloc(1, sizeof(*t));
	if (t == NULL || !output_spec_from_json(spec_j, &t->spec, e)) {
		json_decref(spec_j);
		free(t);
		return NULL;
	}
	json_decref(spec_j);
	t->identifier_by = -1;
	const json_t *cells = json_object_get(j, "cells");
	if (!json_is_array(cells) || json_array_size(cells) == 0 ||
	    json_array_size(cells) > EVIDENCE_MAX_CELLS) {
		bad(e, "cells", "a list of 1 to 100000 cells");
		free(t);
		return NULL;
	}
	t->cells = calloc(json_array_size(cells), sizeof(*t->cells));
	if (t->cells == NULL) {
		free(t);
		return NULL;
	}
	for (size_t i = 0; i < json_array_size(cells); i++) {
		char field[32];
		snprintf(field, sizeof(field), "cells[%zu]", i);
		t->ncells = i + 1;
		if (!cell_from_json(json_array_get(cells, i), &t->spec, &t->cells[i], field,
		                    sizeof(field), e)) {
			output_table_free(t);
			return NULL;
		}
		t->persons += t->cells[i].persons;
	}
	struct output_cell *tmp = calloc(t->ncells, sizeof(*tmp));
	if (tmp == NULL) {
		output_table_free(t);
		return NULL;
	}
	sort_cells(t->cells, tmp, t->ncells, t->spec.nby);
	free(tmp);
	for (size_t i = 1; i < t->ncells; i++)
		if (cmp_codes(&t->cells[i - 1], &t->cells[i], t->spec.nby) == 0) {
			bad(e, "cells", "the same cell twice");
			output_table_free(t);
			return NULL;
		}
	return t;
}
