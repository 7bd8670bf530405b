/* test_output: building tables from microdata, every output rule at its boundary
 * (9/10 persons, dominance exactly 90%, p% exactly 10%, negative values), the
 * statistics, the memory bound, and secondary suppression checked by solving for
 * the masked cells from the published margins with an independent solver. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <math.h>

#include "output.h"

/* ---- helpers ------------------------------------------------------------- */

struct sbuf {
	char *s;
	size_t n, cap;
};

static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	char tmp[256];
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (b->n + (size_t)n + 1 > b->cap) {
		b->cap = 2 * (b->n + (size_t)n + 1) + 256;
		b->s = realloc(b->s, b->cap);
		assert_non_null(b->s);
	}
	memcpy(b->s + b->n, tmp, (size_t)n + 1);
	b->n += (size_t)n;
}

static struct output_table *build(const char *csv, const char *by, enum output_stat stat,
                                  const char *value, size_t chunk)
{
	struct output_spec spec = {0};
	struct err e = {0};
	assert_true(output_spec_set_by(&spec, by, &e));
	spec.stat = stat;
	if (value != NULL)
		snprintf(spec.value, sizeof(spec.value), "%s", value);
	struct output_builder *b = output_builder_new(&spec, &e);
	assert_non_null(b);
	size_t n = strlen(csv);
	for (size_t off = 0; off < n; off += chunk) {
		size_t take = n - off < chunk ? n - off : chunk;
		if (!output_builder_feed(b, csv + off, take, &e))
			fail_msg("feed: %s", e.message);
	}
	struct output_table *t = output_builder_finish(b, &e);
	if (t == NULL)
		fail_msg("finish: %s", e.message);
	output_builder_free(b);
	return t;
}

/* Cell A of group g: persons 1..n with the given values, plus a cell B of 20
 * persons with value 1 (so that the table has more than one cell). */
static char *cell_csv(const double *values, size_t n)
{
	struct sbuf b = {0};
	sb_add(&b, "person_id,g,x\n");
	for (size_t i = 0; i < n; i++)
		sb_add(&b, "%zu,A,%.15g\n", i + 1, values[i]);
	for (size_t i = 0; i < 20; i++)
		sb_add(&b, "%zu,B,1\n", 1000 + i);
	return b.s;
}

/* ---- rules at their boundaries ------------------------------------------- */

struct rule_case {
	const char *name;
	enum output_stat stat;
	double values[12];
	size_t n;
	double dominance_k; /* 0: default */
	uint32_t want;      /* rules of cell A */
};

#define BIT(r) (1u << (r))

static const struct rule_case rule_cases[] = {
    {"9 persons", OUTPUT_COUNT, {1, 1, 1, 1, 1, 1, 1, 1, 1}, 9, 0, BIT(OUT_THRESHOLD)},
    {"10 persons", OUTPUT_COUNT, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 10, 0, 0},
    {"dominance exactly 90%",
     OUTPUT_SUM,
     {45, 45, 1.25, 1.25, 1.25, 1.25, 1.25, 1.25, 1.25, 1.25},
     10,
     0,
     0},
    {"dominance just above 90%",
     OUTPUT_SUM,
     {45, 45.1, 1.2375, 1.2375, 1.2375, 1.2375, 1.2375, 1.2375, 1.2375, 1.2375},
     10,
     0,
     BIT(OUT_DOMINANCE)},
    {"dominance on a mean",
     OUTPUT_MEAN,
     {45, 45.1, 1.2375, 1.2375, 1.2375, 1.2375, 1.2375, 1.2375, 1.2375, 1.2375},
     10,
     0,
     BIT(OUT_DOMINANCE)},
    {"p% exactly 10%",
     OUTPUT_SUM,
     {50, 10, 0.625, 0.625, 0.625, 0.625, 0.625, 0.625, 0.625, 0.625},
     10,
     1.0,
     0},
    {"p% just below 10%",
     OUTPUT_SUM,
     {50, 10, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6},
     10,
     1.0,
     BIT(OUT_P_PERCENT)},
    {"negative value",
     OUTPUT_SUM,
     {45, 45, -1, 1, 1, 1, 1, 1, 1, 1},
     10,
     0,
     BIT(OUT_NEGATIVE_CONTRIBUTION)},
    {"negative and few",
     OUTPUT_MEAN,
     {-5, 1, 1},
     3,
     0,
     BIT(OUT_THRESHOLD) | BIT(OUT_NEGATIVE_CONTRIBUTION)},
    {"median is not a dominance statistic",
     OUTPUT_MEDIAN,
     {90, 5, 1, 1, 1, 1, 1, 1, 1, 1},
     10,
     0,
     0},
    {"min is disclosive",
     OUTPUT_MIN,
     {1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
     10,
     0,
     BIT(OUT_DISCLOSIVE_STATISTIC)},
    {"max is disclosive",
     OUTPUT_MAX,
     {1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
     10,
     0,
     BIT(OUT_DISCLOSIVE_STATISTIC)},
    {"a sum that is a national number",
     OUTPUT_SUM,
     {85073003328.0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
     10,
     1.0,
     BIT(OUT_NATIONAL_NUMBER) | BIT(OUT_P_PERCENT)},
};

static void test_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rule_cases) / sizeof(rule_cases[0]); i++) {
		const struct rule_case *c = &rule_cases[i];
		char *csv = cell_csv(c->values, c->n);
		struct output_table *t =
		    build(csv, "g", c->stat, c->stat == OUTPUT_COUNT ? NULL : "x", 7);
		struct output_params p;
		output_params_default(&p);
		if (c->dominance_k > 0)
			p.dominance_k = c->dominance_k;
		output_judge(t, &p, NULL);
		assert_int_equal(t->ncells, 2);
		assert_string_equal(t->cells[0].codes[0], "A");
		if (t->cells[0].rules != c->want)
			fail_msg("%s: rules %#x, expected %#x", c->name, t->cells[0].rules,
			         c->want);
		uint32_t b_want = (c->stat == OUTPUT_MIN || c->stat == OUTPUT_MAX)
		                      ? BIT(OUT_DISCLOSIVE_STATISTIC)
		                      : 0;
		if (c->stat == OUTPUT_SUM || c->stat == OUTPUT_MEAN)
			b_want = 0; /* 20 equal contributions: neither dominance nor p% */
		if (t->cells[1].rules != b_want)
			fail_msg("%s: cell B rules %#x", c->name, t->cells[1].rules);
		assert_int_equal(output_passed(t), c->want == 0 && b_want == 0);
		output_table_free(t);
		free(csv);
	}
}

/* ---- statistics and the unit of contribution ------------------------------ */

static void test_statistics(void **state)
{
	(void)state;
	/* person 1 has two rows in cell A (contribution 3 + 5 = 8); ';' and ',' decimals */
	const char *csv = "person_id;g;x\n1;A;3\n2;A;2\n1;A;5\n3;A;4,5\n4;A;\n";
	static const struct {
		enum output_stat stat;
		double want;
	} cases[] = {
	    {OUTPUT_COUNT, 3},
	    {OUTPUT_SUM, 14.5},
	    {OUTPUT_MEAN, 14.5 / 3},
	    {OUTPUT_MEDIAN, 4.5},
	    {OUTPUT_MIN, 2},
	    {OUTPUT_MAX, 8},
	    {OUTPUT_SD, 3.013856886670854},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct output_table *t = build(csv, "g", cases[i].stat, "x", 3);
		assert_int_equal(t->ncells, 1);
		if (fabs(t->cells[0].value - cases[i].want) > 1e-9)
			fail_msg("%s: %.17g, expected %.17g", output_stat_name(cases[i].stat),
			         t->cells[0].value, cases[i].want);
		assert_int_equal(t->rows, 5);
		output_table_free(t);
	}
	/* count without a value column counts person 4 too */
	struct output_table *t = build(csv, "g", OUTPUT_COUNT, NULL, 100);
	assert_int_equal(t->cells[0].persons, 4);
	output_table_free(t);
}

/* ---- identifiers ----------------------------------------------------------------- */

static void test_identifiers(void **state)
{
	(void)state;
	struct sbuf b = {0};
	sb_add(&b, "person_id,g,contact\n");
	for (int i = 0; i < 30; i++)
		sb_add(&b, "%d,%s,%s\n", i + 1, i % 2 ? "A" : "B",
		       i == 0 ? "jan@example.be" : "none");
	struct output_params p;
	output_params_default(&p);

	/* grouping by person_id identifies: the report names no pseudonym */
	struct output_table *t = build(b.s, "person_id", OUTPUT_COUNT, NULL, 64);
	output_judge(t, &p, NULL);
	assert_true(t->table_rules & BIT(OUT_IDENTIFIER_COLUMN));
	json_t *j = output_report_json(t);
	char *s = json_dumps(j, 0);
	assert_null(strstr(s, "\"17\""));
	assert_non_null(strstr(s, "\"variable\": \"person_id\""));
	free(s);
	json_decref(j);
	output_table_free(t);

	/* an e-mail address as a category: the rule, and the cell named by index only */
	t = build(b.s, "g,contact", OUTPUT_COUNT, NULL, 64);
	output_judge(t, &p, NULL);
	assert_int_equal(t->error_counts[OUT_EMAIL_ADDRESS], 1);
	assert_int_equal(t->table_rules, 0);
	j = output_report_json(t);
	s = json_dumps(j, 0);
	assert_null(strstr(s, "example"));
	free(s);
	json_decref(j);
	output_table_free(t);

	/* a variable with about one person per category */
	struct sbuf u = {0};
	sb_add(&u, "person_id,birth_month,g\n");
	for (int i = 0; i < 40; i++)
		sb_add(&u, "%d,m%d,%c\n", i, i < 36 ? i : 0, 'A' + i % 2);
	t = build(u.s, "g,birth_month", OUTPUT_COUNT, NULL, 64);
	output_judge(t, &p, NULL);
	assert_true(t->table_rules & BIT(OUT_IDENTIFIER_COLUMN));
	assert_int_equal(t->identifier_by, 1);
	output_table_free(t);
	t = build(u.s, "g", OUTPUT_COUNT, NULL, 64);
	output_judge(t, &p, NULL);
	assert_int_equal(t->table_rules, 0);
	output_table_free(t);
	free(u.s);
	free(b.s);
}

static void test_bad_input(void **state)
{
	(void)state;
	static const struct {
		const char *csv;
		const char *by, *value;
		const char *msg;
	} cases[] = {
	    {"", "g", NULL, "no header"},
	    {"g,x\nA,1\n", "g", NULL, "no person_id"},
	    {"person_id,x\n1,1\n", "g", NULL, "no column g"},
	    {"person_id,g\n1,A\n", "g", "x", "no column x"},
	    {"person_id,g,x\n1,A,12abc\n", "g", "x", "line 2, column x: not a number"},
	    {"person_id,g\n,A\n", "g", NULL, "line 2, column person_id: empty"},
	    {"person_id,g\n1,A,B\n", "g", NULL, "line 2: the row has more or fewer"},
	    {"person_id,g\n1,\"A\n", "g", NULL, "malformed"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct output_spec spec = {0};
		struct err e = {0};
		assert_true(output_spec_set_by(&spec, cases[i].by, &e));
		if (cases[i].value != NULL) {
			spec.stat = OUTPUT_SUM;
			snprintf(spec.value, sizeof(spec.value), "%s", cases[i].value);
		}
		struct output_builder *b = output_builder_new(&spec, &e);
		assert_non_null(b);
		struct output_table *t = NULL;
		if (output_builder_feed(b, cases[i].csv, strlen(cases[i].csv), &e))
			t = output_builder_finish(b, &e);
		if (t != NULL)
			fail_msg("case %zu: built", i);
		if (strstr(e.message, cases[i].msg) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, e.message, cases[i].msg);
		assert_null(strstr(e.message, "12abc"));
		output_builder_free(b);
	}
	struct output_spec spec = {0};
	struct err e = {0};
	assert_false(output_spec_set_by(&spec, "g,G", &e));
	assert_false(output_spec_set_by(&spec, "g,,h", &e));
	assert_false(output_spec_set_by(&spec, "g,g", &e));
	assert_true(output_spec_set_by(&spec, "g,h", &e));
	spec.stat = OUTPUT_MEAN;
	assert_false(output_spec_check(&spec, &e));
	assert_string_equal(e.field, "value");
}

/* Memory follows cells and persons, not rows. */
static void test_memory_bound(void **state)
{
	(void)state;
	struct output_spec spec = {0};
	struct err e = {0};
	assert_true(output_spec_set_by(&spec, "g", &e));
	spec.stat = OUTPUT_SUM;
	snprintf(spec.value, sizeof(spec.value), "x");
	struct output_builder *b = output_builder_new(&spec, &e);
	assert_true(output_builder_feed(b, "person_id,g,x\n", 14, &e));
	char row[64];
	size_t after_first = 0;
	for (int round = 0; round < 50; round++) {
		for (int p = 0; p < 2000; p++) {
			int n = snprintf(row, sizeof(row), "%d,%c,%d\n", p, 'A' + p % 3, round);
			assert_true(output_builder_feed(b, row, (size_t)n, &e));
		}
		if (round == 0)
			after_first = output_builder_memory(b);
	}
	/* 100,000 rows, 2,000 persons, 3 cells: no growth after the first 2,000 rows */
	assert_int_equal(output_builder_memory(b), after_first);
	struct output_table *t = output_builder_finish(b, &e);
	assert_non_null(t);
	assert_int_equal(t->rows, 100000);
	assert_int_equal(t->persons, 2000);
	output_table_free(t);
	output_builder_free(b);
}

/* ---- secondary suppression ---------------------------------------------------- */

/* An independent solver: the published table as equations (each published margin
 * = the sum of its cells), the masked cells unknown.  Masked cell i is exactly
 * recoverable iff column i is not in the span of the other unknowns' columns,
 * i.e. rank(A without i) < rank(A). */
static size_t rank_of(double *a, size_t rows, size_t cols)
{
	size_t r = 0;
	for (size_t c = 0; c < cols && r < rows; c++) {
		size_t p = r;
		for (size_t i = r; i < rows; i++)
			if (fabs(a[i * cols + c]) > fabs(a[p * cols + c]))
				p = i;
		if (fabs(a[p * cols + c]) < 1e-9)
			continue;
		for (size_t k = 0; k < cols; k++) {
			double x = a[p * cols + k];
			a[p * cols + k] = a[r * cols + k];
			a[r * cols + k] = x;
		}
		for (size_t i = r + 1; i < rows; i++) {
			double f = a[i * cols + c] / a[r * cols + c];
			for (size_t k = 0; k < cols; k++)
				a[i * cols + k] -= f * a[r * cols + k];
		}
		r++;
	}
	return r;
}

/* From the published JSON only: does a masked cell follow from the margins? */
static size_t recoverable_cells(json_t *pub, size_t nby, const char *const *by)
{
	json_t *cells = json_object_get(pub, "cells"), *margins = json_object_get(pub, "margins");
	size_t nc = json_array_size(cells), nm = json_array_size(margins);
	size_t masked[256], m = 0;
	for (size_t i = 0; i < nc; i++)
		if (json_is_null(json_object_get(json_array_get(cells, i), "value")))
			masked[m++] = i;
	if (m == 0)
		return 0;
	double *a = calloc(nm * m, sizeof(double)), *b = calloc(nm * m, sizeof(double));
	size_t rows = 0;
	for (size_t g = 0; g < nm; g++) {
		json_t *mg = json_array_get(margins, g);
		if (json_is_null(json_object_get(mg, "value")))
			continue; /* withheld */
		json_t *mc = json_object_get(mg, "cell");
		for (size_t u = 0; u < m; u++) {
			json_t *cc = json_object_get(json_array_get(cells, masked[u]), "cell");
			bool in = true;
			for (size_t k = 0; k < nby; k++) {
				const char *code = json_string_value(json_object_get(mc, by[k]));
				if (strcmp(code, "Total") != 0 &&
				    strcmp(code, json_string_value(json_object_get(cc, by[k]))) !=
				        0)
					in = false;
			}
			a[rows * m + u] = in;
		}
		rows++;
	}
	size_t full;
	memcpy(b, a, rows * m * sizeof(double));
	full = rank_of(b, rows, m);
	size_t found = 0;
	for (size_t u = 0; u < m; u++) {
		/* drop column u */
		for (size_t r = 0; r < rows; r++)
			for (size_t k = 0, o = 0; k < m; k++)
				if (k != u)
					b[r * (m - 1) + o++] = a[r * m + k];
		if (rank_of(b, rows, m - 1) < full)
			found++;
	}
	free(a);
	free(b);
	return found;
}

struct supp_case {
	const char *name;
	const char *by;
	int counts[4][4]; /* persons per (first code, second code); 0: no such cell */
	size_t rows, cols;
};

static const struct supp_case supp_cases[] = {
    {"one small cell", "r,c", {{30, 40, 50}, {20, 5, 60}, {25, 35, 45}}, 3, 3},
    {"two small cells in a row", "r,c", {{3, 4, 50}, {20, 15, 60}, {25, 35, 45}}, 3, 3},
    {"small cells on a diagonal", "r,c", {{3, 40, 50}, {20, 5, 60}, {25, 35, 4}}, 3, 3},
    {"a row with one cell", "r,c", {{30, 0, 0}, {20, 15, 60}, {25, 35, 45}, {0, 3, 0}}, 4, 3},
    {"a small row total", "r,c", {{30, 40, 50, 20}, {2, 3, 0, 0}}, 2, 4},
    {"one variable", "r", {{30}, {4}, {50}, {20}}, 4, 1},
};

static void test_secondary_suppression(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(supp_cases) / sizeof(supp_cases[0]); i++) {
		const struct supp_case *c = &supp_cases[i];
		bool two = strchr(c->by, ',') != NULL;
		struct sbuf b = {0};
		sb_add(&b, two ? "person_id,r,c\n" : "person_id,r\n");
		int id = 0;
		for (size_t r = 0; r < c->rows; r++)
			for (size_t k = 0; k < c->cols; k++)
				for (int p = 0; p < c->counts[r][k]; p++)
					if (two)
						sb_add(&b, "%d,r%zu,c%zu\n", ++id, r, k);
					else
						sb_add(&b, "%d,r%zu\n", ++id, r);
		static const char *const by2[] = {"r", "c"};
		struct output_params p;
		output_params_default(&p);

		/* the solver finds a cell masked alone (so that it can fail) */
		struct output_table *t = build(b.s, c->by, OUTPUT_COUNT, NULL, 50);
		output_judge(t, &p, NULL);
		size_t primary = 0;
		for (size_t k = 0; k < t->ncells; k++)
			if (t->cells[k].rules) {
				t->cells[k].suppressed = true;
				primary++;
			}
		assert_true(primary > 0);
		assert_true(output_margins_build(t));
		json_t *pub = output_table_json(t);
		size_t naive = recoverable_cells(pub, two ? 2 : 1, by2);
		json_decref(pub);
		if (primary == 1 && naive == 0)
			fail_msg("%s: the solver misses a lone masked cell", c->name);
		output_table_free(t);

		/* after output_suppress, nothing masked can be solved for */
		t = build(b.s, c->by, OUTPUT_COUNT, NULL, 50);
		output_judge(t, &p, NULL);
		assert_true(output_suppress(t));
		pub = output_table_json(t);
		size_t left = recoverable_cells(pub, two ? 2 : 1, by2);
		if (left != 0)
			fail_msg("%s: %zu masked cells recoverable from the margins", c->name,
			         left);
		for (size_t k = 0; k < t->ncells; k++) {
			if (t->cells[k].rules)
				assert_true(t->cells[k].suppressed);
			if (t->cells[k].suppressed)
				assert_false(output_recoverable(t, k));
		}
		json_decref(pub);
		output_table_free(t);
		free(b.s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rules),        cmocka_unit_test(test_statistics),
	    cmocka_unit_test(test_identifiers),  cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_memory_bound), cmocka_unit_test(test_secondary_suppression),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
