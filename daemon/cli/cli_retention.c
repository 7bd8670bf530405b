/*
 * cli_retention: `deliberd retention run` runs one scheduler round at the real
 * now; with --dry-run it runs that same round in a transaction that is rolled
 * back, optionally as of --at (governance staff see what a date will bring).
 * `deliberd retention webhook` sets where governance receives escalations.
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
#include "checkpoint.h"
#include "migrate.h"
#include "retention.h"

#define SECRET_FILE_MAX 4096

static const char retention_usage[] =
    "usage: deliberd retention run [--dry-run [--at TIMESTAMP]] [--format text|json]\n"
    "                              [--config FILE]\n"
    "       deliberd retention webhook --url URL --secret-file FILE [--config FILE]\n"
    "\n"
    "run      one scheduler round at the real now: issue destruction orders\n"
    "         (retention.order_lead_days before due_at), cancel orders an amendment\n"
    "         postponed, mark overdue and escalate orders at due_at, record\n"
    "         reminders.  --dry-run runs the same round and rolls it back: it prints\n"
    "         exactly what the real round would do; only a dry run may take --at\n"
    "         (RFC 3339 with a zone, e.g. 2031-02-01T00:00:00+01:00).\n"
    "webhook  where governance receives escalations (HTTPS; the secret file holds\n"
    "         the HMAC key, 16 to 1024 bytes, one line).\n"
    "\n"
    "exit status: 0 done, 2 could not (bad arguments, no database)\n";

static PGconn *open_db(const struct config *c)
{
	struct err e = {0};
	/* its audit events carry the daemon's MAC (checkpoint.h) */
	PGconn *db = checkpoint_use_mac_key(c, &e) ? db_connect(c, &e) : NULL;
	if (db != NULL && !migrate_is_current(db, c->migrations_dir, &e)) {
		db_close(db);
		db = NULL;
	}
	if (db == NULL)
		fprintf(stderr, "deliberd retention: %s\n", e.message);
	return db;
}

/* An order as a report names it: its id, or "new" for one this round creates. */
static void print_order(const json_t *v)
{
	json_t *o = json_object_get(v, "order");
	if (json_is_integer(o))
		printf("order %" JSON_INTEGER_FORMAT, json_integer_value(o));
	else
		printf("new order");
}

static const char *s_(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s != NULL ? s : "-";
}

/* The same lines for a dry run and a real round: only the heading differs. */
static void print_text(const json_t *r)
{
	bool dry = json_is_true(json_object_get(r, "dry_run"));
	printf("retention round as of %s%s\n", s_(r, "at"),
	       dry ? " (dry run: the round below was rolled back)" : "");
	if (json_is_true(json_object_get(r, "skipped"))) {
		printf("skipped: another deliberd process is running a round\n");
		return;
	}
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(r, "cancelled"), i, v)
	{
		printf("cancelled ");
		print_order(v);
		printf(" (%s, %s): %s\n", s_(v, "deliberation"), s_(v, "recipient"),
		       s_(v, "reason"));
	}
	json_array_foreach(json_object_get(r, "ordered"), i, v)
	{
		printf("%s ", json_is_true(json_object_get(v, "joined")) ? "joined" : "ordered");
		print_order(v);
		printf(" of %s to %s: %" JSON_INTEGER_FORMAT " deliveries (sha256 %s), %s %s, due "
		       "%s\n",
		       s_(v, "deliberation"), s_(v, "recipient"),
		       json_integer_value(json_object_get(v, "deliveries")),
		       s_(v, "deliveries_sha256"), s_(v, "trigger"), s_(v, "retention_until"),
		       s_(v, "due_at"));
	}
	json_array_foreach(json_object_get(r, "escalated"), i, v)
	{
		printf("overdue and escalated ");
		print_order(v);
		printf(" (%s, %s): due %s\n", s_(v, "deliberation"), s_(v, "recipient"),
		       s_(v, "due_at"));
	}
	json_array_foreach(json_object_get(r, "reminders"), i, v)
	{
		json_int_t left = json_integer_value(json_object_get(v, "days_left"));
		printf("reminded %s (%s) of ", s_(v, "recipient"), s_(v, "deliberation"));
		print_order(v);
		printf(": %s %s, %" JSON_INTEGER_FORMAT " days %s\n", s_(v, "kind"),
		       s_(v, "due_at"), left < 0 ? -left : left, left < 0 ? "late" : "to go");
	}
	json_array_foreach(json_object_get(r, "attestations"), i, v) printf(
	    "asked %s (%s) whether the data are still needed (anniversary %s, answer by "
	    "%s)\n",
	    s_(v, "recipient"), s_(v, "deliberation"), s_(v, "anniversary"), s_(v, "due_at"));
	json_array_foreach(json_object_get(r, "attestations_escalated"), i, v) printf(
	    "escalated attestation %" JSON_INTEGER_FORMAT " of %s (%s): unanswered since %s\n",
	    json_integer_value(json_object_get(v, "id")), s_(v, "recipient"), s_(v, "deliberation"),
	    s_(v, "due_at"));
	if (json_array_size(json_object_get(r, "attestations")) +
	        json_array_size(json_object_get(r, "attestations_escalated")) +
	        json_array_size(json_object_get(r, "cancelled")) +
	        json_array_size(json_object_get(r, "ordered")) +
	        json_array_size(json_object_get(r, "escalated")) +
	        json_array_size(json_object_get(r, "reminders")) ==
	    0)
		printf("nothing to do\n");
}

enum { OPT_AT = 1, OPT_DRY_RUN, OPT_FORMAT, OPT_URL, OPT_SECRET_FILE };

static int retention_run(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"at", required_argument, NULL, OPT_AT},
	    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {NULL, 0, NULL, 0},
	};
	const char *arg[CLI_OPT_MAX] = {0}, *config_path;
	const struct cli_spec spec = {"retention run", retention_usage, opts, false, arg};
	int first, rc = cli_util_parse(&spec, argc, argv, &config_path, &first);

	if (rc != CLI_CONTINUE)
		return rc;
	const char *at = arg[OPT_AT];
	const char *format = arg[OPT_FORMAT] != NULL ? arg[OPT_FORMAT] : "text";
	bool dry = arg[OPT_DRY_RUN] != NULL;
	if (first != argc || (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)) {
		fputs(retention_usage, stderr);
		return CLI_ERROR;
	}
	int64_t now = clock_now();
	if (at != NULL && !dry) {
		fprintf(stderr,
		        "deliberd retention run: --at is only allowed with --dry-run: a real "
		        "round acts at the real now\n");
		return CLI_ERROR;
	}
	if (at != NULL && !clock_parse(at, &now)) {
		fprintf(stderr,
		        "deliberd retention run: --at must be an RFC 3339 timestamp with a zone, "
		        "e.g. 2031-02-01T00:00:00+01:00\n");
		return CLI_ERROR;
	}
	struct err e = {0};
	struct config *c = cli_util_config("retention run", config_path);
	if (c == NULL)
		return CLI_ERROR;
	PGconn *db = open_db(c);
	if (db == NULL) {
		config_unref(c);
		return CLI_ERROR;
	}
	char actor[CLI_UTIL_ACTOR_SIZE];
	cli_util_actor(actor, sizeof(actor));
	json_t *report = NULL;
	bool ok = retention_round(db, c, now, actor, dry, true, &report, &e);
	if (!ok) {
		fprintf(stderr, "deliberd retention run: %s\n", e.message);
	} else if (strcmp(format, "json") == 0) {
		char *text = json_dumps(report, JSON_INDENT(2) | JSON_SORT_KEYS);
		if (text != NULL)
			printf("%s\n", text);
		free(text);
	} else {
		print_text(report);
	}
	bool skipped = ok && json_is_true(json_object_get(report, "skipped"));
	json_decref(report);
	db_close(db);
	config_unref(c);
	return ok && !skipped ? CLI_OK : CLI_ERROR;
}

/* Reads the first line of a small file (the secret), without its newline. */
static bool read_secret(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	bool ok = fgets(out, (int)size, f) != NULL;
	fclose(f);
	if (ok)
		out[strcspn(out, "\r\n")] = '\0';
	return ok;
}

static int retention_webhook(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"url", required_argument, NULL, OPT_URL},
	    {"secret-file", required_argument, NULL, OPT_SECRET_FILE},
	    {NULL, 0, NULL, 0},
	};
	const char *arg[CLI_OPT_MAX] = {0}, *config_path;
	const struct cli_spec spec = {"retention webhook", retention_usage, opts, false, arg};
	int first, rc = cli_util_parse(&spec, argc, argv, &config_path, &first);

	if (rc != CLI_CONTINUE)
		return rc;
	const char *url = arg[OPT_URL], *secret_file = arg[OPT_SECRET_FILE];
	if (first != argc || url == NULL || secret_file == NULL) {
		fputs(retention_usage, stderr);
		return CLI_ERROR;
	}
	char secret[SECRET_FILE_MAX];
	if (!read_secret(secret_file, secret, sizeof(secret))) {
		fprintf(stderr, "deliberd retention webhook: cannot read %s\n", secret_file);
		return CLI_ERROR;
	}
	struct err e = {0};
	struct config *c = cli_util_config("retention webhook", config_path);
	if (c == NULL)
		return CLI_ERROR;
	PGconn *db = open_db(c);
	char actor[CLI_UTIL_ACTOR_SIZE];
	cli_util_actor(actor, sizeof(actor));
	bool ok = db != NULL && retention_set_governance_webhook(db, url, secret, actor, &e);
	if (db != NULL && !ok)
		fprintf(stderr, "deliberd retention webhook: %s\n", e.message);
	else if (ok)
		printf("governance webhook set to %s\n", url);
	explicit_bzero(secret, sizeof(secret));
	db_close(db);
	config_unref(c);
	return ok ? CLI_OK : CLI_ERROR;
}

static int cli_retention(int argc, char **argv)
{
	static const char *const actions[] = {"run", "webhook", NULL};
	int action,
	    rc = cli_util_action("retention", retention_usage, actions, argc, argv, &action);
	if (rc != CLI_CONTINUE)
		return rc;
	return action == 0 ? retention_run(argc - 1, argv + 1)
	                   : retention_webhook(argc - 1, argv + 1);
}

const struct cli_entry cli_retention_entry = {"retention", "run the retention scheduler once",
                                              cli_retention};
