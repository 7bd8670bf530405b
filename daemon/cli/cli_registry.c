/*
 * cli_registry: `deliberd import`, `deliberd terms` and `deliberd history`, the
 * command-line face of the registry.  Exit 0 on success, 2 when it could not do it
 * (bad arguments, unreadable or refused file, no database); `terms` exits 1 when no
 * version was in force on the date.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_util.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "registry.h"

#define CLI_MAX_FILES 256

struct cli_opts {
	const char *config;
	const char *at;
	const char *format;
	const char *args[CLI_MAX_FILES];
	size_t nargs;
	bool help;
};

/* Parses --config F, --at D, --format F (also as --opt=value) and positionals;
 * allowed lists the options this subcommand takes. */
static bool parse_args(int argc, char **argv, const char *cmd, const char *allowed,
                       struct cli_opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			o->help = true;
			return true;
		}
		if (strcmp(a, "--") == 0) {
			for (i++; i < argc; i++) {
				if (o->nargs == CLI_MAX_FILES) {
					fprintf(stderr, "deliberd %s: too many arguments\n", cmd);
					return false;
				}
				o->args[o->nargs++] = argv[i];
			}
			break;
		}
		if (strncmp(a, "--", 2) != 0) {
			if (o->nargs == CLI_MAX_FILES) {
				fprintf(stderr, "deliberd %s: too many arguments\n", cmd);
				return false;
			}
			o->args[o->nargs++] = a;
			continue;
		}
		const char *name = a + 2, *eq = strchr(name, '='), *val;
		size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
		char key[32];
		if (len == 0 || len >= sizeof(key)) {
			fprintf(stderr, "deliberd %s: unknown option '%s'\n", cmd, a);
			return false;
		}
		memcpy(key, name, len);
		key[len] = '\0';
		const char *hit = strstr(allowed, key);
		if (hit == NULL || (hit != allowed && hit[-1] != ' ') ||
		    (hit[len] != '\0' && hit[len] != ' ')) {
			fprintf(stderr, "deliberd %s: unknown option '--%s'\n", cmd, key);
			return false;
		}
		if (eq != NULL) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			fprintf(stderr, "deliberd %s: option '--%s' needs a value\n", cmd, key);
			return false;
		}
		if (strcmp(key, "config") == 0)
			o->config = val;
		else if (strcmp(key, "at") == 0)
			o->at = val;
		else if (strcmp(key, "format") == 0)
			o->format = val;
	}
	return true;
}

/* Loads the configuration (or the defaults) and connects. */
static PGconn *cli_connect(const char *cmd, const char *config_path, struct config **cfg)
{
	struct err e = {0};
	*cfg = config_path != NULL ? config_load(config_path, &e) : config_default();
	if (*cfg == NULL) {
		fprintf(stderr, "deliberd %s: %s\n", cmd,
		        e.message[0] != '\0' ? e.message : "cannot load the configuration");
		return NULL;
	}
	PGconn *db = db_connect(*cfg, &e);
	if (db == NULL) {
		fprintf(stderr, "deliberd %s: %s\n", cmd, e.message);
		config_unref(*cfg);
		*cfg = NULL;
	}
	return db;
}

static void print_err(const char *cmd, const struct err *e)
{
	fprintf(stderr, "deliberd %s: %s\n", cmd, e->message);
}

/* One file, one transaction: prints what changed (or "unchanged"). */
static bool import_one(PGconn *db, const char *path, const char *actor)
{
	struct err e = {0};
	struct terms_deliberation *d = terms_load_file(path, &e);
	if (d == NULL) {
		fprintf(stderr, "deliberd import: %s\n", e.message);
		return false;
	}
	struct registry_result res;
	bool ok = registry_record(db, d, REGISTRY_IMPORT, actor, &res, &e);
	if (!ok) {
		fprintf(stderr, "deliberd import: %s: refused: %s\n", path, e.message);
	} else if (res.created) {
		printf("%s: %s: registered with versions %d to %d", path, d->reference,
		       res.first_new, res.last_new);
		if (res.recipients_added > 0)
			printf(", %d recipient(s) added", res.recipients_added);
		printf("\n");
	} else if (res.first_new > 0) {
		if (res.first_new == res.last_new)
			printf("%s: %s: amended: version %d recorded", path, d->reference,
			       res.first_new);
		else
			printf("%s: %s: amended: versions %d to %d recorded", path, d->reference,
			       res.first_new, res.last_new);
		if (res.recipients_added > 0)
			printf(", %d recipient(s) added", res.recipients_added);
		printf("\n");
	} else if (res.recipients_added > 0) {
		printf("%s: %s: versions unchanged, %d recipient(s) added\n", path, d->reference,
		       res.recipients_added);
	} else {
		printf("%s: %s: unchanged\n", path, d->reference);
	}
	if (ok && res.kept_recipients[0] != '\0')
		fprintf(stderr,
		        "deliberd import: %s: note: registered details kept for recipient %s "
		        "(the file differs; change them through the API)\n",
		        path, res.kept_recipients);
	terms_free(d);
	return ok;
}

static int cli_import(int argc, char **argv)
{
	struct cli_opts o;
	if (!parse_args(argc, argv, "import", "config", &o))
		return CLI_ERROR;
	if (o.help) {
		printf("usage: deliberd import [--config FILE] DELIBERATION-FILE...\n\n"
		       "Records deliberations and their versions in the registry.  Importing\n"
		       "the same file again changes nothing; a file that alters a recorded\n"
		       "version is refused with the differing fields named; new versions are\n"
		       "recorded as amendments.  Exit 0: done, 2: a file was refused or the\n"
		       "database is unavailable.\n");
		return CLI_OK;
	}
	if (o.nargs == 0) {
		fprintf(stderr, "deliberd import: no file given (deliberd import --help)\n");
		return CLI_ERROR;
	}
	struct config *cfg;
	PGconn *db = cli_connect("import", o.config, &cfg);
	if (db == NULL)
		return CLI_ERROR;
	char actor[CLI_UTIL_ACTOR_SIZE];
	cli_util_actor(actor, sizeof(actor));
	int rc = CLI_OK;
	for (size_t i = 0; i < o.nargs; i++)
		if (!import_one(db, o.args[i], actor))
			rc = CLI_ERROR;
	db_close(db);
	config_unref(cfg);
	return rc;
}

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

static int cli_terms(int argc, char **argv)
{
	struct cli_opts o;
	if (!parse_args(argc, argv, "terms", "config at format", &o))
		return CLI_ERROR;
	if (o.help) {
		printf("usage: deliberd terms REF [--at YYYY-MM-DD] [--format json|text|odrl] "
		       "[--config FILE]\n\n"
		       "Shows the version of deliberation REF (21/128 or 21-128) in force on the\n"
		       "date (default: today in Europe/Brussels) and its terms.  Exit 0: terms\n"
		       "shown; 1: no version was in force on that date (stdout says so: with\n"
		       "--format json an object with \"in_force\": false); 2: could not check\n"
		       "(bad arguments, unknown deliberation, no database).\n");
		return CLI_OK;
	}
	const char *format = o.format != NULL ? o.format : "text";
	if (strcmp(format, "json") != 0 && strcmp(format, "text") != 0 &&
	    strcmp(format, "odrl") != 0) {
		fprintf(stderr, "deliberd terms: --format must be json, text or odrl\n");
		return CLI_ERROR;
	}
	if (o.nargs != 1) {
		fprintf(stderr, "deliberd terms: give exactly one deliberation reference "
		                "(deliberd terms --help)\n");
		return CLI_ERROR;
	}
	struct err e = {0};
	char ref[32];
	int32_t date = 0;
	if (!registry_reference_parse(o.args[0], ref, &e)) {
		print_err("terms", &e);
		return CLI_ERROR;
	}
	if (o.at != NULL && !terms_date_parse(o.at, &date)) {
		fprintf(stderr, "deliberd terms: --at must be a date YYYY-MM-DD\n");
		return CLI_ERROR;
	}
	struct config *cfg;
	PGconn *db = cli_connect("terms", o.config, &cfg);
	if (db == NULL)
		return CLI_ERROR;
	int rc = CLI_ERROR;
	if (date == 0)
		date = clock_brussels_date(clock_now());
	json_t *t = strcmp(format, "odrl") == 0 ? registry_odrl(db, ref, date, &e)
	                                        : registry_terms(db, ref, date, &e);
	if (t == NULL) {
		print_err("terms", &e);
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

static int cli_history(int argc, char **argv)
{
	struct cli_opts o;
	if (!parse_args(argc, argv, "history", "config format", &o))
		return CLI_ERROR;
	if (o.help) {
		printf("usage: deliberd history REF [--format text|json] [--config FILE]\n\n"
		       "Shows the versions of deliberation REF: number, decision and entry into\n"
		       "force, when recorded, whether its terms are on record, its summary and\n"
		       "how the retention deadline changed.\n");
		return CLI_OK;
	}
	const char *format = o.format != NULL ? o.format : "text";
	if (strcmp(format, "json") != 0 && strcmp(format, "text") != 0) {
		fprintf(stderr, "deliberd history: --format must be text or json\n");
		return CLI_ERROR;
	}
	if (o.nargs != 1) {
		fprintf(stderr, "deliberd history: give exactly one deliberation reference "
		                "(deliberd history --help)\n");
		return CLI_ERROR;
	}
	struct err e = {0};
	char ref[32];
	if (!registry_reference_parse(o.args[0], ref, &e)) {
		print_err("history", &e);
		return CLI_ERROR;
	}
	struct config *cfg;
	PGconn *db = cli_connect("history", o.config, &cfg);
	if (db == NULL)
		return CLI_ERROR;
	int rc = CLI_ERROR;
	json_t *h = registry_get(db, ref, &e);
	if (h == NULL) {
		print_err("history", &e);
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

const struct cli_entry cli_import_entry = {"import", "import deliberation files into the registry",
                                           cli_import};
const struct cli_entry cli_terms_entry = {"terms", "show the terms in force on a date", cli_terms};
const struct cli_entry cli_history_entry = {"history", "show a deliberation's versions",
                                            cli_history};
