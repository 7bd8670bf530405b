/*
 * extract_report: the rules' ids and a validation report once made: freeing it and
 * adding an error in file order (extract_report_add, for checks that find more
 * after the validator is done, such as the sample caps across deliveries).
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "extract.h"

static const char *const rule_names[RULE_COUNT] = {
    [RULE_ENCODING] = "encoding",
    [RULE_MALFORMED_CSV] = "malformed_csv",
    [RULE_ROW_WIDTH] = "row_width",
    [RULE_UNKNOWN_COLUMN] = "unknown_column",
    [RULE_DUPLICATE_COLUMN] = "duplicate_column",
    [RULE_MISSING_REQUIRED] = "missing_required",
    [RULE_TYPE] = "type",
    [RULE_DAY_PRECISION_DATE] = "day_precision_date",
    [RULE_UNCLASSED_AMOUNT] = "unclassed_amount",
    [RULE_NOT_IN_CODE_LIST] = "not_in_code_list",
    [RULE_OUT_OF_RANGE] = "out_of_range",
    [RULE_NATIONAL_NUMBER] = "national_number",
    [RULE_SAMPLE_CAP] = "sample_cap",
    [RULE_NOT_AUTHORISED] = "not_authorised",
    [RULE_OUTSIDE_VALIDITY] = "outside_validity",
    [RULE_DESTINATION_NOT_ALLOWED] = "destination_not_allowed",
    [RULE_TERMS_UNKNOWN] = "terms_unknown",
    [RULE_ENTERPRISE_NUMBER] = "enterprise_number",
    [RULE_IBAN] = "iban",
    [RULE_EMAIL_ADDRESS] = "email_address",
    [RULE_PHONE_NUMBER] = "phone_number",
    [RULE_FULL_DATE] = "full_date",
};

const char *extract_rule_name(enum extract_rule r)
{
	return (unsigned)r < RULE_COUNT ? rule_names[r] : "unknown";
}

void extract_report_free(struct extract_report *r)
{
	if (!r)
		return;
	free(r->errors);
	r->errors = NULL;
	r->nerrors = 0;
	free(r->provisional);
	r->provisional = NULL;
	r->nprovisional = 0;
}

/* File order: check-level errors (line 0) first, in the contract's table order
 * (the rule enum's), then by line, then by field; equal keys keep their order. */
static bool error_before(const struct extract_error *a, enum extract_rule rule, uint64_t line,
                         uint32_t field)
{
	if (a->line != line)
		return a->line < line;
	return line == 0 ? a->rule <= rule : a->field <= field;
}

void extract_report_add(struct extract_report *r, enum extract_rule rule, uint64_t line,
                        uint32_t field, const char *column)
{
	if ((unsigned)rule >= RULE_COUNT)
		return;
	r->error_counts[rule]++;
	r->passed = false;
	size_t max = r->max_errors ? r->max_errors : 100;
	if (r->nerrors > max) /* never made so: keep the invariant nerrors <= max */
		r->nerrors = max;
	size_t at = r->nerrors;
	while (at > 0 && !error_before(&r->errors[at - 1], rule, line, field))
		at--;
	if (at >= max)
		return;
	size_t n = r->nerrors < max ? r->nerrors + 1 : max;
	struct extract_error *e = realloc(r->errors, n * sizeof(*e));
	if (!e)
		return;
	r->errors = e;
	memmove(&e[at + 1], &e[at], (n - 1 - at) * sizeof(*e));
	e[at].rule = rule;
	e[at].line = line;
	e[at].field = field;
	snprintf(e[at].column, sizeof(e[at].column), "%s", column ? column : "");
	r->nerrors = n;
}
