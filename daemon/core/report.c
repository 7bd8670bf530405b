/*
 * report: JSON and text renderings of an extract report (keys in report.h,
 * semantics in docs/validation.md).
 */
#include "report.h"

#include <inttypes.h>
#include <string.h>

#include "terms.h"

static bool any_error(const struct extract_report *r)
{
	for (int i = 0; i < RULE_COUNT; i++)
		if (r->error_counts[i])
			return true;
	return false;
}

static uint64_t total_errors(const struct extract_report *r)
{
	uint64_t n = 0;
	for (int i = 0; i < RULE_COUNT; i++)
		n += r->error_counts[i];
	return n;
}

/* json_string refuses invalid UTF-8; column names are checked before they are
 * stored, but never let a rendering fail over one. */
static json_t *string_or_null(const char *s)
{
	json_t *j = json_string(s);
	return j ? j : json_null();
}

json_t *report_to_json(const struct extract_report *r, const struct extract_params *p)
{
	char date[11] = "";
	json_t *counts = json_object();
	json_t *errors = json_array();
	if (!counts || !errors)
		goto fail;
	for (int i = 0; i < RULE_COUNT; i++)
		if (r->error_counts[i] &&
		    json_object_set_new(counts, extract_rule_name((enum extract_rule)i),
		                        json_integer((json_int_t)r->error_counts[i])))
			goto fail;
	for (size_t i = 0; i < r->nerrors; i++) {
		const struct extract_error *x = &r->errors[i];
		json_t *o = json_pack("{s:s, s:I, s:o, s:o}", "rule", extract_rule_name(x->rule),
		                      "line", (json_int_t)x->line, "column",
		                      x->column[0] ? string_or_null(x->column) : json_null(),
		                      "field", x->field ? json_integer(x->field) : json_null());
		if (!o || json_array_append_new(errors, o))
			goto fail;
	}
	if (p && p->date)
		terms_date_format(p->date, date);
	json_t *j =
	    json_pack("{s:s, s:I, s:I, s:s, s:I, s:o, s:o, s:b, s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
	              "verdict", any_error(r) ? "fail" : "pass", "rows", (json_int_t)r->rows,
	              "persons", (json_int_t)r->persons, "sha256", r->sha256, "bytes",
	              (json_int_t)r->bytes, "error_counts", counts, "errors", errors,
	              "errors_truncated", total_errors(r) > r->nerrors, "deliberation",
	              r->reference, "version", r->version ? json_integer(r->version) : json_null(),
	              "recipient", p && p->recipient ? string_or_null(p->recipient) : json_null(),
	              "group", p && p->group ? string_or_null(p->group) : json_null(), "phase",
	              p ? json_integer(p->phase) : json_null(), "destination",
	              p && p->destination ? string_or_null(p->destination) : json_null(), "date",
	              date[0] ? json_string(date) : json_null());
	/* Which checks relied on a provisional list or pattern: the variable codes. */
	json_t *prov = json_array();
	for (size_t i = 0; prov != NULL && i < r->nprovisional; i++)
		json_array_append_new(prov, json_string(r->provisional[i]));
	if (j != NULL && prov != NULL)
		json_object_set_new(j, "provisional_lists", prov);
	else
		json_decref(prov);
	return j;
fail:
	json_decref(counts);
	json_decref(errors);
	return NULL;
}

/* Column names are valid UTF-8 but may hold control characters. */
static void write_name(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
}

void report_write_text(FILE *out, const struct extract_report *r, const struct extract_params *p)
{
	char date[11] = "";
	if (p && p->date)
		terms_date_format(p->date, date);
	fprintf(out, "%s: %s\n", any_error(r) ? "FAIL" : "PASS",
	        any_error(r) ? "the extract breaks the terms" : "the extract meets the terms");
	fprintf(out, "deliberation %s", r->reference[0] ? r->reference : "?");
	if (r->version)
		fprintf(out, " version %d", r->version);
	else
		fputs(" (no version in force)", out);
	if (p)
		fprintf(out, ", recipient %s, group %s, phase %d, destination %s, date %s",
		        p->recipient ? p->recipient : "-", p->group ? p->group : "-", p->phase,
		        p->destination ? p->destination : "-", date[0] ? date : "-");
	fputc('\n', out);
	fprintf(out, "%" PRIu64 " rows, %" PRIu64 " persons, %" PRIu64 " bytes, sha256 %s\n",
	        r->rows, r->persons, r->bytes, r->sha256);
	if (!any_error(r))
		return;
	fputs("errors by rule:\n", out);
	for (int i = 0; i < RULE_COUNT; i++)
		if (r->error_counts[i])
			fprintf(out, "  %-24s %" PRIu64 "\n",
			        extract_rule_name((enum extract_rule)i), r->error_counts[i]);
	fprintf(out, "first %zu errors:\n", r->nerrors);
	for (size_t i = 0; i < r->nerrors; i++) {
		const struct extract_error *x = &r->errors[i];
		if (x->line)
			fprintf(out, "  line %" PRIu64, x->line);
		else
			fputs("  (check)", out);
		if (x->field)
			fprintf(out, ", field %" PRIu32, x->field);
		if (x->column[0]) {
			fputs(", column ", out);
			write_name(out, x->column);
		}
		fprintf(out, ": %s\n", extract_rule_name(x->rule));
	}
	uint64_t total = total_errors(r);
	if (total > r->nerrors)
		fprintf(out, "  ... and %" PRIu64 " more\n", total - r->nerrors);
}
