/*
 * cli_migrate: `deliberd migrate`.  Ends with "schema is current (N migrations)"
 * on stdout, which scripts rely on.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_util.h"
#include "config.h"
#include "db.h"
#include "migrate.h"
#include "store_privileges.h"

static void print_applied(const char *name, void *arg)
{
	(void)arg;
	printf("applied %s\n", name);
	fflush(stdout);
}

/* With database.migrate_conninfo set, the daemon's role (database.conninfo) gets
 * exactly its privileges on every table there now is.  False with a message. */
static bool migrate_grant(PGconn *owner, const struct config *c)
{
	struct err e = {0};
	struct store_role me = {0}, app = {0};
	PGconn *db = db_connect(c, &e);
	bool ok = db != NULL && store_privileges_whoami(db, &app, &e) &&
	          store_privileges_whoami(owner, &me, &e);
	db_close(db);
	if (!ok) {
		fprintf(stderr, "deliberd migrate: the daemon's role (database.conninfo): %s\n",
		        e.message);
		return false;
	}
	if (strcmp(me.name, app.name) == 0) {
		printf("database.conninfo connects as the owner %s: no privileges to grant\n",
		       me.name);
		return true;
	}
	if (!store_privileges_grant(owner, app.name, &e)) {
		fprintf(stderr, "deliberd migrate: granting to %s: %s\n", app.name, e.message);
		return false;
	}
	printf("privileges of %s: audit trail SELECT, INSERT; other tables SELECT, INSERT, "
	       "UPDATE, DELETE\n",
	       app.name);
	if (app.superuser || app.owned > 0)
		fprintf(stderr,
		        "deliberd migrate: warning: %s is %s: the append-only triggers do not "
		        "bind it (docs/security.md)\n",
		        app.name, app.superuser ? "a superuser" : "the owner of tables");
	return true;
}

static const char migrate_usage[] =
    "usage: deliberd migrate [--config FILE] [--migrations DIR]\n"
    "\n"
    "Applies the pending migrations of DIR (default: the configuration's\n"
    "database.migrations_dir, itself defaulting to the source tree's migrations/)\n"
    "in order, each in its own transaction.  Refuses (exit 2) if an applied migration\n"
    "was changed or removed.  Ends with \"schema is current (N migrations)\".\n";

enum { OPT_MIGRATIONS = 1 };

static int cli_migrate(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"migrations", required_argument, NULL, OPT_MIGRATIONS}, {NULL, 0, NULL, 0}};
	const char *arg[CLI_OPT_MAX] = {0};
	const struct cli_spec spec = {"migrate", migrate_usage, opts, false, arg};
	const char *config_path, *dir;
	int first, rc = cli_util_parse(&spec, argc, argv, &config_path, &first);

	if (rc != CLI_CONTINUE)
		return rc;
	if (first != argc) {
		fputs(migrate_usage, stderr);
		return CLI_ERROR;
	}
	dir = arg[OPT_MIGRATIONS];
	struct config *c = cli_util_config("migrate", config_path);
	if (c == NULL)
		return CLI_ERROR;
	if (dir == NULL)
		dir = c->migrations_dir != NULL && c->migrations_dir[0] != '\0'
		          ? c->migrations_dir
		          : migrate_default_dir();
	struct err ce = {0};
	PGconn *db = db_connect_owner(c, &ce);
	if (db == NULL)
		fprintf(stderr, "deliberd migrate: %s\n", ce.message);
	rc = CLI_ERROR;
	if (db != NULL) {
		struct err e = {0};
		int applied = 0, total = 0;
		if (migrate_apply(db, dir, print_applied, NULL, &applied, &total, &e)) {
			if (c->migrate_conninfo[0] == '\0' || migrate_grant(db, c)) {
				printf("schema is current (%d migration%s)\n", total,
				       total == 1 ? "" : "s");
				rc = CLI_OK;
			}
		} else {
			fprintf(stderr, "deliberd migrate: %s\n", e.message);
		}
	}
	db_close(db);
	config_unref(c);
	return rc;
}

const struct cli_entry cli_migrate_entry = {"migrate", "apply database migrations", cli_migrate};
