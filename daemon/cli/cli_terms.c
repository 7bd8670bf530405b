/*
 * cli_terms: `deliberd terms REF`, the terms in force on a date.  Exit 0: terms
 * shown, 1: no version was in force on the date, 2: could not check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_util.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "registry.h"

static const char terms_usage[] =
    "usage: deliberd terms REF [--at YYYY-MM-DD] [--format json|text|odrl] "
    "[--config FILE]\n\n"
    "Shows the version of deliberation REF (21/128 or 21-128) in force on the\n"
    "date (default: today in Europe/Brussels) and its terms.  Exit 0: terms\n"
    "shown; 1: no version was in force on that date (stdout says so: with\n"
    "--format json an object with \"in_force\": false); 2: could not check\n"
    "(bad arguments, unknown deliberation, no database).\n";

static void print_list(const char *label, const json_t *a, const char *key)
{
	size_t i;
	const json_t *x;
	printf("%s", label);
	json_array_foreach(a, i, x)
	{
		const char *s = json_is_string(x) ? json_string_value(x)
		                                  : json_string_value(json_object_get(x, key));
		printf("%s%s", i > 0 ? ", " : "", s != NULL ? s : "?");
	}
	printf("\n");
}

/* The human-readable rendering of registry_terms. */
static void print_terms_text(const json_t *t)
{
	const char *s;
	printf("%s version %lld (decided %s, in force from %s)\n",
	       json_string_value(json_object_get(t, "reference")),
	       (long long)json_integer_value(json_object_get(t, "version")),
	       json_string_value(json_object_get(t, "decided_on")),
	       json_string_value(json_object_get(t, "in_force_from")));
	s = json_string_value(json_object_get(t, "summary"));
	if (s != NULL && s[0] != '\0')
		printf("summary: %s\n", s);
	if (!json_is_true(json_object_get(t, "terms_on_record"))) {
		printf("terms on record: no (the terms of this version are not known; a check "
		       "dated in its period fails with terms_unknown)\n");
		return;
	}
	printf("terms on record: yes\n");
	printf("retention until: %s (destruction due from the next day)\n",
	       json_string_value(json_object_get(t, "retention_until")));
	if (json_is_true(json_object_get(t, "retention_ended")))
		printf("retention ended: no terms are in force for new deliveries on this date\n");
	print_list("recipients: ", json_object_get(t, "recipients"), "id");

	size_t i, j;
	const json_t *g, *c;
	printf("groups:\n");
	json_array_foreach(json_object_get(t, "groups"), i, g)
	{
		printf("  %-16s population ~%lld", json_string_value(json_object_get(g, "code")),
		       (long long)json_integer_value(json_object_get(g, "population")));
		json_array_foreach(json_object_get(g, "caps"), j, c)
		{
			printf("; phase %lld cap %lld persons",
			       (long long)json_integer_value(json_object_get(c, "phase")),
			       (long long)json_integer_value(json_object_get(c, "persons")));
		}
		printf("\n");
	}
	printf("phases:\n");
	json_array_foreach(json_object_get(t, "phases"), i, g)
	{
		printf("  %lld ", (long long)json_integer_value(json_object_get(g, "number")));
		print_list("destinations: ", json_object_get(g, "destinations"), "");
	}
	const json_t *vars = json_object_get(t, "variables");
	printf("variables (%zu):\n", json_array_size(vars));
	/* Grouped by section, in the order sections first appear. */
	const char *sections[16];
	size_t nsections = 0;
	json_array_foreach(vars, i, g)
	{
		const char *sec = json_string_value(json_object_get(g, "section"));
		bool seen = false;
		for (j = 0; j < nsections; j++)
			seen = seen || (sec != NULL && strcmp(sections[j], sec) == 0);
		if (!seen && sec != NULL && nsections < 16)
			sections[nsections++] = sec;
	}
	for (j = 0; j < nsections; j++) {
		size_t count = 0;
		json_array_foreach(vars, i, g)
		{
			const char *sec = json_string_value(json_object_get(g, "section"));
			count += sec != NULL && strcmp(sec, sections[j]) == 0;
		}
		printf("  %s (%zu):\n", sections[j], count);
		json_array_foreach(vars, i, g)
		{
			const char *sec = json_string_value(json_object_get(g, "section"));
			if (sec == NULL || strcmp(sec, sections[j]) != 0)
				continue;
			printf("    %-40s %s\n", json_string_value(json_object_get(g, "code")),
			       json_string_value(json_object_get(g, "type")));
		}
	}
}

/* No version in force on the date is an answer, not a failure to check: stdout
 * says so too (a JSON object for json/odrl, the message for text). */
static void print_not_in_force(const char *format, const char *ref, int32_t date,
                               const struct err *e)
{
	if (strcmp(format, "text") == 0) {
		printf("%s\n", e->message);
		return;
	}
	char at[11];
	terms_date_format(date, at);
	json_t *o = json_pack("{s:s, s:s, s:b, s:s}", "reference", ref, "at", at, "in_force", 0,
	                      "message", e->message);
	char *s = o != NULL ? json_dumps(o, JSON_INDENT(2)) : NULL;
	if (s != NULL)
		printf("%s\n", s);
	free(s);
	json_decref(o);
}

enum { OPT_AT = 1, OPT_FORMAT };

static int cli_terms(int argc, char **argv)
{
	static const struct option opts[] = {{"at", required_argument, NULL, OPT_AT},
	                                     {"format", required_argument, NULL, OPT_FORMAT},
	                                     {NULL, 0, NULL, 0}};
	const char *arg[CLI_OPT_MAX] = {0}, *config_path;
	const struct cli_spec spec = {"terms", terms_usage, opts, false, arg};
	int first, rc = cli_util_parse(&spec, argc, argv, &config_path, &first);

	if (rc != CLI_CONTINUE)
		return rc;
	const char *format = arg[OPT_FORMAT] != NULL ? arg[OPT_FORMAT] : "text";
	if (strcmp(format, "json") != 0 && strcmp(format, "text") != 0 &&
	    strcmp(format, "odrl") != 0) {
		fprintf(stderr, "deliberd terms: --format must be json, text or odrl\n");
		return CLI_ERROR;
	}
	if (argc - first != 1) {
		fprintf(stderr, "deliberd terms: give exactly one deliberation reference "
		                "(deliberd terms --help)\n");
		return CLI_ERROR;
	}
	struct err e = {0};
	char ref[32];
	int32_t date = 0;
	if (!registry_reference_parse(argv[first], ref, &e)) {
		fprintf(stderr, "deliberd terms: %s\n", e.message);
		return CLI_ERROR;
	}
	if (arg[OPT_AT] != NULL && !terms_date_parse(arg[OPT_AT], &date)) {
		fprintf(stderr, "deliberd terms: --at must be a date YYYY-MM-DD\n");
		return CLI_ERROR;
	}
	struct config *cfg;
	PGconn *db = cli_util_open("terms", config_path, &cfg);
	if (db == NULL)
		return CLI_ERROR;
	rc = CLI_ERROR;
	if (date == 0)
		date = clock_brussels_date(clock_now());
	json_t *t = strcmp(format, "odrl") == 0 ? registry_odrl(db, ref, date, &e)
	                                        : registry_terms(db, ref, date, &e);
	if (t == NULL) {
		fprintf(stderr, "deliberd terms: %s\n", e.message);
		if (registry_err_not_in_force(&e)) {
			rc = CLI_FAILED;
			print_not_in_force(format, ref, date, &e);
		}
		goto out;
	}
	if (strcmp(format, "text") == 0) {
		print_terms_text(t);
	} else {
		char *s = json_dumps(t, JSON_INDENT(2));
		if (s != NULL)
			printf("%s\n", s);
		free(s);
	}
	json_decref(t);
	rc = CLI_OK;
out:
	db_close(db);
	config_unref(cfg);
	return rc;
}

const struct cli_entry cli_terms_entry = {"terms", "show the terms in force on a date", cli_terms};
