/*
 * cli_credential: `deliberd credential add|revoke|list`.  `credential add` prints
 * the token alone on stdout (one line) and its note on stderr, which scripts rely on.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "cli_util.h"
#include "config.h"
#include "credential.h"
#include "db.h"

static const char credential_usage[] =
    "usage: deliberd credential add --role "
    "governance|delivery|recipient|auditor|output_checker\n"
    "                               [--recipient ID] --name NAME [--expires WHEN]\n"
    "                               [--config FILE]\n"
    "       deliberd credential revoke (ID | --name NAME) [--config FILE]\n"
    "       deliberd credential list [--format text|json] [--config FILE]\n"
    "\n"
    "add prints the new bearer token alone on standard output, once; only its\n"
    "SHA-256 is stored.  --recipient is required for (and only for) the recipient role,\n"
    "and must name a registered recipient.  --expires takes a date YYYY-MM-DD (the\n"
    "token works through that day, Europe/Brussels) or an RFC 3339 instant; after it\n"
    "the token is refused (401) like a revoked one.  list shows each credential's\n"
    "status (active, revoked, expired), expiry and last use (to the minute).\n";

static int credential_add_cmd(const struct config *c, const char *role_s, const char *recipient,
                              const char *name, const char *expires)
{
	enum role role;
	if (role_s == NULL || !role_parse(role_s, &role)) {
		fprintf(stderr, "deliberd credential add: --role must be governance, delivery, "
		                "recipient, auditor or output_checker\n");
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
	PGconn *db = cli_util_connect("credential", c);
	if (db == NULL)
		return CLI_ERROR;
	char actor[CLI_UTIL_ACTOR_SIZE], token[CREDENTIAL_TOKEN_LEN + 1];
	struct err e = {0};
	int64_t id = 0;
	int rc = CLI_ERROR;
	cli_util_actor(actor, sizeof(actor));
	if (credential_create(db, actor, role, recipient, name, expires, token, &id, &e)) {
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
	if (id_s != NULL && !cli_util_parse_i64(id_s, 1, INT64_MAX, &id)) {
		fprintf(stderr, "deliberd credential revoke: the ID must be a positive integer\n");
		return CLI_ERROR;
	}
	PGconn *db = cli_util_connect("credential", c);
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
	PGconn *db = cli_util_connect("credential", c);
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
		printf("%-6s %-14s %-20s %-20s %-20s %-20s %-8s %s\n", "ID", "ROLE", "RECIPIENT",
		       "CREATED", "EXPIRES", "LAST USED", "STATUS", "NAME");
		size_t i;
		json_t *it;
		json_array_foreach(list, i, it)
		{
			printf("%-6" JSON_INTEGER_FORMAT " %-14s %-20s %-20s %-20s %-20s %-8s %s\n",
			       json_integer_value(json_object_get(it, "id")),
			       json_str_or(it, "role", "?"), json_str_or(it, "recipient", "-"),
			       json_str_or(it, "created_at", "?"),
			       json_str_or(it, "expires_at", "-"),
			       json_str_or(it, "last_used_at", "-"), json_str_or(it, "status", "?"),
			       json_str_or(it, "name", "?"));
		}
	}
	json_decref(list);
	return CLI_OK;
}

enum { OPT_ROLE = 1, OPT_RECIPIENT, OPT_NAME, OPT_FORMAT, OPT_EXPIRES };
enum { ACT_ADD, ACT_REVOKE, ACT_LIST };

static int cli_credential(int argc, char **argv)
{
	static const char *const actions[] = {"add", "revoke", "list", NULL};
	static const char *const cmds[] = {"credential add", "credential revoke",
	                                   "credential list"};
	static const struct option opts[] = {{"role", required_argument, NULL, OPT_ROLE},
	                                     {"recipient", required_argument, NULL, OPT_RECIPIENT},
	                                     {"name", required_argument, NULL, OPT_NAME},
	                                     {"format", required_argument, NULL, OPT_FORMAT},
	                                     {"expires", required_argument, NULL, OPT_EXPIRES},
	                                     {NULL, 0, NULL, 0}};
	const char *arg[CLI_OPT_MAX] = {0}, *config_path;
	int action, first;
	int rc = cli_util_action("credential", credential_usage, actions, argc, argv, &action);

	if (rc != CLI_CONTINUE)
		return rc;
	const struct cli_spec spec = {cmds[action], credential_usage, opts, false, arg};
	rc = cli_util_parse(&spec, argc - 1, argv + 1, &config_path, &first);
	if (rc != CLI_CONTINUE)
		return rc;
	int rest = argc - 1 - first;
	char **args = argv + 1 + first;
	if (rest > (action == ACT_REVOKE ? 1 : 0) ||
	    (action != ACT_ADD &&
	     (arg[OPT_ROLE] != NULL || arg[OPT_RECIPIENT] != NULL || arg[OPT_EXPIRES] != NULL)) ||
	    (action == ACT_LIST && arg[OPT_NAME] != NULL) ||
	    (action != ACT_LIST && arg[OPT_FORMAT] != NULL)) {
		fprintf(stderr, "deliberd %s: unexpected argument\n", cmds[action]);
		fputs(credential_usage, stderr);
		return CLI_ERROR;
	}
	struct config *c = cli_util_config("credential", config_path);
	if (c == NULL)
		return CLI_ERROR;
	if (action == ACT_ADD)
		rc = credential_add_cmd(c, arg[OPT_ROLE], arg[OPT_RECIPIENT], arg[OPT_NAME],
		                        arg[OPT_EXPIRES]);
	else if (action == ACT_REVOKE)
		rc = credential_revoke_cmd(c, rest == 1 ? args[0] : NULL, arg[OPT_NAME]);
	else
		rc = credential_list_cmd(c, arg[OPT_FORMAT]);
	config_unref(c);
	return rc;
}

const struct cli_entry cli_credential_entry = {"credential", "add or revoke API credentials",
                                               cli_credential};
