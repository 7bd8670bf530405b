/*
 * test_odrl: the ODRL 2.2 export of a version.  The export of 21/128 version 3 is
 * dumped and parsed back as JSON, then checked for what ODRL consumers rely on:
 * context, type, uid, parties, the purpose and deadline constraints, the delete
 * duty, the distribute prohibition and dc:replaces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "odrl.h"
#include "terms.h"

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

/* Dumps and re-parses, so the checks see the bytes a client would. */
static json_t *reparse(json_t *doc)
{
	char *s = json_dumps(doc, JSON_COMPACT);
	json_error_t je;
	json_t *out;

	assert_non_null(s);
	out = json_loads(s, 0, &je);
	free(s);
	assert_non_null(out);
	json_decref(doc);
	return out;
}

/* The constraint of list with this leftOperand, or NULL. */
static json_t *constraint(json_t *list, const char *left)
{
	size_t i;
	json_t *c;

	json_array_foreach(list, i, c)
	{
		if (strcmp(json_string_value(json_object_get(c, "leftOperand")), left) == 0)
			return c;
	}
	return NULL;
}

static void assert_deadline(json_t *c, const char *date)
{
	assert_non_null(c);
	assert_string_equal(json_string_value(json_object_get(c, "operator")), "lteq");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(c, "rightOperand"), "@value")), date);
}

static void test_agreement_21_128(void **state)
{
	struct terms_deliberation *d = load_shipped();
	struct err e = {0};
	json_t *doc = odrl_agreement(d, &d->versions[2], &e), *ctx, *perm, *duty, *prohib, *c;
	char uid[128];

	(void)state;
	if (doc == NULL)
		fail_msg("odrl: %s", e.message);
	doc = reparse(doc);

	ctx = json_object_get(doc, "@context");
	assert_true(json_is_array(ctx));
	assert_string_equal(json_string_value(json_array_get(ctx, 0)),
	                    "http://www.w3.org/ns/odrl.jsonld");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ctx, 1), "dc")),
	                    "http://purl.org/dc/terms/");
	assert_string_equal(json_string_value(json_object_get(doc, "@type")), "Agreement");
	odrl_uid("21/128", 3, uid, sizeof(uid));
	assert_string_equal(json_string_value(json_object_get(doc, "uid")), uid);
	assert_string_equal(uid, "urn:deliberd:deliberation:21-128:version:3");

	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(doc, "assigner"), "uid")),
	    "urn:deliberd:party:ksz");
	assert_non_null(
	    strstr(json_string_value(json_object_get(json_object_get(doc, "assigner"), "dc:title")),
	           "Crossroads Bank for Social Security"));
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(doc, "assignee"), "uid")),
	    "urn:deliberd:recipient:maastricht-sbe");

	perm = json_array_get(json_object_get(doc, "permission"), 0);
	assert_non_null(perm);
	assert_string_equal(json_string_value(json_object_get(perm, "action")), "use");
	c = constraint(json_object_get(perm, "constraint"), "purpose");
	assert_non_null(c);
	assert_string_equal(json_string_value(json_object_get(c, "rightOperand")), d->purpose);
	assert_deadline(constraint(json_object_get(perm, "constraint"), "dateTime"), "2031-01-31");

	duty = json_array_get(json_object_get(perm, "duty"), 0);
	assert_string_equal(json_string_value(json_object_get(duty, "action")), "delete");
	assert_deadline(constraint(json_object_get(duty, "constraint"), "dateTime"), "2031-01-31");

	prohib = json_object_get(doc, "prohibition");
	assert_int_equal(json_array_size(prohib), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(prohib, 0), "action")),
	                    "distribute");

	odrl_uid("21/128", 2, uid, sizeof(uid));
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(doc, "dc:replaces"), "@id")), uid);

	json_decref(doc);
	terms_free(d);
}

static void test_not_on_record(void **state)
{
	struct terms_deliberation *d = load_shipped();
	struct err e = {0};

	(void)state;
	assert_null(odrl_agreement(d, &d->versions[1], &e));
	assert_int_equal(e.kind, ERR_NOT_FOUND);
	assert_non_null(strstr(e.message, "no terms on record"));
	terms_free(d);
}

static const char two_versions[] =
    "deliberation = {\n"
    "  reference = \"1/2\"; title = \"T\"; purpose = \"P\";\n"
    "  recipients = ( { id = \"a\"; name = \"A\"; }, { id = \"b\"; name = \"B\"; } );\n"
    "  versions = (\n"
    "    { number = 1; decided_on = \"2020-01-01\"; in_force_from = \"2020-01-01\";\n"
    "      terms_on_record = true; terms = { retention_until = \"2025-06-30\";\n"
    "        recipients = [ \"a\", \"b\" ];\n"
    "        phases = ( { number = 1; destinations = [ \"secure_room\" ]; } );\n"
    "        groups = ( { code = \"g\"; } );\n"
    "        variables = (\n"
    "          { code = \"person_id\"; section = \"s\"; source = \"s\"; type = \"pseudonym\";\n"
    "            label = \"l\"; required = true; },\n"
    "          { code = \"reference_period\"; section = \"s\"; source = \"s\"; type = \"period\";\n"
    "            label = \"l\"; required = true; } ); }; },\n"
    "    { number = 2; decided_on = \"2021-01-01\"; in_force_from = \"2021-01-01\";\n"
    "      terms_on_record = true; terms = { retention_until = \"2026-06-30\";\n"
    "        recipients = [ \"a\" ];\n"
    "        phases = ( { number = 1; destinations = [ \"secure_room\" ]; } );\n"
    "        groups = ( { code = \"g\"; } );\n"
    "        variables = (\n"
    "          { code = \"person_id\"; section = \"s\"; source = \"s\"; type = \"pseudonym\";\n"
    "            label = \"l\"; required = true; },\n"
    "          { code = \"reference_period\"; section = \"s\"; source = \"s\"; type = \"period\";\n"
    "            label = \"l\"; required = true; } ); }; }\n"
    "  );\n"
    "};\n";

static void test_replaces_and_parties(void **state)
{
	struct err e = {0};
	struct terms_deliberation *d = terms_load_string(two_versions, "two.conf", &e);
	json_t *v1, *v2, *assignee;

	(void)state;
	if (d == NULL)
		fail_msg("two.conf: %s", e.message);
	v1 = reparse(odrl_agreement(d, &d->versions[0], &e));
	v2 = reparse(odrl_agreement(d, &d->versions[1], &e));

	/* the original replaces nothing; the amendment replaces the original */
	assert_null(json_object_get(v1, "dc:replaces"));
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(v2, "dc:replaces"), "@id")),
	    "urn:deliberd:deliberation:1-2:version:1");
	assert_string_equal(json_string_value(json_object_get(v2, "uid")),
	                    "urn:deliberd:deliberation:1-2:version:2");

	/* several recipients: an array of parties */
	assignee = json_object_get(v1, "assignee");
	assert_true(json_is_array(assignee));
	assert_int_equal(json_array_size(assignee), 2);
	assert_true(json_is_object(json_object_get(v2, "assignee")));

	/* no duties declared: no distribute prohibition is invented */
	assert_int_equal(json_array_size(json_object_get(v1, "prohibition")), 0);
	assert_deadline(
	    constraint(
	        json_object_get(json_array_get(json_object_get(v2, "permission"), 0), "constraint"),
	        "dateTime"),
	    "2026-06-30");

	json_decref(v1);
	json_decref(v2);
	terms_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_agreement_21_128),
	    cmocka_unit_test(test_not_on_record),
	    cmocka_unit_test(test_replaces_and_parties),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
