/*
 * cli_history: `deliberd history REF`, a deliberation's versions: number, decision
 * and entry into force, when recorded, its summary and how the retention deadline
 * changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_util.h"
#include "config.h"
#include "db.h"
#include "registry.h"

static const char history_usage[] =
    "usage: deliberd history REF [--format text|json] [--config FILE]\n\n"
    "Shows the versions of deliberation REF: number, decision and entry into\n"
    "force, when recorded, whether its terms are on record, its summary and\n"
    "how the retention deadline changed.\n";

enum { OPT_FORMAT = 1 };

static int cli_history(int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, OPT_FORMAT},
	                                     {NULL, 0, NULL, 0}};
	const char *arg[CLI_OPT_MAX] = {0}, *config_path;
	const struct cli_spec spec = {"history", history_usage, opts, false, arg};
	int first, rc = cli_util_parse(&spec, argc, argv, &config_path, &first);

	if (rc != CLI_CONTINUE)
		return rc;
	const char *format = arg[OPT_FORMAT] != NULL ? arg[OPT_FORMAT] : "text";
	if (strcmp(format, "json") != 0 && strcmp(format, "text") != 0) {
		fprintf(stderr, "deliberd history: --format must be text or json\n");
		return CLI_ERROR;
	}
	if (argc - first != 1) {
		fprintf(stderr, "deliberd history: give exactly one deliberation reference "
		                "(deliberd history --help)\n");
		return CLI_ERROR;
	}
	struct err e = {0};
	char ref[32];
	if (!registry_reference_parse(argv[first], ref, &e)) {
		fprintf(stderr, "deliberd history: %s\n", e.message);
		return CLI_ERROR;
	}
	struct config *cfg;
	PGconn *db = cli_util_open("history", config_path, &cfg);
	if (db == NULL)
		return CLI_ERROR;
	rc = CLI_ERROR;
	json_t *h = registry_get(db, ref, &e);
	if (h == NULL) {
		fprintf(stderr, "deliberd history: %s\n", e.message);
		goto out;
	}
	if (strcmp(format, "json") == 0) {
		char *s = json_dumps(h, JSON_INDENT(2));
		if (s != NULL)
			printf("%s\n", s);
		free(s);
	} else {
		printf("%s: %s\n", ref, json_string_value(json_object_get(h, "title")));
		size_t i;
		const json_t *v;
		const char *prev_until = NULL;
		json_array_foreach(json_object_get(h, "versions"), i, v)
		{
			bool rec = json_is_true(json_object_get(v, "terms_on_record"));
			const char *until =
			    json_string_value(json_object_get(v, "retention_until"));
			printf("version %lld: decided %s, in force from %s, recorded %s by %s\n",
			       (long long)json_integer_value(json_object_get(v, "version")),
			       json_string_value(json_object_get(v, "decided_on")),
			       json_string_value(json_object_get(v, "in_force_from")),
			       json_string_value(json_object_get(v, "recorded_at")),
			       json_string_value(json_object_get(v, "recorded_by")));
			const char *decided = json_string_value(json_object_get(v, "decided_by"));
			printf("  state %s; proposed by %s; %s %s\n",
			       json_string_value(json_object_get(v, "state")),
			       json_string_value(json_object_get(v, "proposed_by")),
			       decided == NULL ? "awaiting"
			       : strcmp(json_string_value(json_object_get(v, "state")),
			                "rejected") == 0
			           ? "rejected by"
			           : "approved by",
			       decided != NULL ? decided : "a second governance credential");
			const char *summary = json_string_value(json_object_get(v, "summary"));
			if (summary != NULL && summary[0] != '\0')
				printf("  %s\n", summary);
			if (!rec)
				printf("  terms not on record\n");
			else if (prev_until == NULL)
				printf("  terms on record; retention until %s\n", until);
			else if (strcmp(prev_until, until) != 0)
				printf("  terms on record; retention until %s (was %s)\n", until,
				       prev_until);
			else
				printf("  terms on record; retention until %s (unchanged)\n",
				       until);
			if (rec)
				prev_until = until;
		}
	}
	json_decref(h);
	rc = CLI_OK;
out:
	db_close(db);
	config_unref(cfg);
	return rc;
}

const struct cli_entry cli_history_entry = {"history", "show a deliberation's versions",
                                            cli_history};
