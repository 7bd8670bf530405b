/*
 * test_migrate: migration bookkeeping against a real PostgreSQL: apply, re-apply
 * (no-op), checksums recorded, a changed or missing applied migration refused, a
 * failing migration rolled back whole, bad file names refused, migrators
 * serialised by the advisory lock, and the shipped migrations applying cleanly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "migrate.h"
#include "testdb.h"

struct fixture {
	const char *dbname;
	char dir[64];
	struct config *config;
	PGconn *db;
};

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void remove_file(const char *dir, const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e = {0};

	f->dbname = strdup(testdb_create("migrate"));
	snprintf(f->dir, sizeof(f->dir), "/tmp/deliberd-migrate-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	f->config = config_default();
	f->db = db_connect(f->config, &e);
	if (f->db == NULL) {
		fprintf(stderr, "%s\n", e.message);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	db_close(f->db);
	config_unref(f->config);
	testdb_drop(f->dbname);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", f->dir);
	free((void *)f->dbname);
	free(f);
	return 0;
}

static int64_t count(PGconn *db, const char *sql)
{
	struct err e = {0};
	PGresult *r = db_exec(db, &e, sql, 0, NULL);
	assert_non_null(r);
	int64_t n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return n;
}

static const char sql_a[] = "CREATE TABLE a (id integer PRIMARY KEY);\n"
                            "INSERT INTO a VALUES (1), (2);\n";
static const char sql_b[] = "CREATE TABLE b (id integer REFERENCES a (id));\n";

static void sha256_hex(const char *s, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void applied_cb(const char *name, void *arg)
{
	char *names = arg;
	strcat(names, name);
	strcat(names, ";");
}

static void test_apply_then_noop(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	int applied = -1, total = -1;
	char names[256] = "";

	write_file(f->dir, "0001_a.sql", sql_a);
	write_file(f->dir, "0002_b.sql", sql_b);
	write_file(f->dir, "README", "not a migration");
	assert_true(migrate_apply(f->db, f->dir, applied_cb, names, &applied, &total, &e));
	assert_int_equal(applied, 2);
	assert_int_equal(total, 2);
	assert_string_equal(names, "0001_a;0002_b;");
	assert_int_equal(count(f->db, "SELECT count(*) FROM a"), 2);
	assert_true(migrate_is_current(f->db, f->dir, &e));
	assert_true(migrate_is_current(f->db, f->dir, &e));

	/* the checksum recorded is the file's SHA-256 */
	char want[65];
	sha256_hex(sql_a, want);
	PGresult *r = db_exec(
	    f->db, &e, "SELECT name, checksum FROM schema_migrations ORDER BY version", 0, NULL);
	assert_non_null(r);
	assert_int_equal(PQntuples(r), 2);
	assert_string_equal(PQgetvalue(r, 0, 0), "0001_a");
	assert_string_equal(PQgetvalue(r, 0, 1), want);
	PQclear(r);

	/* second run: nothing to do, nothing re-run */
	names[0] = '\0';
	assert_true(migrate_apply(f->db, f->dir, applied_cb, names, &applied, &total, &e));
	assert_int_equal(applied, 0);
	assert_string_equal(names, "");
	assert_int_equal(count(f->db, "SELECT count(*) FROM a"), 2);
}

static void test_changed_refused(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};

	write_file(f->dir, "0001_a.sql", sql_a);
	assert_true(migrate_apply(f->db, f->dir, NULL, NULL, NULL, NULL, &e));
	write_file(f->dir, "0001_a.sql", "CREATE TABLE a (id bigint);\n");
	write_file(f->dir, "0002_b.sql", sql_b);
	assert_false(migrate_apply(f->db, f->dir, NULL, NULL, NULL, NULL, &e));
	assert_int_equal(e.kind, ERR_CONFLICT);
	assert_non_null(strstr(e.message, "0001_a"));
	assert_non_null(strstr(e.message, "changed"));
	/* nothing after the refusal was applied */
	assert_int_equal(count(f->db, "SELECT count(*) FROM schema_migrations"), 1);

	err_clear(&e);
	assert_false(migrate_is_current(f->db, f->dir, &e));
	assert_int_equal(e.kind, ERR_UNAVAILABLE);
	assert_non_null(strstr(e.message, "0001_a"));
}

static void test_renamed_refused(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};

	write_file(f->dir, "0001_a.sql", sql_a);
	assert_true(migrate_apply(f->db, f->dir, NULL, NULL, NULL, NULL, &e));
	remove_file(f->dir, "0001_a.sql");
	write_file(f->dir, "0001_other.sql", sql_a);
	assert_false(migrate_apply(f->db, f->dir, NULL, NULL, NULL, NULL, &e));
	assert_int_equal(e.kind, ERR_CONFLICT);
	assert_non_null(strstr(e.message, "0001_a"));
}

static void test_missing_refused(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};

	write_file(f->dir, "0001_a.sql", sql_a);
	write_file(f->dir, "0002_b.sql", sql_b);
	assert_true(migrate_apply(f->db, f->dir, NULL, NULL, NULL, NULL, &e));
	remove_file(f->dir, "0002_b.sql");
	assert_false(migrate_apply(f->db, f->dir, NULL, NULL, NULL, NULL, &e));
	assert_int_equal(e.kind, ERR_CONFLICT);
	assert_non_null(strstr(e.message, "0002_b"));
	assert_non_null(strstr(e.message, "missing"));
	err_clear(&e);
	assert_false(migrate_is_current(f->db, f->dir, &e));
	assert_non_null(strstr(e.message, "0002_b"));
}

static void test_pending_not_current(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};

	write_file(f->dir, "0001_a.sql", sql_a);
	assert_false(migrate_is_current(f->db, f->dir, &e)); /* no schema at all */
	assert_int_equal(e.kind, ERR_UNAVAILABLE);
	assert_non_null(strstr(e.message, "deliberd migrate"));
	err_clear(&e);
	assert_true(migrate_apply(f->db, f->dir, NULL, NULL, NULL, NULL, &e));
	write_file(f->dir, "0002_b.sql", sql_b);
	assert_false(migrate_is_current(f->db, f->dir, &e));
	assert_non_null(strstr(e.message, "0002_b"));
	assert_non_null(strstr(e.message, "pending"));
}

static void test_failure_rolls_back(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	int applied = -1;

	write_file(f->dir, "0001_a.sql", sql_a);
	write_file(f->dir, "0002_bad.sql", "CREATE TABLE half (id integer);\nSELEC 1;\n");
	assert_false(migrate_apply(f->db, f->dir, NULL, NULL, &applied, NULL, &e));
	assert_int_equal(applied, 1);
	assert_non_null(strstr(e.message, "0002_bad"));
	assert_int_equal(count(f->db, "SELECT count(*) FROM schema_migrations"), 1);
	assert_int_equal(count(f->db, "SELECT count(*) FROM pg_tables WHERE tablename = 'half'"),
	                 0);
	/* fixed, it applies */
	write_file(f->dir, "0002_bad.sql", "CREATE TABLE half (id integer);\n");
	err_clear(&e);
	assert_true(migrate_apply(f->db, f->dir, NULL, NULL, &applied, NULL, &e));
	assert_int_equal(applied, 1);
}

static void test_bad_names(void **state)
{
	static const struct {
		const char *a, *b;
		const char *expect;
	} cases[] = {
	    {"1_short.sql", NULL, "1_short.sql"},
	    {"0001-dash.sql", NULL, "0001-dash.sql"},
	    {"0001_Upper.sql", NULL, "0001_Upper.sql"},
	    {"0003_x.sql", "0003_y.sql", "0003"},
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err e = {0};
		write_file(f->dir, cases[i].a, "SELECT 1;");
		if (cases[i].b != NULL)
			write_file(f->dir, cases[i].b, "SELECT 1;");
		assert_false(migrate_apply(f->db, f->dir, NULL, NULL, NULL, NULL, &e));
		assert_int_equal(e.kind, ERR_INVALID);
		assert_non_null(strstr(e.message, cases[i].expect));
		remove_file(f->dir, cases[i].a);
		if (cases[i].b != NULL)
			remove_file(f->dir, cases[i].b);
	}
	struct err e = {0};
	assert_false(migrate_apply(f->db, "/nonexistent/migrations", NULL, NULL, NULL, NULL, &e));
	assert_int_equal(e.kind, ERR_INVALID);
	assert_non_null(strstr(e.message, "/nonexistent/migrations"));
}

struct racer {
	struct config *config;
	const char *dir;
	bool ok;
	int applied;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct err e = {0};
	PGconn *db = db_connect(r->config, &e);
	r->ok = db != NULL && migrate_apply(db, r->dir, NULL, NULL, &r->applied, NULL, &e);
	db_close(db);
	return NULL;
}

/* A migrator waits for the one holding the lock, then finds nothing to do. */
static void test_serialised(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};

	write_file(f->dir, "0001_a.sql", sql_a);
	write_file(f->dir, "0002_b.sql", sql_b);
	/* hold the migrators' lock from the fixture connection */
	PGresult *r = db_exec(f->db, &e, "SELECT pg_advisory_lock(7234316937883689572)", 0, NULL);
	assert_non_null(r);
	PQclear(r);

	struct racer a = {f->config, f->dir, false, -1};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, race, &a), 0);
	/* observable: the racer is waiting on the advisory lock */
	for (;;) {
		int64_t waiting = count(f->db, "SELECT count(*) FROM pg_locks l JOIN pg_database d "
		                               "ON d.oid = l.database WHERE d.datname = "
		                               "current_database() AND l.locktype = 'advisory' "
		                               "AND NOT l.granted");
		if (waiting == 1)
			break;
		usleep(10000);
	}
	assert_int_equal(count(f->db, "SELECT count(*) FROM pg_tables WHERE tablename = 'a'"), 0);
	/* apply ourselves while it waits (a session lock is re-entrant) */
	int applied = -1;
	assert_true(migrate_apply(f->db, f->dir, NULL, NULL, &applied, NULL, &e));
	assert_int_equal(applied, 2);
	r = db_exec(f->db, &e, "SELECT pg_advisory_unlock(7234316937883689572)", 0, NULL);
	assert_non_null(r);
	PQclear(r);
	pthread_join(t, NULL);
	assert_true(a.ok);
	assert_int_equal(a.applied, 0);
}

static void test_shipped_migrations(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	int applied = -1, total = -1;
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/migrations", getenv("DELIBERD_SOURCE_DIR"));
	assert_true(migrate_apply(f->db, dir, NULL, NULL, &applied, &total, &e));
	assert_true(total >= 1);
	assert_int_equal(applied, total);
	assert_true(migrate_is_current(f->db, migrate_default_dir(), &e));
	assert_int_equal(count(f->db, "SELECT count(*) FROM schema_migrations WHERE name = "
	                              "'0001_core'"),
	                 1);
}

int main(void)
{
	log_setup(LOG_LEVEL_WARN, LOG_FORMAT_TEXT);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_apply_then_noop, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_changed_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_renamed_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pending_not_current, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failure_rolls_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_serialised, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_shipped_migrations, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
