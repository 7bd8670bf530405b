/*
 * cli_import: `deliberd import`, deliberation files into the registry.  Exit 0 on
 * success, 2 when it could not do it (bad arguments, unreadable or refused file,
 * no database).
 */
#include <stdio.h>

#include "cli.h"
#include "cli_util.h"
#include "config.h"
#include "credential.h"
#include "db.h"
#include "registry.h"

static const char import_usage[] =
    "usage: deliberd import [--as NAME] [--config FILE] DELIBERATION-FILE...\n\n"
    "--as NAME proposes the new versions (a new deliberation: all of them) as the\n"
    "governance credential NAME: they count nowhere until a different governance\n"
    "credential approves them (deliberd approve REF --as OTHER).  Without --as the\n"
    "operator's import records them approved at once (bootstrap; audited as cli:USER).\n"
    "Records deliberations and their versions in the registry.  Importing\n"
    "the same file again changes nothing; a file that alters a recorded\n"
    "version is refused with the differing fields named; new versions are\n"
    "recorded as amendments.  Exit 0: done, 2: a file was refused or the\n"
    "database is unavailable.\n";

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
	static const struct option opts[] = {{"as", required_argument, NULL, 1},
	                                     {NULL, 0, NULL, 0}};
	const char *arg[CLI_OPT_MAX] = {0};
	const struct cli_spec spec = {"import", import_usage, opts, true, arg};
	const char *config_path;
	int first, rc = cli_util_parse(&spec, argc, argv, &config_path, &first);

	if (rc != CLI_CONTINUE)
		return rc;
	if (first == argc) {
		fprintf(stderr, "deliberd import: no file given (deliberd import --help)\n");
		return CLI_ERROR;
	}
	struct config *cfg;
	PGconn *db = cli_util_open("import", config_path, &cfg);
	if (db == NULL)
		return CLI_ERROR;
	char actor[CLI_UTIL_ACTOR_SIZE];
	cli_util_actor(actor, sizeof(actor));
	rc = CLI_OK;
	struct err e = {0};
	if (arg[1] != NULL && !credential_actor_by_name(db, arg[1], ROLE_GOVERNANCE, actor, &e)) {
		fprintf(stderr, "deliberd import: --as: %s\n", e.message);
		db_close(db);
		config_unref(cfg);
		return CLI_ERROR;
	}
	for (int i = first; i < argc; i++)
		if (!import_one(db, argv[i], actor))
			rc = CLI_ERROR;
	db_close(db);
	config_unref(cfg);
	return rc;
}

const struct cli_entry cli_import_entry = {"import", "import deliberation files into the registry",
                                           cli_import};
