/*
 * test_registry: the deliberation registry against a real PostgreSQL (its own
 * database): importing 21/128 twice changes nothing, terms in force on a date,
 * amendments append a version and leave recorded ones byte for byte, altered
 * versions are refused naming the fields, the database itself refuses UPDATE and
 * DELETE of recorded terms, registry_load rebuilds the model, recipients.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "migrate.h"
#include "registry.h"
#include "store_registry.h"
#include "terms.h"
#include "terms_json.h"
#include "testdb.h"

#define ACTOR "cli:test"

struct fixture {
	char *dbname;
	struct config *config;
	PGconn *db;
	struct terms_deliberation *file; /* conf/deliberations/21-128.conf */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e = {0};
	char path[512];

	if (getenv("DELIBERD_TEST_DB_PREFIX") == NULL)
		setenv("DELIBERD_TEST_DB_PREFIX", "registry_", 1);
	if (!testdb_open("registry", &f->dbname, &f->config, &f->db))
		return -1;
	snprintf(path, sizeof(path), "%s/conf/deliberations/21-128.conf",
	         getenv("DELIBERD_SOURCE_DIR") ? getenv("DELIBERD_SOURCE_DIR")
	                                       : DELIBERD_SOURCE_DIR);
	f->file = terms_load_file(path, &e);
	if (f->file == NULL) {
		fprintf(stderr, "setup: %s\n", e.message);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	terms_free(f->file);
	testdb_close(f->dbname, f->config, f->db);
	free(f);
	return 0;
}

static long long count(PGconn *db, const char *sql)
{
	PGresult *r = PQexec(db, sql);
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	long long n = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return n;
}

/* Row counts of every registry table and the audit trail, as one string. */
static void snapshot(PGconn *db, char out[512])
{
	static const char *const tables[] = {"deliberations",         "deliberation_recipients",
	                                     "deliberation_versions", "version_variables",
	                                     "version_groups",        "version_group_caps",
	                                     "version_phases",        "version_phase_destinations",
	                                     "version_recipients",    "recipients",
	                                     "audit_events"};
	size_t len = 0;
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		char sql[128];
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", tables[i]);
		len +=
		    (size_t)snprintf(out + len, 512 - len, "%s=%lld ", tables[i], count(db, sql));
	}
}

static void import_file(struct fixture *f)
{
	struct registry_result res;
	struct err e = {0};
	assert_true(registry_record(f->db, f->file, REGISTRY_IMPORT, ACTOR, &res, &e));
}

static void test_import_idempotent(void **state)
{
	struct fixture *f = *state;
	struct registry_result res;
	struct err e = {0};
	char before[512], after[512];

	assert_true(registry_record(f->db, f->file, REGISTRY_IMPORT, ACTOR, &res, &e));
	assert_true(res.changed);
	assert_true(res.created);
	assert_int_equal(res.first_new, 1);
	assert_int_equal(res.last_new, 3);
	assert_int_equal(res.recipients_added, 1);
	snapshot(f->db, before);
	assert_int_equal(count(f->db, "SELECT count(*) FROM deliberation_versions"), 3);
	assert_int_equal(count(f->db, "SELECT count(*) FROM version_variables"), 76);

	assert_true(registry_record(f->db, f->file, REGISTRY_IMPORT, ACTOR, &res, &e));
	assert_false(res.changed);
	assert_int_equal(res.first_new, 0);
	snapshot(f->db, after);
	assert_string_equal(before, after);

	/* Creating it again through the API's mode is a conflict. */
	assert_false(registry_record(f->db, f->file, REGISTRY_CREATE, ACTOR, &res, &e));
	assert_int_equal(e.kind, ERR_CONFLICT);
}

static int section_count(const json_t *vars, const char *section)
{
	size_t i;
	const json_t *v;
	int n = 0;
	json_array_foreach(vars, i, v) n +=
	    strcmp(json_string_value(json_object_get(v, "section")), section) == 0;
	return n;
}

static void test_terms_at(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	import_file(f);

	json_t *t = registry_terms(f->db, "21/128", 20251201, &e);
	assert_non_null(t);
	assert_int_equal(json_integer_value(json_object_get(t, "version")), 3);
	assert_true(json_is_true(json_object_get(t, "terms_on_record")));
	assert_string_equal(json_string_value(json_object_get(t, "retention_until")), "2031-01-31");
	assert_true(json_is_true(json_object_get(t, "in_force")));
	assert_string_equal(json_string_value(json_object_get(t, "at")), "2025-12-01");
	assert_string_equal(json_string_value(json_object_get(t, "deadline")), "2031-01-31");
	assert_int_equal(json_integer_value(json_object_get(t, "number")), 3);
	const json_t *vars = json_object_get(t, "variables");
	assert_int_equal(json_array_size(vars), 76);
	assert_int_equal(section_count(vars, "person"), 17);
	assert_int_equal(section_count(vars, "labour"), 28);
	assert_int_equal(section_count(vars, "education"), 16);
	assert_int_equal(section_count(vars, "naric"), 15);
	assert_int_equal(json_array_size(json_object_get(t, "groups")), 3);
	assert_string_equal(json_string_value(json_array_get(json_object_get(t, "recipients"), 0)),
	                    "maastricht-sbe");
	json_decref(t);

	t = registry_terms(f->db, "21/128", 20240601, &e);
	assert_non_null(t);
	assert_int_equal(json_integer_value(json_object_get(t, "version")), 2);
	assert_true(json_is_false(json_object_get(t, "terms_on_record")));
	assert_int_equal(json_array_size(json_object_get(t, "variables")), 0);
	assert_true(json_is_null(json_object_get(t, "retention_until")));
	json_decref(t);

	t = registry_terms(f->db, "21/128", 20210101, &e);
	assert_null(t);
	assert_int_equal(e.kind, ERR_NOT_FOUND);
	assert_string_equal(e.message, "no version of 21/128 was in force on 2021-01-01");
	assert_true(registry_err_not_in_force(&e));

	err_clear(&e);
	assert_null(registry_terms(f->db, "99/999", 20251201, &e));
	assert_int_equal(e.kind, ERR_NOT_FOUND);
	assert_false(registry_err_not_in_force(&e));

	int32_t until = -1;
	err_clear(&e);
	assert_true(store_registry_retention_at(f->db, "21/128", 20251201, &until, &e));
	assert_int_equal(until, 20310131);
	assert_true(store_registry_retention_at(f->db, "21/128", 20240601, &until, &e));
	assert_int_equal(until, 0);
	assert_false(store_registry_retention_at(f->db, "21/128", 20210101, &until, &e));
	assert_int_equal(e.kind, ERR_NOT_FOUND);
}

static void test_load_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	import_file(f);
	struct terms_deliberation *d = registry_load(f->db, "21/128", &e);
	assert_non_null(d);
	json_t *a = terms_json_deliberation(d), *b = terms_json_deliberation(f->file);
	assert_true(json_equal(a, b));
	json_decref(a);
	json_decref(b);
	terms_free(d);
	err_clear(&e);
	assert_null(registry_load(f->db, "1/1", &e));
	assert_int_equal(e.kind, ERR_NOT_FOUND);
}

/* Version 3 as JSON, turned into version 4 with another deadline. */
static json_t *amendment(struct fixture *f, int number, const char *in_force, const char *until)
{
	json_t *v = terms_json_version(f->file, &f->file->versions[2]);
	json_object_set_new(v, "number", json_integer(number));
	json_object_set_new(v, "decided_on", json_string("2026-03-02"));
	json_object_set_new(v, "in_force_from", json_string(in_force));
	json_object_set_new(v, "summary", json_string("Deadline moved"));
	json_object_set_new(json_object_get(v, "terms"), "retention_until", json_string(until));
	return v;
}

static void version_record(PGconn *db, int number, char **json, char **sha)
{
	char sql[160];
	snprintf(sql, sizeof(sql),
	         "SELECT terms_json, terms_sha256, encode(sha256(convert_to(terms_json, 'UTF8')), "
	         "'hex') FROM deliberation_versions WHERE reference = '21/128' AND number = %d",
	         number);
	PGresult *r = PQexec(db, sql);
	assert_int_equal(PQntuples(r), 1);
	*json = strdup(PQgetvalue(r, 0, 0));
	*sha = strdup(PQgetvalue(r, 0, 1));
	assert_string_equal(PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2)); /* hash of the bytes */
	PQclear(r);
}

static void test_amendment(void **state)
{
	struct fixture *f = *state;
	struct registry_result res;
	struct err e = {0};
	char *json3, *sha3, *json3b, *sha3b;
	import_file(f);
	version_record(f->db, 3, &json3, &sha3);
	long long events = count(f->db, "SELECT count(*) FROM audit_events");

	json_t *v4 = amendment(f, 4, "2026-03-16", "2029-12-31");
	assert_true(registry_amend_json(f->db, "21/128", v4, ACTOR, &res, &e));
	assert_int_equal(res.first_new, 4);
	assert_false(res.created);
	assert_int_equal(count(f->db, "SELECT count(*) FROM audit_events"), events + 1);
	version_record(f->db, 3, &json3b, &sha3b);
	assert_string_equal(json3, json3b);
	assert_string_equal(sha3, sha3b);

	int32_t until;
	assert_true(store_registry_retention_at(f->db, "21/128", 20260401, &until, &e));
	assert_int_equal(until, 20291231);
	assert_true(store_registry_retention_at(f->db, "21/128", 20260301, &until, &e));
	assert_int_equal(until, 20310131);
	json_t *t = registry_terms(f->db, "21/128", 20260401, &e);
	assert_int_equal(json_integer_value(json_object_get(t, "version")), 4);
	json_decref(t);

	/* The same number again: taken. */
	err_clear(&e);
	assert_false(registry_amend_json(f->db, "21/128", v4, ACTOR, &res, &e));
	assert_int_equal(e.kind, ERR_CONFLICT);
	assert_string_equal(e.field, "number");
	json_decref(v4);
	/* A gap in the numbering. */
	err_clear(&e);
	v4 = amendment(f, 6, "2026-05-01", "2029-12-31");
	assert_false(registry_amend_json(f->db, "21/128", v4, ACTOR, &res, &e));
	assert_int_equal(e.kind, ERR_INVALID);
	assert_string_equal(e.field, "number");
	json_decref(v4);
	/* In force before the previous version. */
	err_clear(&e);
	v4 = amendment(f, 5, "2026-03-10", "2029-12-31");
	assert_false(registry_amend_json(f->db, "21/128", v4, ACTOR, &res, &e));
	assert_int_equal(e.kind, ERR_INVALID);
	assert_string_equal(e.field, "in_force_from");
	json_decref(v4);
	/* Another reference in the body. */
	err_clear(&e);
	v4 = amendment(f, 5, "2026-06-01", "2029-12-31");
	json_object_set_new(v4, "reference", json_string("21/129"));
	assert_false(registry_amend_json(f->db, "21/128", v4, ACTOR, &res, &e));
	assert_string_equal(e.field, "reference");
	json_decref(v4);
	assert_int_equal(count(f->db, "SELECT count(*) FROM deliberation_versions"), 4);

	/* The original file still imports as "unchanged" (it has fewer versions). */
	assert_true(registry_record(f->db, f->file, REGISTRY_IMPORT, ACTOR, &res, &e));
	assert_false(res.changed);
	free(json3);
	free(sha3);
	free(json3b);
	free(sha3b);
}

/* The file's model, altered through its JSON. */
static struct terms_deliberation *altered(struct fixture *f, void (*edit)(json_t *d))
{
	struct err e = {0};
	json_t *j = terms_json_deliberation(f->file);
	edit(j);
	struct terms_deliberation *d = terms_json_parse(j, &e);
	if (d == NULL)
		fprintf(stderr, "altered: %s\n", e.message);
	json_decref(j);
	assert_non_null(d);
	return d;
}

static void edit_v3(json_t *d)
{
	json_t *v3 = json_array_get(json_object_get(d, "versions"), 2);
	json_t *terms = json_object_get(v3, "terms");
	json_object_set_new(terms, "retention_until", json_string("2032-01-31"));
	json_object_set_new(v3, "summary", json_string("something else"));
	json_t *vars = json_object_get(terms, "variables");
	/* drop the last variable, change the type of the third */
	json_array_remove(vars, json_array_size(vars) - 1);
	json_t *age = json_array_get(vars, 2);
	json_object_set_new(age, "label", json_string("changed label"));
	json_t *g = json_array_get(json_object_get(terms, "groups"), 0);
	json_object_set_new(g, "population", json_integer(1));
}

static void edit_header(json_t *d)
{
	json_object_set_new(d, "title", json_string("Another title"));
}

static void test_altered_refused(void **state)
{
	struct fixture *f = *state;
	struct registry_result res;
	struct err e = {0};
	char before[512], after[512];
	import_file(f);
	snapshot(f->db, before);

	struct terms_deliberation *d = altered(f, edit_v3);
	assert_false(registry_record(f->db, d, REGISTRY_IMPORT, ACTOR, &res, &e));
	assert_int_equal(e.kind, ERR_CONFLICT);
	const char *last = f->file->versions[2].body.variables[75].code;
	const char *third = f->file->versions[2].body.variables[2].code;
	char want[160];
	assert_non_null(strstr(e.message, "version 3 of 21/128 differs"));
	assert_non_null(strstr(e.message, "summary"));
	assert_non_null(strstr(e.message, "retention_until"));
	snprintf(want, sizeof(want), "variables: removed %s; changed %s (label)", last, third);
	assert_non_null(strstr(e.message, want));
	assert_non_null(strstr(e.message, "groups: changed"));
	assert_non_null(strstr(e.message, "(population)"));
	terms_free(d);

	err_clear(&e);
	d = altered(f, edit_header);
	assert_false(registry_record(f->db, d, REGISTRY_IMPORT, ACTOR, &res, &e));
	assert_int_equal(e.kind, ERR_CONFLICT);
	assert_non_null(strstr(e.message, "title"));
	terms_free(d);

	snapshot(f->db, after);
	assert_string_equal(before, after);
}

/* Direct SQL that must fail (with our trigger's message). */
static void refused_sql(PGconn *db, const char *sql)
{
	PGresult *r = PQexec(db, sql);
	if (PQresultStatus(r) != PGRES_FATAL_ERROR)
		fail_msg("accepted: %s", sql);
	PQclear(r);
}

static void test_immutable_in_sql(void **state)
{
	struct fixture *f = *state;
	import_file(f);
	refused_sql(f->db, "UPDATE deliberation_versions SET terms_json = '{}' WHERE number = 3");
	refused_sql(f->db, "UPDATE deliberation_versions SET retention_until = '2040-01-01' "
	                   "WHERE number = 3");
	refused_sql(f->db, "DELETE FROM deliberation_versions");
	refused_sql(f->db, "UPDATE version_variables SET type = 'text'");
	refused_sql(f->db, "DELETE FROM version_variables");
	refused_sql(f->db, "UPDATE version_groups SET population = 1");
	refused_sql(f->db, "UPDATE version_group_caps SET persons = 1");
	refused_sql(f->db, "DELETE FROM version_recipients");
	refused_sql(f->db, "DELETE FROM version_phase_destinations");
	refused_sql(f->db, "UPDATE version_phases SET description = ''");
	refused_sql(f->db, "DELETE FROM deliberations");
	refused_sql(f->db, "UPDATE deliberations SET title = 'x'");
	refused_sql(f->db, "TRUNCATE deliberation_versions CASCADE");
	refused_sql(f->db, "DELETE FROM recipients");
	refused_sql(f->db, "UPDATE recipients SET id = 'other'");
	/* Operational details of a recipient may change. */
	testdb_sql(f->db, "UPDATE recipients SET contact = 'new contact'");
}

static void test_recipients(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	struct terms_recipient r = {.id = "acme-lab", .name = "ACME lab", .organisation = "ACME"};

	assert_true(registry_recipient_create(f->db, &r, "https://acme.example/hook",
	                                      "0123456789abcdef0123", ACTOR, &e));
	json_t *j = registry_recipient_get(f->db, "acme-lab", &e);
	assert_non_null(j);
	assert_true(json_is_true(json_object_get(j, "webhook_secret_set")));
	assert_null(json_object_get(j, "webhook_secret"));
	char *dump = json_dumps(j, 0);
	assert_null(strstr(dump, "0123456789abcdef0123"));
	free(dump);
	json_decref(j);

	assert_false(registry_recipient_create(f->db, &r, NULL, NULL, ACTOR, &e));
	assert_int_equal(e.kind, ERR_CONFLICT);

	static const struct {
		struct terms_recipient r;
		const char *url, *secret, *field;
	} bad[] = {
	    {{.id = "-x", .name = "n"}, NULL, NULL, "id"},
	    {{.id = "a b", .name = "n"}, NULL, NULL, "id"},
	    /* Upper case could be registered once but never receive a delivery. */
	    {{.id = "UM.Upper", .name = "n"}, NULL, NULL, "id"},
	    {{.id = "a234567890123456789012345678901234567890123456789012345678901234",
	      .name = "n"},
	     NULL,
	     NULL,
	     "id"},
	    {{.id = "ok", .name = ""}, NULL, NULL, "name"},
	    {{.id = "ok", .name = "n"}, "ftp://x", "0123456789abcdef", "webhook_url"},
	    {{.id = "ok", .name = "n"}, "https://x", NULL, "webhook_secret"},
	    {{.id = "ok", .name = "n"}, NULL, "0123456789abcdef", "webhook_url"},
	    {{.id = "ok", .name = "n"}, "https://x", "short", "webhook_secret"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&e);
		assert_false(registry_recipient_create(f->db, &bad[i].r, bad[i].url, bad[i].secret,
		                                       ACTOR, &e));
		assert_int_equal(e.kind, ERR_INVALID);
		assert_string_equal(e.field, bad[i].field);
	}
	/* The SQL CHECK is the same rule, whoever writes the row. */
	refused_sql(f->db, "INSERT INTO recipients (id, name, created_by) "
	                   "VALUES ('UM.Upper', 'n', 'test')");
	/* Operational details change through the service, audited, secret-free. */
	err_clear(&e);
	assert_true(registry_recipient_update(f->db, "acme-lab", "desk@acme.example", true, NULL,
	                                      NULL, ACTOR, &e));
	j = registry_recipient_get(f->db, "acme-lab", &e);
	assert_string_equal(json_string_value(json_object_get(j, "contact")), "desk@acme.example");
	assert_true(json_is_null(json_object_get(j, "webhook_url")));
	assert_true(json_is_false(json_object_get(j, "webhook_secret_set")));
	json_decref(j);
	assert_true(registry_recipient_update(f->db, "acme-lab", NULL, true,
	                                      "https://acme.example/h2", "fedcba9876543210fedc",
	                                      ACTOR, &e));
	assert_false(
	    registry_recipient_update(f->db, "acme-lab", NULL, true, "https://x", NULL, ACTOR, &e));
	assert_int_equal(e.kind, ERR_INVALID);
	err_clear(&e);
	assert_false(registry_recipient_update(f->db, "nobody", "c", false, NULL, NULL, ACTOR, &e));
	assert_int_equal(e.kind, ERR_NOT_FOUND);
	PGresult *res = PQexec(f->db, "SELECT count(*) FROM audit_events WHERE action = "
	                              "'recipient.update' AND details::text NOT LIKE '%fedcba98%'");
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	assert_string_equal(PQgetvalue(res, 0, 0), "2");
	PQclear(res);

	err_clear(&e);
	assert_null(registry_recipient_get(f->db, "nobody", &e));
	assert_int_equal(e.kind, ERR_NOT_FOUND);

	/* Visibility: 21/128 names maastricht-sbe, not acme-lab. */
	import_file(f);
	bool named = true;
	assert_true(registry_names_recipient(f->db, "21/128", "acme-lab", &named, &e));
	assert_false(named);
	assert_true(registry_names_recipient(f->db, "21/128", "maastricht-sbe", &named, &e));
	assert_true(named);
	json_t *l = registry_list(f->db, "acme-lab", &e);
	assert_int_equal(json_array_size(l), 0);
	json_decref(l);
	l = registry_list(f->db, NULL, &e);
	assert_int_equal(json_array_size(l), 1);
	json_decref(l);
}

static void test_reference_parse(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"21/128", "21/128"}, {"21-128", "21/128"}, {"2021-1", "2021/1"}, {"21", NULL},
	    {"21/", NULL},        {"/128", NULL},       {"21/12a", NULL},     {"21/1/2", NULL},
	    {"21-128-1", NULL},   {"", NULL},           {"12345/1", NULL},    {"1/1234567", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[32];
		struct err e = {0};
		bool ok = registry_reference_parse(cases[i].in, out, &e);
		if (cases[i].out == NULL) {
			assert_false(ok);
			assert_string_equal(e.field, "reference");
		} else {
			assert_true(ok);
			assert_string_equal(out, cases[i].out);
		}
	}
	char url[32];
	registry_reference_url("21/128", url);
	assert_string_equal(url, "21-128");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reference_parse),
	    cmocka_unit_test_setup_teardown(test_import_idempotent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_terms_at, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_amendment, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_altered_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_immutable_in_sql, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recipients, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
