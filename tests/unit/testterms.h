/*
 * testterms: a small deliberation built in C for the validator's tests, so that
 * they depend neither on the deliberation-file parser nor on the shipped lists.
 *
 * Versions: 1 from 2021-07-06 (terms not on record), 2 from 2024-02-21 (on
 * record, retention until 2031-01-31).  Recipient "maastricht-sbe"; group "naric"
 * (phase 1 capped at 3 persons), group "foreign_born" (uncapped); phase 1 to
 * recipient_premises or secure_room, phase 2 to secure_room only.  Freed with
 * terms_free like any other deliberation.
 */
#ifndef TESTTERMS_H
#define TESTTERMS_H

#include <stdlib.h>
#include <string.h>

#include "terms.h"

static __attribute__((unused)) char **tt_strv(const char *const *src, size_t *n)
{
	size_t k = 0;
	while (src[k])
		k++;
	char **v = calloc(k ? k : 1, sizeof(char *));
	for (size_t i = 0; i < k; i++)
		v[i] = strdup(src[i]);
	*n = k;
	return v;
}

static __attribute__((unused)) struct terms_variable *tt_var(struct terms_body *b, const char *code,
                                                             enum terms_type type)
{
	struct terms_variable *v = &b->variables[b->nvariables++];
	memset(v, 0, sizeof(*v));
	v->code = strdup(code);
	v->section = strdup("person");
	v->source = strdup("ksz");
	v->label = strdup(code);
	v->type = type;
	return v;
}

static __attribute__((unused)) struct terms_deliberation *tt_build(void)
{
	struct terms_deliberation *d = calloc(1, sizeof(*d));
	d->reference = strdup("21/128");
	d->nversions = 2;
	d->versions = calloc(2, sizeof(struct terms_version));
	d->versions[0].number = 1;
	d->versions[0].in_force_from = 20210706;
	d->versions[0].on_record = false;
	d->versions[1].number = 2;
	d->versions[1].in_force_from = 20240221;
	d->versions[1].on_record = true;

	struct terms_body *b = &d->versions[1].body;
	b->retention_until = 20310131;
	static const char *const recips[] = {"maastricht-sbe", NULL};
	b->recipients = tt_strv(recips, &b->nrecipients);

	b->ngroups = 2;
	b->groups = calloc(2, sizeof(struct terms_group));
	b->groups[0].code = strdup("naric");
	b->groups[0].ncaps = 1;
	b->groups[0].caps = calloc(1, sizeof(struct terms_cap));
	b->groups[0].caps[0].phase = 1;
	b->groups[0].caps[0].persons = 3;
	b->groups[1].code = strdup("foreign_born");

	b->nphases = 2;
	b->phases = calloc(2, sizeof(struct terms_phase));
	static const char *const d1[] = {"recipient_premises", "secure_room", NULL};
	static const char *const d2[] = {"secure_room", NULL};
	b->phases[0].number = 1;
	b->phases[0].destinations = tt_strv(d1, &b->phases[0].ndestinations);
	b->phases[1].number = 2;
	b->phases[1].destinations = tt_strv(d2, &b->phases[1].ndestinations);

	b->variables = calloc(32, sizeof(struct terms_variable));
	struct terms_variable *v;
	v = tt_var(b, "person_id", TERMS_PSEUDONYM);
	v->required = true;
	v = tt_var(b, "reference_period", TERMS_PERIOD);
	v->required = true;
	v->min_month = 190001;
	v->not_future = true;
	v = tt_var(b, "age_class", TERMS_CLASS);
	static const char *const ages[] = {"A1", "A2", "A3", NULL};
	v->values = tt_strv(ages, &v->nvalues);
	v = tt_var(b, "sex", TERMS_CODE);
	static const char *const sexes[] = {"F", "M", "X", NULL};
	v->values = tt_strv(sexes, &v->nvalues);
	v = tt_var(b, "residence_district", TERMS_CODE);
	v->pattern = strdup("[0-9]{5}");
	v = tt_var(b, "entry_date", TERMS_YEAR_MONTH);
	v->min_month = 190001;
	v->not_future = true;
	v = tt_var(b, "qualification_year", TERMS_YEAR);
	v->min_month = 190001;
	v->not_future = true;
	v = tt_var(b, "activity_count", TERMS_INT);
	v->has_min = v->has_max = true;
	v->min = 0;
	v->max = 99;
	v = tt_var(b, "part_time_pct", TERMS_DECIMAL);
	v->has_min = v->has_max = true;
	v->min = 0;
	v->max = 100;
	v = tt_var(b, "wage_class", TERMS_AMOUNT_CLASS);
	static const char *const wages[] = {"1", "W1", "W2", "W3", NULL};
	v->values = tt_strv(wages, &v->nvalues);
	v = tt_var(b, "refugee", TERMS_YES_NO);
	v = tt_var(b, "qualification_name", TERMS_TEXT);
	v->max_length = 20;
	v = tt_var(b, "nace_code", TERMS_CODE);
	v->pattern = strdup("[0-9]{2}|[0-9]{2}\\.?[0-9]{1,3}");
	v = tt_var(b, "employer_id", TERMS_PSEUDONYM);
	return d;
}

/* The check parameters most tests use: naric, phase 1, 2025-06-15. */
static __attribute__((unused)) struct extract_params tt_params(void)
{
	struct extract_params p = {
	    .recipient = "maastricht-sbe",
	    .group = "naric",
	    .phase = 1,
	    .destination = "recipient_premises",
	    .date = 20250615,
	    .max_errors = 100,
	};
	return p;
}

#endif
