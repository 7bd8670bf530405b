/*
 * cli_audit: `deliberd audit verify|list|checkpoint`.  `audit verify` prints "audit
 * trail intact: N events" (exit 0) or "audit trail broken at seq N: reason" /
 * "audit trail broken: reason" (exit 1) on stdout, which scripts rely on; it checks
 * the chain and then the signed checkpoints of audit.checkpoint_dir (checkpoint.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "checkpoint.h"
#include "cli.h"
#include "cli_util.h"
#include "config.h"
#include "db.h"

#define AUDIT_LIST_DEFAULT 100
#define AUDIT_LIST_MAX 10000

static const char audit_usage[] =
    "usage: deliberd audit verify [--config FILE]\n"
    "       deliberd audit list [--after SEQ] [--limit N] [--config FILE]\n"
    "       deliberd audit checkpoint [--config FILE]\n"
    "\n"
    "verify walks the hash chain and checks it against every signed checkpoint in\n"
    "audit.checkpoint_dir: exit 0 and \"audit trail intact: N events\", or exit 1\n"
    "and \"audit trail broken at seq N: reason\" (a broken link) or \"audit trail\n"
    "broken: reason\" (truncated, deleted, rewritten, or a checkpoint that does not\n"
    "verify).  list prints events as JSON lines, oldest first.  checkpoint signs one\n"
    "now (serve does so every audit.checkpoint_interval_seconds and at shutdown).\n";

static int audit_verify_cmd(PGconn *db, const struct config *c)
{
	struct err e = {0};
	struct checkpoint_result r;

	if (!checkpoint_verify(db, c, &r, &e)) {
		fprintf(stderr, "deliberd audit verify: %s\n", e.message);
		return CLI_ERROR;
	}
	if (r.broken && r.bad_seq > 0) {
		printf("audit trail broken at seq %" PRId64 ": %s\n", r.bad_seq, r.reason);
		return CLI_FAILED;
	}
	if (r.broken) {
		printf("audit trail broken: %s\n", r.reason);
		return CLI_FAILED;
	}
	printf("audit trail intact: %" PRId64 " event%s\n", r.events, r.events == 1 ? "" : "s");
	/* stdout is the one line scripts read; the checkpoints are told on stderr */
	if (r.latest.count >= 0)
		fprintf(stderr,
		        "checkpoints: %" PRId64 " verified; the newest, of %s, covers %" PRId64
		        " event%s (%" PRId64 " since)\n",
		        r.checkpoints, r.latest.time, r.latest.count,
		        r.latest.count == 1 ? "" : "s", r.events - r.latest.count);
	else if (c->audit_checkpoint_dir[0] != '\0')
		fprintf(stderr, "checkpoints: none yet in %s\n", c->audit_checkpoint_dir);
	else
		fprintf(stderr,
		        "checkpoints: off (audit.checkpoint_dir is empty): truncation is not "
		        "detected\n");
	return CLI_OK;
}

static int audit_checkpoint_cmd(PGconn *db, const struct config *c)
{
	struct err e = {0};
	struct checkpoint cp;
	if (!checkpoint_write(db, c, &cp, &e)) {
		fprintf(stderr, "deliberd audit checkpoint: %s\n", e.message);
		return e.kind == ERR_CONFLICT ? CLI_FAILED : CLI_ERROR;
	}
	if (cp.count < 0) {
		fprintf(stderr, "deliberd audit checkpoint: audit.checkpoint_dir is empty: off\n");
		return CLI_ERROR;
	}
	printf("checkpoint: %" PRId64 " events at %s\n", cp.count, cp.time);
	return CLI_OK;
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
	static const char *const actions[] = {"verify", "list", "checkpoint", NULL};
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
	bool verify = action != 1; /* verify and checkpoint take no list options */
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
	rc = action == 0   ? audit_verify_cmd(db, c)
	     : action == 1 ? audit_list_cmd(db, after, limit)
	                   : audit_checkpoint_cmd(db, c);
	db_close(db);
	config_unref(c);
	return rc;
}

const struct cli_entry cli_audit_entry = {"audit", "verify the audit trail", cli_audit};
