/*
 * test_audit: the hash chain against a real PostgreSQL.  A fixed test vector
 * (computed independently with Python's hashlib, see docs/audit.md), appends and
 * verification, rollback leaving no gap, tampering by SQL (an edited row, a
 * deleted row, an edited hash) named by seq, the append-only trigger for a
 * non-superuser role, and concurrent appenders keeping one unbroken chain.
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

#include "audit.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "migrate.h"
#include "testdb.h"

struct fixture {
	char *dbname;
	struct config *config;
	PGconn *db;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!testdb_open("audit", &f->dbname, &f->config, &f->db))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	testdb_close(f->dbname, f->config, f->db);
	free(f);
	return 0;
}

/* Appends one event in its own transaction. */
static void append(PGconn *db, const char *action, const char *object, json_t *details)
{
	struct err e = {0};
	assert_true(db_begin(db, &e));
	if (!audit_append(db, "cli:test", action, object, details, &e))
		fail_msg("audit_append: %s", e.message);
	assert_true(db_commit(db, &e));
	json_decref(details);
}

static void append_n(PGconn *db, int n)
{
	for (int i = 0; i < n; i++)
		append(db, "test.event", "thing:1",
		       json_pack("{s:i,s:s}", "i", i, "note", "é\"\\"));
}

static void verify_expect(PGconn *db, bool intact, int64_t checked, int64_t bad)
{
	struct err e = {0};
	int64_t c = -1, b = -1;
	bool ok = audit_verify(db, &c, &b, &e);
	if (ok != intact)
		fail_msg("verify: %s (bad seq %lld)", ok ? "intact" : e.message, (long long)b);
	if (intact)
		assert_int_equal(c, checked);
	else
		assert_int_equal(b, bad);
}

static void test_vector(void **state)
{
	(void)state;
	char hash[65];
	char *canon =
	    audit_canonical(1, "2025-11-20T08:15:00.123456Z", "cli:alice", "credential.add",
	                    "credential:1", "{\"name\":\"ops\",\"role\":\"governance\"}");
	assert_non_null(canon);
	assert_string_equal(
	    canon, "{\"action\":\"credential.add\",\"actor\":\"cli:alice\",\"at\":\"2025-11-"
	           "20T08:15:00.123456Z\",\"details\":{\"name\":\"ops\",\"role\":"
	           "\"governance\"},\"object\":\"credential:1\",\"seq\":1}");
	free(canon);
	assert_true(audit_hash(AUDIT_GENESIS_HASH, 1, "2025-11-20T08:15:00.123456Z", "cli:alice",
	                       "credential.add", "credential:1",
	                       "{\"name\":\"ops\",\"role\":\"governance\"}", hash));
	assert_string_equal(hash,
	                    "983e07d5d8976eadf41d920630c345f65839fa5d934350f5bf7a99cc34d7798a");

	/* details that are not canonical (spaces, key order, not an object) */
	static const char *const bad[] = {"{\"role\":\"governance\",\"name\":\"ops\"}",
	                                  "{\"name\": \"ops\"}", "[1]", "nope", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(audit_hash(AUDIT_GENESIS_HASH, 1, "x", "a", "b", "c", bad[i], hash));
}

static void test_append_verify_list(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};

	verify_expect(f->db, true, 0, 0);
	append_n(f->db, 5);
	append(f->db, "test.empty", "thing:2", NULL);
	verify_expect(f->db, true, 6, 0);

	json_t *page = audit_list(f->db, 2, 2, &e);
	assert_non_null(page);
	assert_int_equal(json_array_size(page), 2);
	json_t *ev = json_array_get(page, 0);
	assert_int_equal(json_integer_value(json_object_get(ev, "seq")), 3);
	assert_string_equal(json_string_value(json_object_get(ev, "actor")), "cli:test");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(ev, "details"), "i")),
	                 2);
	/* the link: event 4's prev_hash is event 3's hash */
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(page, 1), "prev_hash")),
	    json_string_value(json_object_get(ev, "hash")));
	/* at: UTC with microseconds */
	const char *at = json_string_value(json_object_get(ev, "at"));
	assert_int_equal(strlen(at), 27);
	assert_int_equal(at[26], 'Z');
	json_decref(page);

	page = audit_list(f->db, 6, 10, &e);
	assert_non_null(page);
	assert_int_equal(json_array_size(page), 0);
	json_decref(page);
	assert_null(audit_list(f->db, -1, 10, &e));
	assert_int_equal(e.kind, ERR_INVALID);
}

static void test_rollback_leaves_no_gap(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};

	append_n(f->db, 2);
	assert_true(db_begin(f->db, &e));
	json_t *d = json_object();
	assert_true(audit_append(f->db, "cli:test", "test.rolled_back", "thing:1", d, &e));
	json_decref(d);
	db_rollback(f->db);
	append_n(f->db, 1);
	verify_expect(f->db, true, 3, 0);
	json_t *page = audit_list(f->db, 0, 10, &e);
	assert_int_equal(json_array_size(page), 3);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(
		    json_string_value(json_object_get(json_array_get(page, i), "action")),
		    "test.event");
	json_decref(page);
}

static void test_bad_input(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *actor, *action, *object;
	} cases[] = {
	    {"", "a", "o"},       {"cli:é", "a", "o"}, {"cli:x", "a\n", "o"},
	    {"cli:x", "a", NULL}, {NULL, "a", "o"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err e = {0};
		assert_true(db_begin(f->db, &e));
		assert_false(audit_append(f->db, cases[i].actor, cases[i].action, cases[i].object,
		                          NULL, &e));
		assert_int_equal(e.kind, ERR_INVALID);
		db_rollback(f->db);
	}
	struct err e = {0};
	json_t *arr = json_array();
	assert_true(db_begin(f->db, &e));
	assert_false(audit_append(f->db, "cli:x", "a", "o", arr, &e));
	assert_int_equal(e.kind, ERR_INTERNAL);
	db_rollback(f->db);
	json_decref(arr);
	/* outside a transaction: refused, nothing written */
	err_clear(&e);
	assert_false(audit_append(f->db, "cli:x", "a", "o", NULL, &e));
	assert_int_equal(e.kind, ERR_INTERNAL);
	assert_non_null(strstr(e.message, "transaction"));
	verify_expect(f->db, true, 0, 0);
}

/* audit_append_object names the object "<kind>:<id>", steals the details and
 * treats NULL details (a failed json_pack) as out of memory. */
static void test_append_object(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	assert_true(db_begin(f->db, &e));
	assert_true(audit_append_object(f->db, "cli:test", "credential.add", "credential", 42,
	                                json_pack("{s:s}", "role", "auditor"), &e));
	assert_false(
	    audit_append_object(f->db, "cli:test", "credential.add", "credential", 43, NULL, &e));
	assert_int_equal(e.kind, ERR_INTERNAL);
	assert_true(db_commit(f->db, &e));
	json_t *page = audit_list(f->db, 0, 10, &e);
	assert_non_null(page);
	assert_int_equal(json_array_size(page), 1);
	json_t *ev = json_array_get(page, 0);
	assert_string_equal(json_string_value(json_object_get(ev, "object")), "credential:42");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(ev, "details"), "role")), "auditor");
	json_decref(page);
}

/* Tampering by hand in SQL (as a superuser, whom the trigger lets through). */
static void test_tamper(void **state)
{
	static const struct {
		const char *sql;
		int64_t bad;
	} cases[] = {
	    {"UPDATE audit_events SET details = '{\"i\":99,\"note\":\"x\"}' WHERE seq = 5", 5},
	    {"UPDATE audit_events SET actor = 'cli:mallory' WHERE seq = 1", 1},
	    {"UPDATE audit_events SET at = at + interval '1 microsecond' WHERE seq = 7", 7},
	    {"UPDATE audit_events SET details = '{\"i\": 2, \"note\": \"\\u00e9\\\"\\\\\"}' "
	     "WHERE seq = 3",
	     3}, /* same meaning, not canonical */
	    {"DELETE FROM audit_events WHERE seq = 4", 4},
	    {"UPDATE audit_events SET hash = repeat('a', 64) WHERE seq = 6", 6},
	    {"UPDATE audit_events SET prev_hash = repeat('0', 64) WHERE seq = 2", 2},
	    {"DELETE FROM audit_events WHERE seq = 1", 1},
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* a fresh trail for each case (a superuser may truncate) */
		testdb_sql(f->db, "TRUNCATE audit_events");
		append_n(f->db, 8);
		verify_expect(f->db, true, 8, 0);
		testdb_sql(f->db, cases[i].sql);
		verify_expect(f->db, false, 0, cases[i].bad);
	}
}

/* An ordinary role (as deliberd should run) cannot change or delete events. */
static void test_append_only_for_application(void **state)
{
	struct fixture *f = *state;
	char role[64], sql[256];
	struct err e = {0};

	append_n(f->db, 2);
	snprintf(role, sizeof(role), "%s_app", f->dbname);
	snprintf(sql, sizeof(sql), "CREATE ROLE \"%s\" NOLOGIN", role);
	testdb_sql(f->db, sql);
	snprintf(sql, sizeof(sql), "GRANT ALL ON audit_events TO \"%s\"", role);
	testdb_sql(f->db, sql);
	snprintf(sql, sizeof(sql), "SET ROLE \"%s\"", role);
	testdb_sql(f->db, sql);

	static const char *const refused[] = {
	    "UPDATE audit_events SET actor = 'x' WHERE seq = 1",
	    "DELETE FROM audit_events WHERE seq = 2",
	    "TRUNCATE audit_events",
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		err_clear(&e);
		assert_null(db_exec(f->db, &e, refused[i], 0, NULL));
		assert_int_equal(e.kind, ERR_CONFLICT);
		assert_non_null(strstr(e.message, "append-only"));
	}
	/* appending still works for that role */
	append_n(f->db, 1);
	testdb_sql(f->db, "RESET ROLE");
	verify_expect(f->db, true, 3, 0);
	snprintf(sql, sizeof(sql), "DROP OWNED BY \"%s\"", role);
	testdb_sql(f->db, sql);
	snprintf(sql, sizeof(sql), "DROP ROLE \"%s\"", role);
	testdb_sql(f->db, sql);
}

struct writer {
	const struct config *config;
	int n;
	bool ok;
};

static void *write_events(void *arg)
{
	struct writer *w = arg;
	struct err e = {0};
	PGconn *db = db_connect(w->config, &e);
	w->ok = db != NULL;
	for (int i = 0; w->ok && i < w->n; i++) {
		json_t *d = json_pack("{s:i}", "i", i);
		w->ok = db_begin(db, &e) &&
		        audit_append(db, "system", "test.concurrent", "x", d, &e) &&
		        db_commit(db, &e);
		json_decref(d);
	}
	db_close(db);
	return NULL;
}

static void test_concurrent_appenders(void **state)
{
	struct fixture *f = *state;
	struct writer w[4];
	pthread_t t[4];

	for (int i = 0; i < 4; i++) {
		w[i] = (struct writer){f->config, 25, false};
		assert_int_equal(pthread_create(&t[i], NULL, write_events, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_true(w[i].ok);
	}
	verify_expect(f->db, true, 100, 0);
}

int main(void)
{
	log_setup(LOG_LEVEL_WARN, LOG_FORMAT_TEXT);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vector),
	    cmocka_unit_test_setup_teardown(test_append_verify_list, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rollback_leaves_no_gap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_append_object, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tamper, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_append_only_for_application, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_appenders, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
