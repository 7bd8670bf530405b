/*
 * test_terms: the deliberation model and its file format.  Bad files are a table
 * of one-line mutations of a small valid file, each with the file:line and field
 * path its error must name; the shipped 21-128.conf is checked against the
 * deliberation (variables per section, groups, caps, retention, versions), and
 * the JSON form must round-trip byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "terms.h"
#include "terms_json.h"

static const char base[] =
    "deliberation = {\n"                                               /* 1 */
    "  reference = \"99/1\";\n"                                        /* 2 */
    "  title = \"Test\";\n"                                            /* 3 */
    "  purpose = \"testing\";\n"                                       /* 4 */
    "  duties = [ \"no_third_party_disclosure\" ];\n"                  /* 5 */
    "  recipients = ( { id = \"r1\"; name = \"Recipient one\"; } );\n" /* 6 */
    "  versions = (\n"                                                 /* 7 */
    "    { number = 1; decided_on = \"2020-01-01\"; in_force_from = \"2020-01-02\"; "
    "terms_on_record = false; },\n" /* 8 */
    "    { number = 2; decided_on = \"2021-01-01\"; in_force_from = \"2021-02-01\"; "
    "terms_on_record = true;\n"                                                        /* 9 */
    "      terms = {\n"                                                                /* 10 */
    "        retention_until = \"2030-12-31\";\n"                                      /* 11 */
    "        recipients = [ \"r1\" ];\n"                                               /* 12 */
    "        phases = ( { number = 1; destinations = [ \"recipient_premises\" ]; },\n" /* 13 */
    "                   { number = 2; destinations = [ \"secure_room\" ]; } );\n"      /* 14 */
    "        groups = ( { code = \"g1\"; population = 100; caps = ( { phase = 1; persons = "
    "10; } ); },\n"                              /* 15 */
    "                   { code = \"g2\"; } );\n" /* 16 */
    "        variables = (\n"                    /* 17 */
    "          { code = \"person_id\"; section = \"person\"; source = \"ksz\"; type = "
    "\"pseudonym\"; label = \"id\"; required = true; },\n" /* 18 */
    "          { code = \"reference_period\"; section = \"person\"; source = \"ksz\"; type = "
    "\"period\"; label = \"p\"; required = true; },\n" /* 19 */
    "          { code = \"age_class\"; section = \"person\"; source = \"ksz\"; type = \"class\"; "
    "label = \"a\"; values = [ \"B\", \"A\" ]; },\n" /* 20 */
    "          { code = \"nace\"; section = \"labour\"; source = \"ksz\"; type = \"code\"; label "
    "= \"n\"; pattern = \"[0-9]{2}\"; },\n" /* 21 */
    "          { code = \"pct\"; section = \"labour\"; source = \"ksz\"; type = \"decimal\"; "
    "label = \"x\"; min = 0.0; max = 100.0; },\n" /* 22 */
    "          { code = \"qual\"; section = \"naric\"; source = \"naric\"; type = \"text\"; "
    "label = \"t\"; max_length = 200; }\n" /* 23 */
    "        );\n"                         /* 24 */
    "      };\n"                           /* 25 */
    "    }\n"                              /* 26 */
    "  );\n"                               /* 27 */
    "};\n";                                /* 28 */

struct bad_case {
	const char *find;
	const char *replace;
	const char *message; /* must appear in the error message */
	const char *field;   /* the error's field, exactly; NULL: not checked */
};

static const struct bad_case bad_cases[] = {
    {"recipients = [ \"r1\" ];",
     "recipients = [ \"r1\" ]; output_checking = { dominance_k = 1.5; };",
     "dominance_k must be a share above 0 and at most 1", "versions[1].terms.output_checking"},
    {"recipients = [ \"r1\" ];", "recipients = [ \"r1\" ]; output_checking = { threshold = 0; };",
     "must be between 1 and 1000000", "versions[1].terms.output_checking.threshold"},
    {"recipients = [ \"r1\" ];", "recipients = [ \"r1\" ]; output_checking = { treshold = 5; };",
     "unknown key", "versions[1].terms.output_checking.treshold"},
    {"type = \"class\"", "type = \"clas\"",
     "t.conf:20: versions[1].terms.variables[2].type: unknown type \"clas\"",
     "versions[1].terms.variables[2].type"},
    {"label = \"n\";", "label = \"n\"; tpye = \"x\";",
     "t.conf:21: versions[1].terms.variables[3].tpye: unknown key",
     "versions[1].terms.variables[3].tpye"},
    {"population = 100;", "population = \"100\";",
     "t.conf:15: versions[1].terms.groups[0].population: expected an integer, found a string",
     "versions[1].terms.groups[0].population"},
    {"  title = \"Test\";\n", "", "t.conf:1: title: required key missing", "title"},
    {"code = \"nace\"", "code = \"age_class\"",
     "t.conf:21: versions[1].terms.variables[3].code: duplicate variable code \"age_class\"",
     "versions[1].terms.variables[3].code"},
    {"{ code = \"g2\"; }", "{ code = \"g1\"; }",
     "t.conf:16: versions[1].terms.groups[1].code: duplicate group code \"g1\"",
     "versions[1].terms.groups[1].code"},
    {"{ number = 2; decided_on", "{ number = 1; decided_on",
     "t.conf:9: versions[1].number: duplicate version number 1", "versions[1].number"},
    {"{ number = 1; decided_on", "{ number = 2; decided_on",
     "t.conf:8: versions[0].number: versions must be numbered 1, 2, 3...", "versions[0].number"},
    {"\"2030-12-31\"", "\"2030-02-30\"",
     "t.conf:11: versions[1].terms.retention_until: not a calendar date",
     "versions[1].terms.retention_until"},
    {"in_force_from = \"2020-01-02\"", "in_force_from = \"2019-12-31\"",
     "t.conf:8: versions[0].in_force_from: is before decided_on", "versions[0].in_force_from"},
    {"decided_on = \"2021-01-01\"; in_force_from = \"2021-02-01\"",
     "decided_on = \"2020-01-01\"; in_force_from = \"2020-01-02\"",
     "t.conf:9: versions[1].in_force_from: must be after the in_force_from of version 1",
     "versions[1].in_force_from"},
    {"terms_on_record = false; }", "terms_on_record = true; }",
     "t.conf:8: versions[0].terms: terms_on_record = true but there is no terms block",
     "versions[0].terms"},
    {"terms_on_record = true;", "terms_on_record = false;",
     "t.conf:10: versions[1].terms: a terms block on a version whose terms_on_record is not true",
     "versions[1].terms"},
    {"recipients = [ \"r1\" ];", "recipients = [ \"r2\" ];",
     "t.conf:12: versions[1].terms.recipients[0]: recipient \"r2\" is not defined",
     "versions[1].terms.recipients[0]"},
    {"phase = 1; persons = 10;", "phase = 3; persons = 10;",
     "t.conf:15: versions[1].terms.groups[0].caps[0].phase: phase 3 is not defined",
     "versions[1].terms.groups[0].caps[0].phase"},
    {"phase = 1; persons = 10; }", "phase = 1; persons = 10; }, { phase = 1; persons = 5; }",
     "t.conf:15: versions[1].terms.groups[0].caps[1].phase: a second cap for phase 1",
     "versions[1].terms.groups[0].caps[1].phase"},
    {"values = [ \"B\", \"A\" ];", "",
     "t.conf:20: versions[1].terms.variables[2]: a class needs a non-empty list of values",
     "versions[1].terms.variables[2]"},
    {"values = [ \"B\", \"A\" ];", "values = [ ];",
     "t.conf:20: versions[1].terms.variables[2].values: must have at least 1 entry",
     "versions[1].terms.variables[2].values"},
    {"pattern = \"[0-9]{2}\";", "",
     "t.conf:21: versions[1].terms.variables[3]: a code needs values, a pattern, or both",
     "versions[1].terms.variables[3]"},
    {"min = 0.0; max = 100.0;", "min = 100.0; max = 0.0;",
     "t.conf:22: versions[1].terms.variables[4].min: min is greater than max",
     "versions[1].terms.variables[4].min"},
    {"\"[0-9]{2}\"", "\"[0-9{2}\"",
     "t.conf:21: versions[1].terms.variables[3].pattern: invalid pattern at character 1: '[' "
     "without a closing ']'",
     "versions[1].terms.variables[3].pattern"},
    {"\"[0-9]{2}\"", "\"[0-9]{3,2}\"",
     "t.conf:21: versions[1].terms.variables[3].pattern: invalid pattern", NULL},
    {"\"[0-9]{2}\"", "\"(ab\"",
     "t.conf:21: versions[1].terms.variables[3].pattern: invalid "
     "pattern",
     NULL},
    {"\"[0-9]{2}\"", "\"*a\"", "quantifier without something to repeat", NULL},
    {"\"[0-9]{2}\"", "\"[9-0]\"", "range out of order", NULL},
    {"\"[0-9]{2}\"", "\"a|\"", "empty alternative", NULL},
    {"\"[0-9]{2}\"", "\"\\\\q\"", "unknown escape", NULL},
    {"[ \"B\", \"A\" ]", "[ \"B\", \"B\" ]",
     "t.conf:20: versions[1].terms.variables[2].values[1]: duplicate entry \"B\"",
     "versions[1].terms.variables[2].values[1]"},
    {"deliberation = {", "extra = 1;\ndeliberation = {", "t.conf:1: extra: unknown key", "extra"},
    {"duties = [ \"no_third_party_disclosure\" ];", "duties = \"x\";",
     "t.conf:5: duties: expected a list of strings", "duties"},
    {"\"no_third_party_disclosure\"", "\"no_third_party_disclosur\"",
     "t.conf:5: duties[0]: unknown duty \"no_third_party_disclosur\"", "duties[0]"},
    {"max_length = 200;", "max_length = 200; min = 1;",
     "t.conf:23: versions[1].terms.variables[5].min: does not apply to type text",
     "versions[1].terms.variables[5].min"},
    {"label = \"p\"; required = true;", "label = \"p\"; required = true; values = [ \"x\" ];",
     "t.conf:19: versions[1].terms.variables[1].values: does not apply to type period",
     "versions[1].terms.variables[1].values"},
    {"  title = \"Test\";", "  title = ;", "t.conf:3: syntax error", NULL},
    {"population = 100;", "population = 73000000000;", "t.conf:15: integer too large", NULL},
    {"population = 100;", "population = 100 \"x\";",
     "t.conf:15: syntax error: expected a setting name or '}'", NULL},
    {"max = 100.0;", "max = 100.;", "t.conf:22: malformed number", NULL},
    {"label = \"x\";", "label = \"x;", "t.conf:23: syntax error", NULL},
    {"  );\n};\n", "  );\n};\n\"unterminated\n", "t.conf:29: unterminated string", NULL},
    {"  );\n};\n", "  );\n};\n/* open\n", "t.conf:29: unterminated comment", NULL},
    {"population = 100;", "population = -1;",
     "t.conf:15: versions[1].terms.groups[0].population: must be between 0 and",
     "versions[1].terms.groups[0].population"},
    {"  title = \"Test\";\n", "  title = \"Test\";\n@include \"/etc/passwd\"\n",
     "t.conf:4: directives such as @include are not allowed", NULL},
    {"type = \"class\"; label = \"a\"; values = [ \"B\", \"A\" ]",
     "type = \"amount_class\"; label = \"a\"; values = [ \"1200\", \"A\" ]",
     "t.conf:20: versions[1].terms.variables[2].values: amount class \"1200\" is a plain number",
     "versions[1].terms.variables[2].values"},
    {"type = \"class\"; label = \"a\"; values = [ \"B\", \"A\" ]",
     "type = \"amount_class\"; label = \"a\"; values = [ \"2543.17\", \"A\" ]",
     "amount class \"2543.17\" is a plain number", NULL},
    {"\"pseudonym\"; label = \"id\"; required = true;", "\"pseudonym\"; label = \"id\";",
     "t.conf:18: versions[1].terms.variables[0]: person_id must have type pseudonym and "
     "required = true",
     "versions[1].terms.variables[0]"},
    {"\"2030-12-31\"", "\"2020-12-31\"",
     "t.conf:11: versions[1].terms.retention_until: ends before the version is in force",
     "versions[1].terms.retention_until"},
    {"\"99/1\"", "\"99-1\"", "t.conf:2: reference: must be like \"21/128\"", "reference"},
    {"[ \"secure_room\" ]", "[ \"secure_rooms\" ]",
     "t.conf:14: versions[1].terms.phases[1].destinations[0]: unknown destination "
     "\"secure_rooms\"",
     "versions[1].terms.phases[1].destinations[0]"},
    {"label = \"x\";", "label = \"\\xff\";",
     "t.conf:22: versions[1].terms.variables[4].label: not valid UTF-8",
     "versions[1].terms.variables[4].label"},
    {"{ number = 2; destinations", "{ number = 3; destinations",
     "t.conf:14: versions[1].terms.phases[1].number: phases must be numbered 1, 2, 3...",
     "versions[1].terms.phases[1].number"},
    {"recipients = ( { id = \"r1\"; name = \"Recipient one\"; } );",
     "recipients = ( { id = \"r1\"; name = \"Recipient one\"; }, { id = \"r1\"; name = \"x\"; "
     "} );",
     "t.conf:6: recipients[1].id: duplicate recipient id \"r1\"", "recipients[1].id"},
    {"required = true; },\n          { code = \"age_class\"",
     "required = true; },\n          { code = \"age_class\"; min_month = \"2000-13\"",
     "t.conf:20: versions[1].terms.variables[2].min_month: does not apply to type class",
     "versions[1].terms.variables[2].min_month"},
    {"type = \"period\"; label = \"p\"; required = true;",
     "type = \"period\"; label = \"p\"; required = true; min_month = \"2000-13\";",
     "t.conf:19: versions[1].terms.variables[1].min_month: not a month (YYYY-MM)",
     "versions[1].terms.variables[1].min_month"},
    {"required = true; },\n          { code = \"reference_period\"",
     "required = true; required = false; },\n          { code = \"reference_period\"",
     "t.conf:18: duplicate setting name", NULL},
    {"phases = ( { number = 1;", "phases = ( 1, { number = 1;",
     "t.conf:13: versions[1].terms.phases[0]: expected a group { }, found an integer",
     "versions[1].terms.phases[0]"},
};

static char *mutate(const char *find, const char *replace)
{
	const char *at = strstr(base, find);
	size_t n;
	char *out;

	if (at == NULL)
		return NULL;
	n = strlen(base) - strlen(find) + strlen(replace) + 1;
	out = malloc(n);
	assert_non_null(out);
	snprintf(out, n, "%.*s%s%s", (int)(at - base), base, replace, at + strlen(find));
	return out;
}

static void test_base_loads(void **state)
{
	struct err e = {0};
	struct terms_deliberation *d = terms_load_string(base, "t.conf", &e);
	const struct terms_variable *v;

	(void)state;
	if (d == NULL)
		fail_msg("base: %s", e.message);
	assert_int_equal(d->nversions, 2);
	assert_false(d->versions[0].on_record);
	assert_true(d->versions[1].on_record);
	v = terms_find_variable(&d->versions[1].body, "age_class");
	assert_non_null(v);
	/* values are kept sorted */
	assert_int_equal(v->nvalues, 2);
	assert_string_equal(v->values[0], "A");
	assert_string_equal(v->values[1], "B");
	assert_true(terms_value_listed(v, "A"));
	assert_false(terms_value_listed(v, "C"));
	v = terms_find_variable(&d->versions[1].body, "qual");
	assert_int_equal(v->max_length, 200);
	assert_string_equal(d->chamber, "");
	assert_string_equal(d->recipients[0].organisation, "");
	terms_free(d);
}

static void test_bad_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct err e = {0};
		struct terms_deliberation *d;
		char *text;

		text = mutate(c->find, c->replace);
		if (text == NULL)
			fail_msg("case %zu: \"%s\" not in the base file", i, c->find);
		d = terms_load_string(text, "t.conf", &e);
		free(text);
		if (d != NULL) {
			terms_free(d);
			fail_msg("case %zu: loaded, expected \"%s\"", i, c->message);
		}
		assert_int_equal(e.kind, ERR_INVALID);
		if (strstr(e.message, c->message) == NULL)
			fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, e.message, c->message);
		if (c->field != NULL && strcmp(e.field, c->field) != 0)
			fail_msg("case %zu: field \"%s\", expected \"%s\"", i, e.field, c->field);
	}
}

static void test_bounds(void **state)
{
	struct err e = {0};
	size_t n = TERMS_MAX_BYTES + 10;
	char *big = malloc(n + 1);

	(void)state;
	assert_non_null(big);
	memset(big, '#', n);
	big[n] = '\0';
	assert_null(terms_load_string(big, "big.conf", &e));
	assert_int_equal(e.kind, ERR_TOO_LARGE);
	free(big);

	err_clear(&e);
	assert_null(terms_load_string("", "empty.conf", &e));
	assert_string_equal(e.message, "empty.conf: deliberation: required key missing");

	err_clear(&e);
	assert_null(terms_load_file("/nonexistent/x.conf", &e));
	assert_int_equal(e.kind, ERR_NOT_FOUND);
}

static void test_dates(void **state)
{
	static const struct {
		const char *s;
		int32_t want; /* 0: invalid */
	} cases[] = {
	    {"2024-02-29", 20240229},
	    {"2023-02-29", 0},
	    {"1900-02-29", 0},
	    {"2000-02-29", 20000229},
	    {"2031-01-31", 20310131},
	    {"2031-04-31", 0},
	    {"2031-1-31", 0},
	    {"2031-01-31x", 0},
	    {"0000-01-01", 0},
	    {"2031-13-01", 0},
	    {"2031-00-10", 0},
	    {"abcd-01-01", 0},
	    {"", 0},
	};
	char buf[11], m[8];
	int32_t got;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = 0;
		assert_int_equal(terms_date_parse(cases[i].s, &got), cases[i].want != 0);
		if (cases[i].want != 0) {
			assert_int_equal(got, cases[i].want);
			terms_date_format(got, buf);
			assert_string_equal(buf, cases[i].s);
		}
	}
	assert_true(terms_month_parse("1900-01", &got));
	assert_int_equal(got, 190001);
	terms_month_format(got, m);
	assert_string_equal(m, "1900-01");
	assert_false(terms_month_parse("1900-13", &got));
	assert_false(terms_month_parse("1900-1", &got));
}

static void test_types(void **state)
{
	enum terms_type t;

	(void)state;
	for (int i = 0; i < TERMS_TYPE_COUNT; i++) {
		assert_true(terms_type_parse(terms_type_name((enum terms_type)i), &t));
		assert_int_equal(t, i);
	}
	assert_false(terms_type_parse("clas", &t));
	assert_string_equal(terms_type_name(TERMS_AMOUNT_CLASS), "amount_class");
}

static struct terms_deliberation *load_shipped(void)
{
	const char *dir = getenv("DELIBERD_SOURCE_DIR");
	char path[1024];
	struct err e = {0};
	struct terms_deliberation *d;

	snprintf(path, sizeof(path), "%s/conf/deliberations/21-128.conf",
	         dir != NULL ? dir : DELIBERD_SOURCE_DIR);
	d = terms_load_file(path, &e);
	if (d == NULL)
		fail_msg("21-128.conf: %s", e.message);
	return d;
}

static void test_shipped(void **state)
{
	struct terms_deliberation *d = load_shipped();
	const struct terms_version *v3;
	const struct terms_body *b;
	size_t person = 0, labour = 0, education = 0, naric = 0, provisional = 0;
	const char *codes[] = {"naric", "flemish_diploma", "foreign_born"};

	(void)state;
	assert_string_equal(d->reference, "21/128");
	assert_int_equal(d->nversions, 3);
	assert_int_equal(d->versions[0].decided_on, 20210706);
	assert_int_equal(d->versions[0].in_force_from, 20210706);
	assert_int_equal(d->versions[1].decided_on, 20240206);
	assert_int_equal(d->versions[1].in_force_from, 20240221);
	assert_int_equal(d->versions[2].decided_on, 20251104);
	assert_int_equal(d->versions[2].in_force_from, 20251120);
	assert_false(d->versions[0].on_record);
	assert_false(d->versions[1].on_record);
	assert_true(d->versions[2].on_record);
	assert_int_equal(strlen(d->versions[2].source_sha256), 64);
	assert_int_equal(d->nduties, 3);

	/* version_at */
	assert_null(terms_version_at(d, 20210101));
	assert_ptr_equal(terms_version_at(d, 20210706), &d->versions[0]);
	assert_ptr_equal(terms_version_at(d, 20240601), &d->versions[1]);
	assert_false(terms_version_at(d, 20240601)->on_record);
	assert_ptr_equal(terms_version_at(d, 20251119), &d->versions[1]);
	assert_ptr_equal(terms_version_at(d, 20251120), &d->versions[2]);
	assert_ptr_equal(terms_version_at(d, 20251201), &d->versions[2]);
	assert_ptr_equal(terms_find_version(d, 2), &d->versions[1]);
	assert_null(terms_find_version(d, 4));

	v3 = &d->versions[2];
	b = &v3->body;
	assert_int_equal(b->retention_until, 20310131);
	assert_int_equal(b->nrecipients, 1);
	assert_true(terms_has_recipient(b, "maastricht-sbe"));
	assert_false(terms_has_recipient(b, "maastricht"));
	assert_non_null(terms_find_recipient(d, "maastricht-sbe"));

	assert_int_equal(b->nvariables, 76);
	for (size_t i = 0; i < b->nvariables; i++) {
		const char *s = b->variables[i].section;
		person += strcmp(s, "person") == 0;
		labour += strcmp(s, "labour") == 0;
		education += strcmp(s, "education") == 0;
		naric += strcmp(s, "naric") == 0;
		provisional += b->variables[i].provisional;
		/* an amount class code is never a plain number */
		if (b->variables[i].type == TERMS_AMOUNT_CLASS)
			for (size_t k = 0; k < b->variables[i].nvalues; k++) {
				char *end;
				strtod(b->variables[i].values[k], &end);
				assert_true(*end != '\0');
			}
	}
	assert_int_equal(person, 17);
	assert_int_equal(labour, 28);
	assert_int_equal(education, 16);
	assert_int_equal(naric, 15);
	assert_true(provisional > 0);
	assert_string_equal(b->variables[0].code, "person_id");
	assert_true(b->variables[0].required);
	assert_string_equal(b->variables[1].code, "reference_period");
	assert_true(b->variables[1].required);
	assert_string_equal(b->variables[75].code, "naric_decision_type");
	assert_false(terms_find_variable(b, "age_class")->required);
	assert_true(terms_find_variable(b, "age_class")->provisional);
	assert_false(terms_find_variable(b, "residence_district")->provisional);
	assert_int_equal(terms_find_variable(b, "residence_district")->nvalues, 44);
	assert_true(terms_value_listed(terms_find_variable(b, "residence_district"), "21000"));
	assert_non_null(terms_find_variable(b, "nace_code")->pattern);
	assert_int_equal(terms_find_variable(b, "part_time_pct")->max, 100.0);
	assert_true(terms_find_variable(b, "naric_qualification_year")->not_future);
	assert_int_equal(terms_find_variable(b, "naric_qualification_year")->min_month, 190001);
	assert_int_equal(terms_find_variable(b, "naric_qualification_name")->max_length, 200);
	assert_null(terms_find_variable(b, "national_number"));

	assert_int_equal(b->ngroups, 3);
	for (size_t i = 0; i < 3; i++) {
		const struct terms_group *g = terms_find_group(b, codes[i]);
		assert_non_null(g);
		assert_int_equal(terms_cap(g, 1), 20000);
		assert_int_equal(terms_cap(g, 2), -1);
	}
	assert_int_equal(terms_find_group(b, "naric")->population, 14800);
	assert_int_equal(terms_find_group(b, "flemish_diploma")->population, 7300000);
	assert_int_equal(terms_find_group(b, "foreign_born")->population, 2200000);
	assert_null(terms_find_group(b, "nobody"));

	assert_int_equal(b->nphases, 2);
	assert_true(terms_phase_allows(terms_find_phase(b, 1), "recipient_premises"));
	assert_true(terms_phase_allows(terms_find_phase(b, 1), "secure_room"));
	assert_false(terms_phase_allows(terms_find_phase(b, 2), "recipient_premises"));
	assert_true(terms_phase_allows(terms_find_phase(b, 2), "secure_room"));
	assert_null(terms_find_phase(b, 3));
	terms_free(d);
}

static void test_json_round_trip(void **state)
{
	struct terms_deliberation *d = load_shipped(), *d2;
	struct err e = {0};
	json_t *j = terms_json_deliberation(d), *j2, *v3, *age;
	char *s1, *s2;

	(void)state;
	assert_non_null(j);
	s1 = terms_json_canonical(j);
	assert_non_null(s1);
	d2 = terms_json_parse(j, &e);
	if (d2 == NULL)
		fail_msg("parse: %s", e.message);
	j2 = terms_json_deliberation(d2);
	s2 = terms_json_canonical(j2);
	assert_string_equal(s1, s2);

	/* the version record carries terms_on_record and provisional flags */
	v3 = terms_json_version(d2, &d2->versions[2]);
	assert_true(json_is_true(json_object_get(v3, "terms_on_record")));
	age = json_array_get(json_object_get(json_object_get(v3, "terms"), "variables"), 2);
	assert_string_equal(json_string_value(json_object_get(age, "code")), "age_class");
	assert_true(json_is_true(json_object_get(age, "provisional")));
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(v3, "terms"), "retention_until")),
	    "2031-01-31");
	/* output_checking survives the round trip (the registry keeps terms as JSON) */
	const struct terms_output_checking *oc = &d2->versions[2].body.output_checking;
	assert_true(oc->set);
	assert_int_equal(oc->threshold, 10);
	assert_int_equal(oc->dominance_n, 2);
	assert_true(oc->dominance_k == 0.9 && oc->p_percent == 10.0 && oc->identifier_ratio == 0.8);
	assert_int_equal(
	    json_integer_value(json_object_get(
	        json_object_get(json_object_get(v3, "terms"), "output_checking"), "threshold")),
	    10);
	json_decref(v3);
	v3 = terms_json_version(d2, &d2->versions[0]);
	assert_true(json_is_false(json_object_get(v3, "terms_on_record")));
	assert_null(json_object_get(v3, "terms"));
	json_decref(v3);

	free(s1);
	free(s2);
	json_decref(j);
	json_decref(j2);
	terms_free(d);
	terms_free(d2);
}

static void test_json_version_canonical(void **state)
{
	struct terms_deliberation *d = load_shipped();
	json_t *a = terms_json_version(d, &d->versions[2]),
	       *b = terms_json_version(d, &d->versions[2]);
	char *sa = terms_json_canonical(a), *sb = terms_json_canonical(b);

	(void)state;
	assert_string_equal(sa, sb);
	/* canonical: compact, sorted keys */
	assert_null(strchr(sa, '\n'));
	assert_non_null(strstr(sa, ",\"number\":3,"));
	assert_true(strncmp(sa, "{\"decided_on\":\"2025-11-04\",\"in_force_from\"", 42) == 0);
	free(sa);
	free(sb);
	json_decref(a);
	json_decref(b);
	terms_free(d);
}

static void test_json_errors(void **state)
{
	static const struct {
		const char *json;
		const char *message;
		const char *field;
	} cases[] = {
	    {"[]", "a deliberation must be a JSON object", ""},
	    {"{\"reference\":\"1/2\",\"title\":\"t\",\"purpose\":\"p\",\"recipients\":[{\"id\":"
	     "\"r\",\"name\":\"n\"}],\"versions\":[{\"number\":1,\"decided_on\":\"2020-01-01\","
	     "\"in_force_from\":\"2020-01-01\",\"bogus\":1}]}",
	     "versions[0].bogus: unknown key", "versions[0].bogus"},
	    {"{\"reference\":null}", "reference: null is not allowed", "reference"},
	    {"{\"reference\":\"1/2\",\"title\":\"t\",\"purpose\":\"p\",\"recipients\":[{\"id\":"
	     "\"r\",\"name\":\"n\"}],\"versions\":[{\"number\":1,\"decided_on\":\"2020-01-01\","
	     "\"in_force_from\":\"2020-01-01\",\"reference\":\"1/3\"}]}",
	     "versions[0].reference: does not match", "versions[0].reference"},
	    {"{\"reference\":\"1/2\",\"title\":\"t\",\"purpose\":\"p\",\"recipients\":[{\"id\":"
	     "\"r\",\"name\":\"n\"}],\"versions\":[{\"number\":1,\"decided_on\":\"2020-01-01\","
	     "\"in_force_from\":1}]}",
	     "versions[0].in_force_from: expected a string, found an integer",
	     "versions[0].in_force_from"},
	    {"{\"a b\":1}", "unknown key", NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_error_t je;
		json_t *j = json_loads(cases[i].json, 0, &je);
		struct err e = {0};
		struct terms_deliberation *d;

		if (j == NULL)
			fail_msg("case %zu: bad JSON in the test: %s", i, je.text);
		d = terms_json_parse(j, &e);
		json_decref(j);
		if (d != NULL) {
			terms_free(d);
			fail_msg("case %zu: parsed", i);
		}
		if (strstr(e.message, cases[i].message) == NULL)
			fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, e.message,
			         cases[i].message);
		if (cases[i].field != NULL)
			assert_string_equal(e.field, cases[i].field);
	}
}

/* The one recipient-id rule and the one reference parser every module uses. */
static void test_ids_and_references(void **state)
{
	(void)state;
	static const struct {
		const char *id;
		bool ok;
	} ids[] = {
	    {"maastricht-sbe", true},
	    {"a", true},
	    {"0lab", true},
	    {"a.b_c-d", true},
	    {"UM.Upper", false},
	    {"Upper", false},
	    {"-x", false},
	    {".x", false},
	    {"_x", false},
	    {"a b", false},
	    {"", false},
	    {"a/b", false},
	    {"caf\xc3\xa9", false},
	};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (terms_id_valid(ids[i].id) != ids[i].ok)
			fail_msg("id case %zu: wanted %d", i, ids[i].ok);
	assert_false(terms_id_valid(NULL));
	char id[TERMS_ID_MAX + 2];
	memset(id, 'a', TERMS_ID_MAX);
	id[TERMS_ID_MAX] = '\0';
	assert_true(terms_id_valid(id));
	id[TERMS_ID_MAX] = 'a';
	id[TERMS_ID_MAX + 1] = '\0';
	assert_false(terms_id_valid(id));

	static const struct {
		const char *in, *out;
	} refs[] = {
	    {"21/128", "21/128"}, {"21-128", "21/128"},
	    {"2021-1", "2021/1"}, {"1234/123456", "1234/123456"},
	    {"21", NULL},         {"21/", NULL},
	    {"/128", NULL},       {"21/12a", NULL},
	    {"21/1/2", NULL},     {"21-128-1", NULL},
	    {"", NULL},           {"12345/1", NULL},
	    {"1/1234567", NULL},  {" 21/128", NULL},
	    {"21_128", NULL},
	};
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		char out[TERMS_REFERENCE_SIZE];
		struct err e = {0};
		bool ok = terms_reference_parse(refs[i].in, "deliberation", out, &e);
		if (refs[i].out == NULL) {
			if (ok)
				fail_msg("reference case %zu parsed", i);
			assert_int_equal(e.kind, ERR_INVALID);
			assert_string_equal(e.field, "deliberation");
		} else {
			if (!ok)
				fail_msg("reference case %zu: %s", i, e.message);
			assert_string_equal(out, refs[i].out);
		}
	}
	struct err e = {0};
	char out[TERMS_REFERENCE_SIZE];
	assert_false(terms_reference_parse(NULL, "reference", out, &e));
	assert_string_equal(e.field, "reference");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base_loads),      cmocka_unit_test(test_bad_files),
	    cmocka_unit_test(test_bounds),          cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_types),           cmocka_unit_test(test_shipped),
	    cmocka_unit_test(test_json_round_trip), cmocka_unit_test(test_json_version_canonical),
	    cmocka_unit_test(test_json_errors),     cmocka_unit_test(test_ids_and_references),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
