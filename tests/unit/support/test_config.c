/* test_config: loading deliberd.conf: errors with file and line, defaults, paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static char tmpdir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/deliberd-test-config-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* Writes text to tmpdir/name and returns the path (static buffer). */
static const char *write_file(const char *name, const char *text)
{
	static char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return path;
}

static const struct bad_case {
	const char *text;
	int line;
	const char *expect; /* substring of the message after "deliberd.conf:LINE: " */
} bad_cases[] = {
    /* unknown key */
    {"listen = {\n  port = 1;\n  colour = \"red\";\n};\n", 3, "listen.colour: unknown key"},
    /* unknown section */
    {"\n\nweb = { port = 1; };\n", 3, "web: unknown section"},
    /* a section that is not a group */
    {"limits = 5;\n", 1, "limits: must be a group"},
    /* wrong types */
    {"listen = {\n port = \"8443\";\n};\n", 2, "listen.port: must be an integer"},
    {"listen = { address = 127; };\n", 1, "listen.address: must be a string"},
    {"limits = {\n\n max_body_bytes = 1.5;\n};\n", 3, "limits.max_body_bytes: must be an integer"},
    {"log = {\n level = \"loud\";\n};\n", 2, "log.level: must be one of"},
    {"log = {\n format = true;\n};\n", 2, "log.format: must be one of"},
    {"retention = {\n reminder_days = 7;\n};\n", 2, "retention.reminder_days: must be a list"},
    {"retention = {\n reminder_days = (7, \"x\");\n};\n", 2,
     "retention.reminder_days[1]: must be an integer"},
    /* out of range, including values libconfig 1.5 alone would truncate */
    {"listen = {\n port = 70000;\n};\n", 2, "listen.port: must be between 0 and 65535"},
    {"limits = {\n max_body_bytes = 1000;\n};\n", 2,
     "limits.max_body_bytes: must be between 1024 and 4294967296"},
    {"limits = {\n max_body_bytes = 4294968320;\n};\n", 2,
     "limits.max_body_bytes: must be between 1024 and 4294967296"},
    {"limits = {\n max_body_bytes = -1;\n};\n", 2,
     "limits.max_body_bytes: must be between 1024 and 4294967296"},
    {"limits = {\n request_timeout_ms = 2147483648;\n};\n", 2,
     "limits.request_timeout_ms: must be between 100 and 3600000"},
    {"limits = {\n max_connections = 0;\n};\n", 2, "limits.max_connections: must be between 1"},
    {"listen = {\n workers = 0;\n};\n", 2, "listen.workers: must be between 1 and 256"},
    {"retention = {\n reminder_days = [180, 9999];\n};\n", 2,
     "retention.reminder_days[1]: must be between 1 and 3650"},
    {"retention = {\n reminder_days = [30, 30];\n};\n", 2, "appears twice"},
    {"listen = {\n address = \"\";\n};\n", 2, "listen.address: must be between 1 and 255"},
    {"limits = {\n max_body_bytes = 99999999999999999999999;\n};\n", 2, "integer too large"},
    /* syntax errors and refused includes */
    {"listen = {\n port = ;\n};\n", 2, "syntax error"},
    {"# comment\n@include \"/etc/passwd\"\n", 2, "@include is not supported"},
};

static void test_bad_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *bc = &bad_cases[i];
		struct err e = {0};
		const char *path = write_file("deliberd.conf", bc->text);
		struct config *c = config_load(path, &e);
		char prefix[PATH_MAX + 32];
		snprintf(prefix, sizeof(prefix), "%s:%d: ", path, bc->line);
		if (c != NULL || strncmp(e.message, prefix, strlen(prefix)) != 0 ||
		    strstr(e.message, bc->expect) == NULL)
			fail_msg("case %zu: got '%s', want prefix '%s' and '%s'", i, e.message,
			         prefix, bc->expect);
		assert_int_equal(e.kind, ERR_INVALID);
		config_unref(c);
	}
}

static void test_missing_file(void **state)
{
	struct err e = {0};
	char path[PATH_MAX];
	(void)state;
	snprintf(path, sizeof(path), "%s/nope.conf", tmpdir);
	assert_null(config_load(path, &e));
	assert_int_equal(e.kind, ERR_INVALID);
	assert_non_null(strstr(e.message, path));
	assert_non_null(strstr(e.message, "No such file"));
}

static void test_defaults(void **state)
{
	(void)state;
	struct config *c = config_default();
	assert_string_equal(c->listen_address, "127.0.0.1");
	assert_int_equal(c->listen_port, 8443);
	assert_int_equal(c->workers, 4);
	assert_int_equal(c->max_body_bytes, 512u * 1024 * 1024);
	assert_int_equal(c->max_header_bytes, 16384);
	assert_int_equal(c->request_timeout_ms, 30000);
	assert_int_equal(c->max_connections, 256);
	assert_int_equal(c->report_max_errors, 100);
	assert_int_equal(c->ship_within_days, 7);
	assert_int_equal(c->order_lead_days, 90);
	assert_int_equal(c->no_longer_needed_days, 30);
	assert_int_equal(c->nreminder_days, 5);
	assert_int_equal(c->reminder_days[0], 60);
	assert_int_equal(c->reminder_days[4], 1);
	assert_string_equal(c->database_conninfo, "");
	assert_int_equal(c->log_level, LOG_LEVEL_INFO);
	assert_int_equal(c->log_format, LOG_FORMAT_AUTO);
	config_unref(c);

	/* an empty file is the defaults too, and the shipped file is the defaults */
	struct err e = {0};
	c = config_load(write_file("empty.conf", "# nothing\n"), &e);
	assert_non_null(c);
	assert_int_equal(c->listen_port, 8443);
	config_unref(c);

	char shipped[PATH_MAX];
	const char *src = getenv("DELIBERD_SOURCE_DIR");
	snprintf(shipped, sizeof(shipped), "%s/conf/deliberd.conf",
	         src != NULL ? src : DELIBERD_SOURCE_DIR);
	c = config_load(shipped, &e);
	if (c == NULL)
		fail_msg("%s", e.message);
	struct config *d = config_default();
	assert_int_equal(c->listen_port, d->listen_port);
	assert_int_equal(c->workers, d->workers);
	assert_int_equal(c->max_body_bytes, d->max_body_bytes);
	assert_int_equal(c->max_header_bytes, d->max_header_bytes);
	assert_int_equal(c->request_timeout_ms, d->request_timeout_ms);
	assert_int_equal(c->max_connections, d->max_connections);
	assert_int_equal(c->report_max_errors, d->report_max_errors);
	assert_int_equal(c->retention_interval_seconds, d->retention_interval_seconds);
	assert_int_equal(c->nreminder_days, d->nreminder_days);
	assert_int_equal(c->ship_within_days, d->ship_within_days);
	assert_int_equal(c->order_lead_days, d->order_lead_days);
	assert_int_equal(c->no_longer_needed_days, d->no_longer_needed_days);
	assert_int_equal(c->webhook_timeout_ms, d->webhook_timeout_ms);
	assert_string_equal(c->migrations_dir, d->migrations_dir);
	config_unref(d);
	config_unref(c);
}

static void test_values_and_paths(void **state)
{
	(void)state;
	struct err e = {0};
	const char *path = write_file(
	    "full.conf",
	    "listen = { address = \"::1\"; port = 0; workers = 2; };\n"
	    "tls = { certificate = \"certs/server.pem\"; key = \"/abs/key.pem\"; };\n"
	    "database = { conninfo = \"dbname=x\"; migrations_dir = \"m\"; };\n"
	    "log = { level = \"debug\"; format = \"json\"; };\n"
	    "limits = { max_body_bytes = 4294967296; max_header_bytes = 2048;\n"
	    "  request_timeout_ms = 1500; max_connections = 3; };\n"
	    "checks = { staging_dir = \"\"; report_max_errors = 5; ship_within_days = 3; };\n"
	    "retention = { reminder_days = [7, 30]; order_lead_days = 120;\n"
	    "  no_longer_needed_days = 0; };\n"
	    "signing = { key = \"sign/key.pem\"; };\n");
	struct config *c = config_load(path, &e);
	if (c == NULL)
		fail_msg("%s", e.message);
	char want[PATH_MAX + 64];
	char *dir = realpath(tmpdir, NULL);
	assert_non_null(dir);
	snprintf(want, sizeof(want), "%s/certs/server.pem", dir);
	assert_string_equal(c->tls_certificate, want);
	assert_string_equal(c->tls_key, "/abs/key.pem");
	snprintf(want, sizeof(want), "%s/m", dir);
	assert_string_equal(c->migrations_dir, want);
	snprintf(want, sizeof(want), "%s/sign/key.pem", dir);
	assert_string_equal(c->signing_key, want);
	free(dir);
	assert_string_equal(c->staging_dir, ""); /* empty stays empty, not the directory */
	assert_string_equal(c->listen_address, "::1");
	assert_int_equal(c->listen_port, 0);
	assert_int_equal(c->workers, 2);
	assert_string_equal(c->database_conninfo, "dbname=x");
	assert_int_equal(c->log_level, LOG_LEVEL_DEBUG);
	assert_int_equal(c->log_format, LOG_FORMAT_JSON);
	assert_true(c->max_body_bytes == 4294967296ull);
	assert_int_equal(c->max_header_bytes, 2048);
	assert_int_equal(c->request_timeout_ms, 1500);
	assert_int_equal(c->max_connections, 3);
	assert_int_equal(c->report_max_errors, 5);
	assert_int_equal(c->nreminder_days, 2);
	assert_int_equal(c->reminder_days[0], 30); /* sorted, furthest first */
	assert_int_equal(c->reminder_days[1], 7);
	assert_int_equal(c->order_lead_days, 120);
	assert_int_equal(c->no_longer_needed_days, 0);
	assert_int_equal(c->ship_within_days, 3);
	assert_string_equal(c->path, path);

	/* a file still setting grace_days is refused, naming what replaced it */
	struct err ge = {0};
	assert_null(
	    config_load(write_file("grace.conf", "retention = { grace_days = 30; };\n"), &ge));
	assert_string_equal(ge.field, "retention.grace_days");
	assert_non_null(strstr(ge.message, "order_lead_days"));

	/* references keep it alive */
	struct config *r = config_ref(c);
	config_unref(c);
	assert_int_equal(r->workers, 2);
	config_unref(r);
	config_unref(NULL);
}

static void test_prepare_keeps_text(void **state)
{
	(void)state;
	/* numbers inside strings, names and comments are left alone */
	static const char text[] =
	    "# 99999999999 in a comment\n"
	    "/* 4294967296 */ database = { conninfo = \"port=99999999999\"; };\n"
	    "listen = { port = 0x10; };\n";
	struct err e = {0};
	struct config *c = config_parse(text, sizeof(text) - 1, "inline.conf", &e);
	if (c == NULL)
		fail_msg("%s", e.message);
	assert_string_equal(c->database_conninfo, "port=99999999999");
	assert_int_equal(c->listen_port, 16);
	config_unref(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_files),          cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_defaults),           cmocka_unit_test(test_values_and_paths),
	    cmocka_unit_test(test_prepare_keeps_text),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
