/*
* serve: `deliberd serve` (the daemon) and `deliberd check-config` (validate a
 * configuration file, including that its TLS certificate and key load, and exit).
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>

#include "serve.h"
#include "checkpoint.h"
#include "cli_util.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "migrate.h"
#include "store_privileges.h"
#include "retention.h"
#include "route.h"
#include "routes.h"
#include "server.h"

static const char serve_usage[] =
    "usage: deliberd serve --config FILE\n"
    "\n"
    "Runs the HTTPS API.  Prints \"deliberd: listening on https://HOST:PORT\" on stdout\n"
    "once it accepts connections.  SIGHUP reloads FILE (kept as is if the new one is\n"
    "invalid); SIGTERM or SIGINT stops accepting, lets the requests in flight finish and\n"
    "exits 0.  Refuses to start unless the database schema is current (deliberd migrate).\n"
    "Exit status: 0 stopped by a signal, 2 could not start.\n";

static const char check_usage[] =
    "usage: deliberd check-config --config FILE\n"
    "\n"
    "Validates FILE (every key, type and range) and loads its TLS certificate and key.\n"
    "Exit status: 0 valid, 2 invalid (the message names file, line and key).\n";

/* --config FILE and --help, nothing else; NULL path and *rc set when done already. */
static const char *parse_args(const char *cmd, int argc, char **argv, const char *usage, int *rc)
{
	const struct cli_spec spec = {cmd, usage, NULL, false, NULL};
	const char *path;
	int first;

	*rc = cli_util_parse(&spec, argc, argv, &path, &first);
	if (*rc != CLI_CONTINUE)
		return NULL;
	if (first != argc || path == NULL) {
		fputs(usage, stderr);
		*rc = CLI_ERROR;
		return NULL;
	}
	return path;
}

/* Signed audit checkpoints (checkpoint.h): at start, every
 * audit.checkpoint_interval_seconds on the main loop, and at shutdown. */
struct checkpointer {
	struct event *timer;
	struct config *config;
	PGconn *db;
};

static void checkpointer_run(struct checkpointer *k, const char *why)
{
	struct err e = {0};
	struct checkpoint cp;
	if (k->config->audit_checkpoint_dir[0] == '\0')
		return;
	if (!db_ensure(&k->db, k->config, &e) || !checkpoint_write(k->db, k->config, &cp, &e)) {
		log_error("audit checkpoint (%s) not written: %s", why, e.message);
		metrics_add_counter(
		    "deliberd_audit_checkpoint_failures_total", "", 1,
		    "Audit checkpoints not written (tampering found, or an error).");
		return;
	}
	log_info("audit checkpoint (%s): %lld events signed at %s", why, (long long)cp.count,
	         cp.time);
	metrics_set_gauge("deliberd_audit_checkpoint_events", "", (double)cp.count,
	                  "Audit events covered by the newest signed checkpoint.");
}

static void checkpointer_arm(struct checkpointer *k)
{
	evtimer_del(k->timer);
	int s = k->config->audit_checkpoint_interval_seconds;
	if (s > 0) {
		struct timeval tv = {.tv_sec = s};
		evtimer_add(k->timer, &tv);
	}
}

static void checkpointer_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	checkpointer_run(arg, "interval");
	checkpointer_arm(arg);
}

static void checkpointer_reload(const struct config *c, void *arg)
{
	struct checkpointer *k = arg;
	config_unref(k->config);
	k->config = config_ref((struct config *)c);
	checkpointer_arm(k);
}

static int cli_check_config(int argc, char **argv)
{
	int rc = CLI_ERROR;
	const char *path = parse_args("check-config", argc, argv, check_usage, &rc);
	struct err e = {0};

	if (path == NULL)
		return rc;
	struct config *c = config_load(path, &e);
	if (c == NULL) {
		fprintf(stderr, "deliberd check-config: %s\n", e.message);
		return CLI_ERROR;
	}
	SSL_CTX *tls = server_tls_new(c, &e);
	if (tls == NULL) {
		fprintf(stderr, "deliberd check-config: %s: %s\n", path, e.message);
		config_unref(c);
		return CLI_ERROR;
	}
	SSL_CTX_free(tls);
	config_unref(c);
	printf("%s: configuration is valid\n", path);
	return CLI_OK;
}

static int cli_serve(int argc, char **argv)
{
	int rc = CLI_ERROR;
	const char *path = parse_args("serve", argc, argv, serve_usage, &rc);
	struct err e = {0};

	if (path == NULL)
		return rc;
	struct config *c = config_load(path, &e);
	if (c == NULL) {
		fprintf(stderr, "deliberd serve: %s\n", e.message);
		return CLI_ERROR;
	}
	log_setup(c->log_level, c->log_format);

	/* Never serve a schema older (or newer) than this binary's migrations. */
	PGconn *db = db_connect(c, &e);
	if (db == NULL || !migrate_is_current(db, c->migrations_dir, &e)) {
		log_error("cannot start: %s", e.message);
		db_close(db);
		config_unref(c);
		return CLI_ERROR;
	}
	struct store_role role = {0};
	if (store_privileges_whoami(db, &role, &e) && (role.superuser || role.owned > 0))
		log_warn("database.conninfo connects as %s, %s: the audit trail's append-only "
		         "triggers do not bind it; connect as a role that owns nothing "
		         "(database.migrate_conninfo, docs/security.md)",
		         role.name, role.superuser ? "a superuser" : "the owner of tables");
	db_close(db);
	/* every audit event this process appends carries the daemon's MAC */
	if (!checkpoint_use_mac_key(c, &e)) {
		log_error("cannot start: %s", e.message);
		config_unref(c);
		return CLI_ERROR;
	}

	struct server *s = server_new(c, &e);
	if (s == NULL) {
		log_error("cannot start: %s", e.message);
		config_unref(c);
		return CLI_ERROR;
	}

	/*
	 * The retention scheduler and the outbox run on a thread of their own (its own
	 * event loop and database connection), so a slow database never delays the
	 * main loop's signals; server_on_reload(s, fn, arg) hands it SIGHUP reloads.
	 */
	struct retention_service *retention = retention_setup(server_base(s), c);
	if (retention != NULL) {
		server_on_reload(s, retention_reload, retention);
		metrics_add_collector(routes_health_retention_collect, NULL);
	}

	struct checkpointer cpk = {.config = config_ref(c)};
	cpk.timer = evtimer_new(server_base(s), checkpointer_tick, &cpk);
	if (cpk.timer == NULL)
		abort();
	checkpointer_run(&cpk, "start");
	checkpointer_arm(&cpk);
	server_on_reload(s, checkpointer_reload, &cpk);

	bool ok = server_run(s, &e);
	if (!ok)
		log_error("cannot serve: %s", e.message);
	checkpointer_run(&cpk, "shutdown");
	event_free(cpk.timer);
	db_close(cpk.db);
	config_unref(cpk.config);
	retention_stop(retention);
	server_free(s);
	config_unref(c);
	return ok ? CLI_OK : CLI_ERROR;
}

const struct cli_entry cli_serve_entry = {"serve", "run the daemon (HTTPS API, scheduler)",
                                          cli_serve};
const struct cli_entry cli_check_config_entry = {"check-config", "validate a configuration file",
                                                 cli_check_config};

/* `deliberd routes`: the route table as data (tests/integration/test_strict_input.sh
 * derives its cases from it, so it cannot drift from the code). */
static int cli_routes(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: deliberd routes\n\nPrints every HTTP route, one per "
		                "line: method, pattern, name, roles, query parameters (TAB).\n");
		return CLI_ERROR;
	}
	route_print_table(stdout);
	return CLI_OK;
}

const struct cli_entry cli_routes_entry = {"routes", "list the HTTP routes and their parameters",
                                           cli_routes};
