/*
 * output: statistical disclosure control of tables leaving the secure room
 * (phase 2, 21/128 point 19; docs/output-checking.md).  A table is built from
 * microdata in one streaming pass (group by one or more variables; count of
 * distinct persons, or sum, mean, median, min, max, sd of a value), every cell is
 * judged by the rules below, and `output_suppress` masks unsafe cells plus enough
 * secondary cells that no masked cell can be recomputed from the published
 * margins (output_suppress.c).
 *
 * The unit is the person: a person's contribution to a cell is the sum of the
 * values of their rows in that cell, and every statistic is over contributions.
 * Memory is one entry per distinct (cell, person) pair plus one per cell, never
 * per row.  Nothing here keeps or reports a microdata value: errors name rules
 * and cells (category codes, or only the cell's index when a code could carry an
 * identifier).
 */
#ifndef DELIBERD_OUTPUT_H
#define DELIBERD_OUTPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "terms.h"

#define OUTPUT_MAX_BY 8           /* grouping variables */
#define OUTPUT_MAX_CELLS 1000000u /* more: the grouping identifies (identifier_column) */
#define OUTPUT_MAX_ERRORS 1000    /* errors listed; counts stay exact */
#define OUTPUT_TOP 10             /* largest contributions kept per cell (dominance_n at most) */

enum output_stat {
	OUTPUT_COUNT, /* distinct persons (the default) */
	OUTPUT_SUM,
	OUTPUT_MEAN,
	OUTPUT_MEDIAN,
	OUTPUT_MIN,
	OUTPUT_MAX,
	OUTPUT_SD, /* sample standard deviation (n - 1) */
	OUTPUT_STAT_COUNT
};

/* Rule ids, in the contract's order, the other identifier detectors after
 * national_number (ident.h). */
enum output_rule {
	OUT_THRESHOLD,
	OUT_DOMINANCE,
	OUT_P_PERCENT,
	OUT_DISCLOSIVE_STATISTIC,
	OUT_IDENTIFIER_COLUMN,
	OUT_NATIONAL_NUMBER,
	OUT_ENTERPRISE_NUMBER,
	OUT_IBAN,
	OUT_EMAIL_ADDRESS,
	OUT_PHONE_NUMBER,
	OUT_FULL_DATE,
	OUT_NEGATIVE_CONTRIBUTION,
	OUT_RULE_COUNT
};

const char *output_rule_name(enum output_rule r);
bool output_rule_parse(const char *s, enum output_rule *out) __attribute__((warn_unused_result));
const char *output_stat_name(enum output_stat s);
bool output_stat_parse(const char *s, enum output_stat *out) __attribute__((warn_unused_result));

struct output_params {
	int64_t threshold;
	int64_t dominance_n;
	double dominance_k;
	double p_percent;
	double identifier_ratio;
};
/* ACRO's defaults: 10 persons, n = 2 and k = 0.9, p = 10%; ratio 0.8. */
void output_params_default(struct output_params *p);
/* The terms' output_checking when they have one, else the defaults. */
void output_params_from_terms(struct output_params *p, const struct terms_body *b);

struct output_spec {
	char by[OUTPUT_MAX_BY][64];
	size_t nby;
	char value[64]; /* "" for count */
	enum output_stat stat;
};
/* "a,b,c" into spec->by; false (ERR_INVALID, field "by") if empty, too many, or
 * a name that is not a plain column name. */
bool output_spec_set_by(struct output_spec *s, const char *list, struct err *e)
    __attribute__((warn_unused_result));
/* Checks stat/value agree (count needs no value; the others need one). */
bool output_spec_check(const struct output_spec *s, struct err *e)
    __attribute__((warn_unused_result));
/* {"by": ["v", ...] | "v,w", "value": "x", "stat": "sum"} (value and stat
 * optional); unknown members are refused, naming them. */
bool output_spec_from_json(const json_t *j, struct output_spec *s, struct err *e)
    __attribute__((warn_unused_result));
json_t *output_spec_to_json(const struct output_spec *s);

struct output_cell {
	char **codes;           /* nby category codes */
	uint64_t persons;       /* distinct persons contributing */
	double value;           /* the statistic */
	double top[OUTPUT_TOP]; /* the largest contributions, descending (0 past persons) */
	double total;           /* sum of contributions */
	bool negative;          /* some row value below zero */
	uint32_t rules;         /* bit (1u << enum output_rule) per failing rule */
	bool suppressed;        /* masked: failing (primary) or to protect one (secondary) */
	bool secondary;
	bool excepted;     /* failing, published by exception of both checkers (release) */
	bool codes_hidden; /* a code could carry an identifier: name the cell by index only */
};

struct output_table {
	struct output_spec spec;
	struct output_cell *cells; /* sorted by codes */
	size_t ncells;
	uint64_t rows;        /* data rows read */
	uint64_t persons;     /* distinct persons in the table */
	uint32_t table_rules; /* identifier_column: the whole table */
	int identifier_by;    /* index into spec.by of the identifying variable, or -1 */
	bool codes_hidden;    /* every cell's codes hidden (identifier_column) */
	uint64_t error_counts[OUT_RULE_COUNT];
	/* Margins published with the table (count and sum only, output_suppress.c):
	 * with one grouping variable the grand total; with more, a total per
	 * category of the first variable ("row"), per combination of the others
	 * ("column"), and the grand total.  A margin is the sum of its cells. */
	struct output_margin *margins;
	size_t nmargins;
};

enum output_margin_kind { OUTPUT_MARGIN_ROW, OUTPUT_MARGIN_COLUMN, OUTPUT_MARGIN_GRAND };

struct output_margin {
	enum output_margin_kind kind;
	size_t *cells; /* indices of the cells it adds up */
	size_t ncells;
	size_t first; /* a cell of it, for its label */
	double value;
	bool suppressed; /* not published (it would give a masked cell away) */
};

/* ---- building ------------------------------------------------------------ */

struct output_builder;
/* The spec is copied.  Fails (ERR_INVALID) on a spec that output_spec_check refuses. */
struct output_builder *output_builder_new(const struct output_spec *spec, struct err *e)
    __attribute__((warn_unused_result));
/* Bytes of the CSV, in order, any split.  False (ERR_INVALID, naming line and
 * column, never a value) when the file cannot be tabulated: no header, a
 * grouping or value column missing, no person_id, an empty person_id, a value
 * that is not a number, a malformed record. */
bool output_builder_feed(struct output_builder *b, const char *p, size_t n, struct err *e)
    __attribute__((warn_unused_result));
/* Ends the input and hands over the table (unjudged). */
struct output_table *output_builder_finish(struct output_builder *b, struct err *e)
    __attribute__((warn_unused_result));
void output_builder_free(struct output_builder *b);
/* Bytes held by the builder now (for the memory-bound test). */
size_t output_builder_memory(const struct output_builder *b);

void output_table_free(struct output_table *t);

/* A finished table with its per-cell evidence (output_evidence.c): {"by",
 * "stat", "value", "cells": [{"cell": {var: code}, "value", "persons",
 * "largest": [...], "negative"}]}.  NULL with e set (ERR_INVALID naming the
 * member) otherwise.  The table is unjudged. */
struct output_table *output_evidence_parse(const json_t *j, struct err *e)
    __attribute__((warn_unused_result));

/* ---- judging --------------------------------------------------------------- */

/* Sets every cell's rules and the table's, and error_counts.  terms may be NULL
 * (then only person_id and the ratio decide identifier_column). */
void output_judge(struct output_table *t, const struct output_params *p,
                  const struct terms_body *terms);
/* True when no cell and not the table breaks a rule. */
bool output_passed(const struct output_table *t);
/* Is the cell's failure fully handled: suppressed, or each failing rule in the
 * bit set `excepted`? */
bool output_cell_cleared(const struct output_cell *c, uint32_t excepted);

/* Builds t's margins (count and sum; none for the other statistics, which do
 * not add up).  False only when out of memory. */
bool output_margins_build(struct output_table *t) __attribute__((warn_unused_result));
/* Masks failing cells and then secondary cells and, where no cell can protect a
 * masked one, margins (output_suppress.c).  False only when out of memory. */
bool output_suppress(struct output_table *t) __attribute__((warn_unused_result));
/* Could cell i (masked) be recomputed from the published cells and margins? */
bool output_recoverable(const struct output_table *t, size_t i);

/* ---- reporting --------------------------------------------------------------- */

/* {"verdict", "cells", "rows", "persons", "by", "stat", "value", "error_counts",
 * "errors": [{"rule", "cell": {var: code} | null, "index", "variable"?}],
 * "errors_truncated", "suppressed"} -- no statistic values. */
json_t *output_report_json(const struct output_table *t);
void output_report_text(FILE *out, const struct output_table *t);
/* The cell as {var: code}, or NULL when its codes are hidden. */
json_t *output_cell_json(const struct output_table *t, size_t i);
/* The table as CSV: the grouping variables, the statistic, `status` (safe,
 * suppressed, fail); masked values are empty; margins rows labelled "Total". */
bool output_table_write_csv(FILE *out, const struct output_table *t);
/* The published table as JSON: {"by", "stat", "value", "cells": [{"cell",
 * "value" | null, "status"}], "margins": [...]} */
json_t *output_table_json(const struct output_table *t);

#endif
