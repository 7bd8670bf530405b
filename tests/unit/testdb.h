/*
 * testdb: a throwaway PostgreSQL database per unit test.  The server comes from
 * libpq's PG* variables (scripts/test exports PGHOST, PGPORT, PGUSER for its
 * private cluster); the database gets a unique name (prefix from
 * DELIBERD_TEST_DB_PREFIX, default "t_"), becomes PGDATABASE for the code under
 * test, and is dropped afterwards.  No server means a loud failure, not a skip.
 * Header-only so that any tests/unit/test_*.c can include it.
 */
#ifndef DELIBERD_TESTDB_H
#define DELIBERD_TESTDB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "migrate.h"

static inline void testdb_quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static inline PGconn *testdb_admin(void)
{
	const char *keys[] = {"dbname", "application_name", NULL};
	const char *vals[] = {"postgres", "deliberd-tests", NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 0);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr,
		        "testdb: cannot reach PostgreSQL (PGHOST=%s PGPORT=%s PGUSER=%s): %s"
		        "testdb: unit tests need a server; run them through scripts/test, or "
		        "export PGHOST/PGPORT/PGUSER\n",
		        getenv("PGHOST") ? getenv("PGHOST") : "(unset)",
		        getenv("PGPORT") ? getenv("PGPORT") : "(unset)",
		        getenv("PGUSER") ? getenv("PGUSER") : "(unset)", PQerrorMessage(c));
		exit(1);
	}
	PQsetNoticeProcessor(c, testdb_quiet, NULL);
	return c;
}

/* Runs "<before> <quoted name> <after>" on the maintenance database. */
static inline void testdb_admin_exec(const char *before, const char *name, const char *after)
{
	PGconn *c = testdb_admin();
	char *ident = PQescapeIdentifier(c, name, strlen(name));
	char sql[256];
	snprintf(sql, sizeof(sql), "%s %s %s", before, ident, after);
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "testdb: %s: %s", sql, PQerrorMessage(c));
		exit(1);
	}
	PQclear(r);
	PQfreemem(ident);
	PQfinish(c);
}

/* Creates a fresh database and points PGDATABASE at it; returns its name
 * (static storage, valid until the next call). */
static inline const char *testdb_create(const char *tag)
{
	static char name[64];
	static unsigned counter;
	const char *prefix = getenv("DELIBERD_TEST_DB_PREFIX");
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(name, sizeof(name), "%s%.20s_%ld_%lx_%u", prefix != NULL ? prefix : "t_", tag,
	         (long)getpid(), (unsigned long)ts.tv_nsec, counter++);
	testdb_admin_exec("CREATE DATABASE", name, "");
	setenv("PGDATABASE", name, 1);
	return name;
}

static inline void testdb_drop(const char *name)
{
	testdb_admin_exec("DROP DATABASE IF EXISTS", name, "WITH (FORCE)");
}

/* Runs SQL on the test database directly (for set-up and tampering); fails the
 * test run if it does not succeed. */
static inline void testdb_sql(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "testdb: %s: %s", sql, PQerrorMessage(c));
		exit(1);
	}
	PQclear(r);
}

/* The common fixture of the unit tests that need PostgreSQL: a database of their
 * own, migrated, a default config and a connection to it.  false (reason on
 * stderr) when any step fails. */
static inline bool testdb_open(const char *tag, char **dbname, struct config **config, PGconn **db)
{
	struct err e = {0};

	*dbname = strdup(testdb_create(tag));
	*config = config_default();
	*db = db_connect(*config, &e);
	if (*db == NULL || !migrate_apply(*db, migrate_default_dir(), NULL, NULL, NULL, NULL, &e)) {
		fprintf(stderr, "setup: %s\n", e.message);
		return false;
	}
	return true;
}

static inline void testdb_close(char *dbname, struct config *config, PGconn *db)
{
	db_close(db);
	config_unref(config);
	testdb_drop(dbname);
	free(dbname);
}

#endif
