/*
 * cli_admin: `deliberd migrate`, `deliberd credential add|revoke|list` and
 * `deliberd audit verify|list`.  Output conventions that scripts rely on:
 * `credential add` prints the token alone on stdout (one line) and its note on
 * stderr; `migrate` ends with "schema is current (N migrations)" on stdout;
 * `audit verify` prints "audit trail intact: N events" (exit 0) or
 * "audit trail broken at seq N: reason" (exit 1) on stdout.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "audit.h"
#include "cli.h"
#include "cli_util.h"
#include "config.h"
#include "credential.h"
#include "db.h"
#include "log.h"
#include "migrate.h"

#define AUDIT_LIST_DEFAULT 100
#define AUDIT_LIST_MAX 10000

/* Loads --config or the built-in defaults, and quiets info logs on the CLI. */
static struct config *load_config(const char *cmd, const char *path)
{
	struct err e = {0};
	struct config *c = path != NULL ? config_load(path, &e) : config_default();

	log_setup(LOG_LEVEL_WARN, LOG_FORMAT_TEXT);
	if (c == NULL)
		fprintf(stderr, "deliberd %s: %s\n", cmd,
		        e.message[0] != '\0' ? e.message : "cannot load the configuration");
	return c;
}

static PGconn *connect_or_say(const char *cmd, const struct config *c)
{
	struct err e = {0};
	PGconn *db = db_connect(c, &e);
	if (db == NULL)
		fprintf(stderr, "deliberd %s: %s\n", cmd, e.message);
	return db;
}

static bool parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end = NULL;
	long long v;

	if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || *s == ' ')
		return false;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* ---- migrate ---------------------------------------------------------------------- */

static void print_applied(const char *name, void *arg)
{
	(void)arg;
	printf("applied %s\n", name);
	fflush(stdout);
}

static const char migrate_usage[] =
    "usage: deliberd migrate [--config FILE] [--migrations DIR]\n"
    "\n"
    "Applies the pending migrations of DIR (default: the configuration's\n"
    "database.migrations_dir, itself defaulting to the source tree's migrations/)\n"
    "in order, each in its own transaction.  Refuses (exit 2) if an applied migration\n"
    "was changed or removed.  Ends with \"schema is current (N migrations)\".\n";

static int cli_migrate(int argc, char **argv)
{
	static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
	                                     {"migrations", required_argument, NULL, 'm'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *config_path = NULL, *dir = NULL;
	int o;

	optind = 0;
	while ((o = getopt_long(argc, argv, "c:m:h", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			config_path = optarg;
			break;
		case 'm':
			dir = optarg;
			break;
		case 'h':
			fputs(migrate_usage, stdout);
			return CLI_OK;
		default:
			fputs(migrate_usage, stderr);
			return CLI_ERROR;
		}
	}
	if (optind != argc) {
		fputs(migrate_usage, stderr);
		return CLI_ERROR;
	}
	struct config *c = load_config("migrate", config_path);
	if (c == NULL)
		return CLI_ERROR;
	if (dir == NULL)
		dir = c->migrations_dir != NULL && c->migrations_dir[0] != '\0'
		          ? c->migrations_dir
		          : migrate_default_dir();
	PGconn *db = connect_or_say("migrate", c);
	int rc = CLI_ERROR;
	if (db != NULL) {
		struct err e = {0};
		int applied = 0, total = 0;
		if (migrate_apply(db, dir, print_applied, NULL, &applied, &total, &e)) {
			printf("schema is current (%d migration%s)\n", total,
			       total == 1 ? "" : "s");
			rc = CLI_OK;
		} else {
			fprintf(stderr, "deliberd migrate: %s\n", e.message);
		}
	}
	db_close(db);
	config_unref(c);
	return rc;
}

/* ---- credential ------------------------------------------------------------------- */

static const char credential_usage[] =
    "usage: deliberd credential add --role governance|delivery|recipient|auditor\n"
    "                               [--recipient ID] --name NAME [--config FILE]\n"
    "       deliberd credential revoke (ID | --name NAME) [--config FILE]\n"
    "       deliberd credential list [--format text|json] [--config FILE]\n"
    "\n"
    "add prints the new bearer token alone on standard output, once; only its\n"
    "SHA-256 is stored.  --recipient is required for (and only for) the recipient role.\n";

static int credential_add_cmd(const struct config *c, const char *role_s, const char *recipient,
                              const char *name)
{
	enum role role;
	if (role_s == NULL || !role_parse(role_s, &role)) {
		fprintf(stderr, "deliberd credential add: --role must be governance, delivery, "
		                "recipient or auditor\n");
		return CLI_ERROR;
	}
	if (name == NULL) {
		fprintf(stderr, "deliberd credential add: --name is required\n");
		return CLI_ERROR;
	}
	if (role == ROLE_RECIPIENT && recipient == NULL) {
		fprintf(stderr,
		        "deliberd credential add: the recipient role needs --recipient ID\n");
		return CLI_ERROR;
	}
	if (role != ROLE_RECIPIENT && recipient != NULL) {
		fprintf(stderr, "deliberd credential add: --recipient only goes with --role "
		                "recipient\n");
		return CLI_ERROR;
	}
	PGconn *db = connect_or_say("credential", c);
	if (db == NULL)
		return CLI_ERROR;
	char actor[CLI_UTIL_ACTOR_SIZE], token[CREDENTIAL_TOKEN_LEN + 1];
	struct err e = {0};
	int64_t id = 0;
	int rc = CLI_ERROR;
	cli_util_actor(actor, sizeof(actor));
	if (credential_add(db, actor, role, recipient, name, token, &id, &e)) {
		printf("%s\n", token);
		fflush(stdout);
		fprintf(stderr,
		        "created credential %" PRId64 " (%s%s%s, name '%s'); the token printed on "
		        "standard output is shown only once\n",
		        id, role_s, recipient != NULL ? " of " : "",
		        recipient != NULL ? recipient : "", name);
		OPENSSL_cleanse(token, sizeof(token));
		rc = CLI_OK;
	} else {
		fprintf(stderr, "deliberd credential add: %s\n", e.message);
	}
	db_close(db);
	return rc;
}

static int credential_revoke_cmd(const struct config *c, const char *id_s, const char *name)
{
	int64_t id = 0;
	if ((id_s == NULL) == (name == NULL)) {
		fprintf(stderr, "deliberd credential revoke: give either an ID or --name NAME\n");
		return CLI_ERROR;
	}
	if (id_s != NULL && !parse_i64(id_s, 1, INT64_MAX, &id)) {
		fprintf(stderr, "deliberd credential revoke: the ID must be a positive integer\n");
		return CLI_ERROR;
	}
	PGconn *db = connect_or_say("credential", c);
	if (db == NULL)
		return CLI_ERROR;
	char actor[CLI_UTIL_ACTOR_SIZE];
	struct err e = {0};
	cli_util_actor(actor, sizeof(actor));
	bool ok = name != NULL ? credential_revoke_name(db, actor, name, &id, &e)
	                       : credential_revoke(db, actor, id, &e);
	if (ok)
		printf("revoked credential %" PRId64 "\n", id);
	else
		fprintf(stderr, "deliberd credential revoke: %s\n", e.message);
	db_close(db);
	return ok ? CLI_OK : CLI_ERROR;
}

static const char *json_str_or(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s != NULL ? s : dflt;
}

static int credential_list_cmd(const struct config *c, const char *format)
{
	bool as_json = format != NULL && strcmp(format, "json") == 0;
	if (format != NULL && !as_json && strcmp(format, "text") != 0) {
		fprintf(stderr, "deliberd credential list: --format is text or json\n");
		return CLI_ERROR;
	}
	PGconn *db = connect_or_say("credential", c);
	if (db == NULL)
		return CLI_ERROR;
	struct err e = {0};
	json_t *list = credential_list(db, &e);
	db_close(db);
	if (list == NULL) {
		fprintf(stderr, "deliberd credential list: %s\n", e.message);
		return CLI_ERROR;
	}
	if (as_json) {
		json_dumpf(list, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		printf("%-6s %-10s %-20s %-20s %-9s %s\n", "ID", "ROLE", "RECIPIENT", "CREATED",
		       "STATUS", "NAME");
		size_t i;
		json_t *it;
		json_array_foreach(list, i, it)
		{
			printf("%-6" JSON_INTEGER_FORMAT " %-10s %-20s %-20s %-9s %s\n",
			       json_integer_value(json_object_get(it, "id")),
			       json_str_or(it, "role", "?"), json_str_or(it, "recipient", "-"),
			       json_str_or(it, "created_at", "?"),
			       json_is_null(json_object_get(it, "revoked_at")) ? "active"
			                                                       : "revoked",
			       json_str_or(it, "name", "?"));
		}
	}
	json_decref(list);
	return CLI_OK;
}

static int cli_credential(int argc, char **argv)
{
	static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
	                                     {"role", required_argument, NULL, 'r'},
	                                     {"recipient", required_argument, NULL, 'R'},
	                                     {"name", required_argument, NULL, 'n'},
	                                     {"format", required_argument, NULL, 'f'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *config_path = NULL, *role = NULL, *recipient = NULL, *name = NULL;
	const char *format = NULL;
	int o;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(credential_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_ERROR : CLI_OK;
	}
	const char *action = argv[1];
	if (strcmp(action, "add") != 0 && strcmp(action, "revoke") != 0 &&
	    strcmp(action, "list") != 0) {
		fprintf(stderr, "deliberd credential: unknown action '%s'\n", action);
		fputs(credential_usage, stderr);
		return CLI_ERROR;
	}
	optind = 0;
	while ((o = getopt_long(argc - 1, argv + 1, "c:r:R:n:f:h", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			config_path = optarg;
			break;
		case 'r':
			role = optarg;
			break;
		case 'R':
			recipient = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'h':
			fputs(credential_usage, stdout);
			return CLI_OK;
		default:
			fputs(credential_usage, stderr);
			return CLI_ERROR;
		}
	}
	int rest = argc - 1 - optind;
	char **args = argv + 1 + optind;
	bool revoke = strcmp(action, "revoke") == 0;
	if (rest > (revoke ? 1 : 0) ||
	    (strcmp(action, "add") != 0 && (role != NULL || recipient != NULL)) ||
	    (strcmp(action, "list") == 0 && name != NULL) ||
	    (strcmp(action, "list") != 0 && format != NULL)) {
		fprintf(stderr, "deliberd credential %s: unexpected argument\n", action);
		fputs(credential_usage, stderr);
		return CLI_ERROR;
	}
	struct config *c = load_config("credential", config_path);
	if (c == NULL)
		return CLI_ERROR;
	int rc;
	if (strcmp(action, "add") == 0)
		rc = credential_add_cmd(c, role, recipient, name);
	else if (revoke)
		rc = credential_revoke_cmd(c, rest == 1 ? args[0] : NULL, name);
	else
		rc = credential_list_cmd(c, format);
	config_unref(c);
	return rc;
}

/* ---- audit ------------------------------------------------------------------------ */

static const char audit_usage[] =
    "usage: deliberd audit verify [--config FILE]\n"
    "       deliberd audit list [--after SEQ] [--limit N] [--config FILE]\n"
    "\n"
    "verify walks the hash chain: exit 0 and \"audit trail intact: N events\", or\n"
    "exit 1 and \"audit trail broken at seq N: reason\".  list prints events as\n"
    "JSON lines, oldest first.\n";

static int audit_verify_cmd(PGconn *db)
{
	struct err e = {0};
	int64_t checked = 0, bad = 0;

	if (audit_verify(db, &checked, &bad, &e)) {
		printf("audit trail intact: %" PRId64 " event%s\n", checked,
		       checked == 1 ? "" : "s");
		return CLI_OK;
	}
	if (bad > 0) {
		printf("audit trail broken at seq %" PRId64 ": %s\n", bad, e.message);
		return CLI_FAILED;
	}
	fprintf(stderr, "deliberd audit verify: %s\n", e.message);
	return CLI_ERROR;
}

static int audit_list_cmd(PGconn *db, int64_t after, int64_t limit)
{
	struct err e = {0};
	json_t *list = audit_list(db, after, (int)limit, &e);
	if (list == NULL) {
		fprintf(stderr, "deliberd audit list: %s\n", e.message);
		return CLI_ERROR;
	}
	size_t i;
	json_t *it;
	json_array_foreach(list, i, it)
	{
		json_dumpf(it, stdout, JSON_COMPACT | JSON_SORT_KEYS);
		putchar('\n');
	}
	json_decref(list);
	return CLI_OK;
}

static int cli_audit(int argc, char **argv)
{
	static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
	                                     {"after", required_argument, NULL, 'a'},
	                                     {"limit", required_argument, NULL, 'l'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *config_path = NULL;
	int64_t after = 0, limit = AUDIT_LIST_DEFAULT;
	int o;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(audit_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_ERROR : CLI_OK;
	}
	const char *action = argv[1];
	bool verify = strcmp(action, "verify") == 0;
	if (!verify && strcmp(action, "list") != 0) {
		fprintf(stderr, "deliberd audit: unknown action '%s'\n", action);
		fputs(audit_usage, stderr);
		return CLI_ERROR;
	}
	optind = 0;
	while ((o = getopt_long(argc - 1, argv + 1, "c:a:l:h", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			config_path = optarg;
			break;
		case 'a':
			if (verify || !parse_i64(optarg, 0, INT64_MAX, &after)) {
				fprintf(stderr,
				        "deliberd audit: --after takes a seq >= 0 (list)\n");
				return CLI_ERROR;
			}
			break;
		case 'l':
			if (verify || !parse_i64(optarg, 1, AUDIT_LIST_MAX, &limit)) {
				fprintf(stderr, "deliberd audit: --limit takes 1 to %d (list)\n",
				        AUDIT_LIST_MAX);
				return CLI_ERROR;
			}
			break;
		case 'h':
			fputs(audit_usage, stdout);
			return CLI_OK;
		default:
			fputs(audit_usage, stderr);
			return CLI_ERROR;
		}
	}
	if (optind != argc - 1) {
		fputs(audit_usage, stderr);
		return CLI_ERROR;
	}
	struct config *c = load_config("audit", config_path);
	if (c == NULL)
		return CLI_ERROR;
	PGconn *db = connect_or_say("audit", c);
	int rc = CLI_ERROR;
	if (db != NULL)
		rc = verify ? audit_verify_cmd(db) : audit_list_cmd(db, after, limit);
	db_close(db);
	config_unref(c);
	return rc;
}

const struct cli_entry cli_migrate_entry = {"migrate", "apply database migrations", cli_migrate};
const struct cli_entry cli_credential_entry = {"credential", "add or revoke API credentials",
                                               cli_credential};
const struct cli_entry cli_audit_entry = {"audit", "verify the audit trail", cli_audit};
