/*
 * cli_audit: `deliberd audit verify|list`.  `audit verify` prints "audit trail
 * intact: N events" (exit 0) or "audit trail broken at seq N: reason" (exit 1) on
 * stdout, which scripts rely on.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "cli_util.h"
#include "config.h"
#include "db.h"

#define AUDIT_LIST_DEFAULT 100
#define AUDIT_LIST_MAX 10000

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

enum { OPT_AFTER = 1, OPT_LIMIT };

static int cli_audit(int argc, char **argv)
{
	static const char *const actions[] = {"verify", "list", NULL};
	static const struct option opts[] = {{"after", required_argument, NULL, OPT_AFTER},
	                                     {"limit", required_argument, NULL, OPT_LIMIT},
	                                     {NULL, 0, NULL, 0}};
	const char *arg[CLI_OPT_MAX] = {0}, *config_path;
	int64_t after = 0, limit = AUDIT_LIST_DEFAULT;
	int action, first;
	int rc = cli_util_action("audit", audit_usage, actions, argc, argv, &action);

	if (rc != CLI_CONTINUE)
		return rc;
	const struct cli_spec spec = {"audit", audit_usage, opts, false, arg};
	rc = cli_util_parse(&spec, argc - 1, argv + 1, &config_path, &first);
	if (rc != CLI_CONTINUE)
		return rc;
	bool verify = action == 0;
	if (arg[OPT_AFTER] != NULL &&
	    (verify || !cli_util_parse_i64(arg[OPT_AFTER], 0, INT64_MAX, &after))) {
		fprintf(stderr, "deliberd audit: --after takes a seq >= 0 (list)\n");
		return CLI_ERROR;
	}
	if (arg[OPT_LIMIT] != NULL &&
	    (verify || !cli_util_parse_i64(arg[OPT_LIMIT], 1, AUDIT_LIST_MAX, &limit))) {
		fprintf(stderr, "deliberd audit: --limit takes 1 to %d (list)\n", AUDIT_LIST_MAX);
		return CLI_ERROR;
	}
	if (first != argc - 1) {
		fputs(audit_usage, stderr);
		return CLI_ERROR;
	}
	struct config *c;
	PGconn *db = cli_util_open("audit", config_path, &c);
	if (db == NULL)
		return CLI_ERROR;
	rc = verify ? audit_verify_cmd(db) : audit_list_cmd(db, after, limit);
	db_close(db);
	config_unref(c);
	return rc;
}

const struct cli_entry cli_audit_entry = {"audit", "verify the audit trail", cli_audit};
