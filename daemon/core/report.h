/*
 * report: renders an extract report for machines (JSON, the contract's keys) and
 * for people (text).  Shared by `deliberd validate` and POST /v1/checks.  Reports
 * hold rule ids, lines, fields and column names, never a cell value.
 */
#ifndef DELIBERD_REPORT_H
#define DELIBERD_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "extract.h"

/* {"verdict", "rows", "persons", "sha256", "bytes", "error_counts" (non-zero
 * counts only), "errors" ([{"rule", "line", "column", "field"}], column and field
 * null when not about one), "errors_truncated", "deliberation", "version" (null
 * if none), "recipient", "group", "phase", "destination" (or null), "date"}.
 * NULL only when out of memory. */
json_t *report_to_json(const struct extract_report *r, const struct extract_params *p);
/* A few lines for a terminal; control characters in column names are escaped. */
void report_write_text(FILE *out, const struct extract_report *r, const struct extract_params *p);

#endif
