/*
 * output_judge: the rules of output checking applied to a built table, and the
 * table's reports (JSON and text, which name rules and cells but never a value)
 * and its published forms (CSV and JSON, masked cells empty).  Rules and
 * boundaries: docs/output-checking.md.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "nn.h"
#include "output.h"

/* Ties at a boundary are safe ("more than 90%", "less than 10%"); the margin
 * absorbs the rounding of sums of doubles so that an exact 90% stays exact. */
static bool above(double x, double limit)
{
	return x - limit > 1e-9 * (fabs(x) + fabs(limit) + 1);
}

static void judge_cell(struct output_cell *c, const struct output_table *t,
                       const struct output_params *p)
{
	uint32_t r = 0;
	enum output_stat st = t->spec.stat;

	if ((int64_t)c->persons < p->threshold)
		r |= 1u << OUT_THRESHOLD;
	if (st == OUTPUT_SUM || st == OUTPUT_MEAN) {
		if (c->negative) {
			r |= 1u << OUT_NEGATIVE_CONTRIBUTION;
		} else {
			double topn = 0;
			for (int64_t k = 0; k < p->dominance_n && k < OUTPUT_TOP; k++)
				topn += c->top[k];
			if (c->total > 0 && above(topn, p->dominance_k * c->total))
				r |= 1u << OUT_DOMINANCE;
			double rest = c->total - c->top[0] - c->top[1];
			if (c->top[0] > 0 && above(p->p_percent / 100.0 * c->top[0], rest))
				r |= 1u << OUT_P_PERCENT;
		}
	}
	if (st == OUTPUT_MIN || st == OUTPUT_MAX)
		r |= 1u << OUT_DISCLOSIVE_STATISTIC;
	/* identifiers in the category codes (the cell is then named by index only)
	 * and a national number in the published value */
	for (size_t k = 0; k < t->spec.nby; k++) {
		unsigned found = ident_scan(c->codes[k], strlen(c->codes[k]));
		for (int d = 0; d < IDENT_COUNT; d++)
			if (found & (1u << d))
				r |= 1u << (OUT_NATIONAL_NUMBER + d);
		if (found)
			c->codes_hidden = true;
	}
	char buf[40];
	snprintf(buf, sizeof(buf), "%.15g", c->value);
	if (nn_find(buf, strlen(buf)))
		r |= 1u << OUT_NATIONAL_NUMBER;
	c->rules = r;
}

_Static_assert(OUT_FULL_DATE - OUT_NATIONAL_NUMBER == IDENT_FULL_DATE - IDENT_NATIONAL_NUMBER,
               "output rules follow the ident kinds");

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Distinct codes of grouping variable k among the cells. */
static size_t categories(const struct output_table *t, size_t k)
{
	if (t->ncells == 0)
		return 0;
	const char **v = malloc(t->ncells * sizeof(*v));
	if (v == NULL)
		return t->ncells; /* out of memory: count as distinct (errs towards failing) */
	for (size_t i = 0; i < t->ncells; i++)
		v[i] = t->cells[i].codes[k];
	qsort(v, t->ncells, sizeof(*v), cmp_str);
	size_t n = 1;
	for (size_t i = 1; i < t->ncells; i++)
		n += strcmp(v[i], v[i - 1]) != 0;
	free(v);
	return n;
}

static void judge_table(struct output_table *t, const struct output_params *p,
                        const struct terms_body *terms)
{
	for (size_t k = 0; k < t->spec.nby && t->identifier_by < 0; k++) {
		const struct terms_variable *v =
		    terms != NULL ? terms_find_variable(terms, t->spec.by[k]) : NULL;
		size_t ncat = categories(t, k);
		if (strcmp(t->spec.by[k], "person_id") == 0 ||
		    (v != NULL && v->type == TERMS_PSEUDONYM) ||
		    (ncat >= 2 && (int64_t)t->persons >= p->threshold &&
		     (double)ncat >= p->identifier_ratio * (double)t->persons))
			t->identifier_by = (int)k;
	}
	if (t->identifier_by >= 0)
		t->table_rules |= 1u << OUT_IDENTIFIER_COLUMN;
	if (t->table_rules & (1u << OUT_IDENTIFIER_COLUMN))
		t->codes_hidden = true;
}

void output_judge(struct output_table *t, const struct output_params *p,
                  const struct terms_body *terms)
{
	memset(t->error_counts, 0, sizeof(t->error_counts));
	judge_table(t, p, terms);
	for (int r = 0; r < OUT_RULE_COUNT; r++)
		if (t->table_rules & (1u << r))
			t->error_counts[r]++;
	for (size_t i = 0; i < t->ncells; i++) {
		struct output_cell *c = &t->cells[i];
		judge_cell(c, t, p);
		if (t->codes_hidden)
			c->codes_hidden = true;
		for (int r = 0; r < OUT_RULE_COUNT; r++)
			if (c->rules & (1u << r))
				t->error_counts[r]++;
	}
}

bool output_passed(const struct output_table *t)
{
	if (t->table_rules != 0)
		return false;
	for (size_t i = 0; i < t->ncells; i++)
		if (t->cells[i].rules != 0)
			return false;
	return true;
}

bool output_cell_cleared(const struct output_cell *c, uint32_t excepted)
{
	return c->suppressed || (c->rules & ~excepted) == 0;
}

/* ---- reports ------------------------------------------------------------- */

json_t *output_cell_json(const struct output_table *t, size_t i)
{
	const struct output_cell *c = &t->cells[i];
	if (c->codes_hidden)
		return json_null();
	json_t *o = json_object();
	for (size_t k = 0; o != NULL && k < t->spec.nby; k++)
		json_object_set_new(o, t->spec.by[k], json_string(c->codes[k]));
	return o;
}

static void add_error(json_t *errors, size_t *listed, json_t *e)
{
	if (e == NULL)
		return;
	if (*listed < OUTPUT_MAX_ERRORS)
		json_array_append_new(errors, e);
	else
		json_decref(e);
	(*listed)++;
}

json_t *output_report_json(const struct output_table *t)
{
	json_t *counts = json_object(), *errors = json_array(), *by = json_array();
	size_t listed = 0, suppressed = 0;
	for (int r = 0; counts != NULL && r < OUT_RULE_COUNT; r++)
		if (t->error_counts[r] > 0)
			json_object_set_new(counts, output_rule_name((enum output_rule)r),
			                    json_integer((json_int_t)t->error_counts[r]));
	for (size_t k = 0; by != NULL && k < t->spec.nby; k++)
		json_array_append_new(by, json_string(t->spec.by[k]));
	if (t->table_rules & (1u << OUT_IDENTIFIER_COLUMN))
		add_error(errors, &listed,
		          json_pack("{s:s,s:n,s:s?}", "rule", "identifier_column", "cell",
		                    "variable",
		                    t->identifier_by >= 0 ? t->spec.by[t->identifier_by] : NULL));
	for (size_t i = 0; i < t->ncells; i++) {
		const struct output_cell *c = &t->cells[i];
		suppressed += c->suppressed;
		for (int r = 0; r < OUT_RULE_COUNT; r++)
			if (c->rules & (1u << r))
				add_error(errors, &listed,
				          json_pack("{s:s,s:o,s:I}", "rule",
				                    output_rule_name((enum output_rule)r), "cell",
				                    output_cell_json(t, i), "index",
				                    (json_int_t)(i + 1)));
	}
	return json_pack("{s:s,s:I,s:I,s:I,s:o,s:s,s:s?,s:o,s:o,s:b,s:I}", "verdict",
	                 output_passed(t) ? "pass" : "fail", "cells", (json_int_t)t->ncells, "rows",
	                 (json_int_t)t->rows, "persons", (json_int_t)t->persons, "by", by, "stat",
	                 output_stat_name(t->spec.stat), "value",
	                 t->spec.value[0] ? t->spec.value : NULL, "error_counts", counts, "errors",
	                 errors, "errors_truncated", listed > OUTPUT_MAX_ERRORS, "suppressed",
	                 (json_int_t)suppressed);
}

/* A code for a terminal: control and non-ASCII bytes escaped. */
static void put_code(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch < 0x20 || ch == 0x7f)
			fprintf(out, "\\x%02x", ch);
		else
			fputc(ch, out);
	}
}

static void put_cell(FILE *out, const struct output_table *t, size_t i)
{
	const struct output_cell *c = &t->cells[i];
	fprintf(out, "cell %zu", i + 1);
	if (c->codes_hidden)
		return;
	fputs(" (", out);
	for (size_t k = 0; k < t->spec.nby; k++) {
		fprintf(out, "%s%s=", k ? ", " : "", t->spec.by[k]);
		put_code(out, c->codes[k]);
	}
	fputc(')', out);
}

void output_report_text(FILE *out, const struct output_table *t)
{
	bool pass = output_passed(t);
	fprintf(out, "output check: %s (%zu cells, %llu rows, %llu persons; %s",
	        pass ? "pass" : "FAIL", t->ncells, (unsigned long long)t->rows,
	        (unsigned long long)t->persons, output_stat_name(t->spec.stat));
	if (t->spec.value[0])
		fprintf(out, " of %s", t->spec.value);
	fputs(" by", out);
	for (size_t k = 0; k < t->spec.nby; k++)
		fprintf(out, "%s%s", k ? "," : " ", t->spec.by[k]);
	fputs(")\n", out);
	for (int r = 0; r < OUT_RULE_COUNT; r++)
		if (t->error_counts[r] > 0)
			fprintf(out, "  %-22s %llu\n", output_rule_name((enum output_rule)r),
			        (unsigned long long)t->error_counts[r]);
	size_t listed = 0;
	if (t->table_rules & (1u << OUT_IDENTIFIER_COLUMN)) {
		fprintf(out, "table: identifier_column");
		if (t->identifier_by >= 0)
			fprintf(out, " (%s)", t->spec.by[t->identifier_by]);
		fputc('\n', out);
	}
	for (size_t i = 0; i < t->ncells && listed < OUTPUT_MAX_ERRORS; i++) {
		const struct output_cell *c = &t->cells[i];
		if (c->rules == 0)
			continue;
		put_cell(out, t, i);
		fputc(':', out);
		for (int r = 0; r < OUT_RULE_COUNT; r++)
			if (c->rules & (1u << r))
				fprintf(out, " %s", output_rule_name((enum output_rule)r));
		if (c->suppressed)
			fputs(" [suppressed]", out);
		fputc('\n', out);
		listed++;
	}
	for (size_t i = 0; i < t->ncells; i++)
		if (t->cells[i].secondary) {
			put_cell(out, t, i);
			fputs(": suppressed (secondary)\n", out);
		}
}

/* ---- published forms -------------------------------------------------------- */

static const char *status_of(const struct output_cell *c)
{
	if (c->suppressed)
		return "suppressed";
	if (c->excepted)
		return "excepted";
	return c->rules ? "fail" : "safe";
}

static void csv_field(FILE *out, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void put_value(FILE *out, double v)
{
	fprintf(out, "%.15g", v);
}

/* The codes of a margin row: the first variable's code for a row total, the
 * others' for a column total, "Total" for the rest. */
static const char *margin_code(const struct output_table *t, const struct output_margin *m,
                               size_t k)
{
	const struct output_cell *c = &t->cells[m->first];
	if (c->codes_hidden)
		return "";
	if (m->kind == OUTPUT_MARGIN_ROW && k == 0)
		return c->codes[0];
	if (m->kind == OUTPUT_MARGIN_COLUMN && k > 0)
		return c->codes[k];
	return "Total";
}

bool output_table_write_csv(FILE *out, const struct output_table *t)
{
	for (size_t k = 0; k < t->spec.nby; k++) {
		csv_field(out, t->spec.by[k]);
		fputc(',', out);
	}
	fprintf(out, "%s,status\n", output_stat_name(t->spec.stat));
	for (size_t i = 0; i < t->ncells; i++) {
		const struct output_cell *c = &t->cells[i];
		for (size_t k = 0; k < t->spec.nby; k++) {
			csv_field(out, c->codes_hidden ? "" : c->codes[k]);
			fputc(',', out);
		}
		if (!c->suppressed)
			put_value(out, c->value);
		fprintf(out, ",%s\n", status_of(c));
	}
	for (size_t i = 0; i < t->nmargins; i++) {
		const struct output_margin *m = &t->margins[i];
		for (size_t k = 0; k < t->spec.nby; k++) {
			csv_field(out, margin_code(t, m, k));
			fputc(',', out);
		}
		if (!m->suppressed)
			put_value(out, m->value);
		fprintf(out, ",%s\n", m->suppressed ? "suppressed" : "total");
	}
	return !ferror(out);
}

static json_t *value_json(bool masked, double v)
{
	if (masked)
		return json_null();
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		return json_integer((json_int_t)v);
	return json_real(v);
}

json_t *output_table_json(const struct output_table *t)
{
	json_t *cells = json_array(), *margins = json_array();
	for (size_t i = 0; cells != NULL && i < t->ncells; i++) {
		const struct output_cell *c = &t->cells[i];
		json_array_append_new(
		    cells, json_pack("{s:o,s:o,s:s}", "cell", output_cell_json(t, i), "value",
		                     value_json(c->suppressed, c->value), "status", status_of(c)));
	}
	for (size_t i = 0; margins != NULL && i < t->nmargins; i++) {
		const struct output_margin *m = &t->margins[i];
		json_t *codes = json_object();
		for (size_t k = 0; codes != NULL && k < t->spec.nby; k++)
			json_object_set_new(codes, t->spec.by[k],
			                    json_string(margin_code(t, m, k)));
		json_array_append_new(margins,
		                      json_pack("{s:o,s:o,s:s}", "cell", codes, "value",
		                                value_json(m->suppressed, m->value), "status",
		                                m->suppressed ? "suppressed" : "total"));
	}
	json_t *spec = output_spec_to_json(&t->spec);
	if (spec == NULL) {
		json_decref(cells);
		json_decref(margins);
		return NULL;
	}
	json_object_set_new(spec, "cells", cells);
	json_object_set_new(spec, "margins", margins);
	return spec;
}
