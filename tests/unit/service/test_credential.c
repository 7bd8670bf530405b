/*
 * test_credential: bearer tokens.  Token format and hashing (a fixed SHA-256
 * vector), add/authenticate/revoke against a real PostgreSQL, only the hash
 * stored, role and recipient rules, name uniqueness among active credentials,
 * audit events written in the same transaction (and a failed audit rolling the
 * credential back).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "config.h"
#include "credential.h"
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

	if (!testdb_open("cred", &f->dbname, &f->config, &f->db))
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

static int64_t count(PGconn *db, const char *sql)
{
	struct err e = {0};
	PGresult *r = db_exec(db, &e, sql, 0, NULL);
	assert_non_null(r);
	int64_t n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return n;
}

static void test_token_format(void **state)
{
	(void)state;
	char a[CREDENTIAL_TOKEN_LEN + 1], b[CREDENTIAL_TOKEN_LEN + 1];

	assert_true(credential_token_generate(a));
	assert_true(credential_token_generate(b));
	assert_int_equal(strlen(a), CREDENTIAL_TOKEN_LEN);
	assert_memory_equal(a, CREDENTIAL_TOKEN_PREFIX, 4);
	for (size_t i = 4; i < CREDENTIAL_TOKEN_LEN; i++)
		assert_non_null(strchr(
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", a[i]));
	assert_string_not_equal(a, b);
}

static void test_token_hash(void **state)
{
	(void)state;
	char h[65];

	/* printf 'dlb_test' | sha256sum */
	credential_token_hash("dlb_test", h);
	assert_string_equal(h, "672d9ddfc9d0c5a6086cea8f29d26c38e37e972f39444fd8f00e24d1ca855a49");
	credential_token_hash("", h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_roles(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		enum role role;
	} cases[] = {{"governance", ROLE_GOVERNANCE},
	             {"delivery", ROLE_DELIVERY},
	             {"recipient", ROLE_RECIPIENT},
	             {"auditor", ROLE_AUDITOR}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum role r;
		assert_true(role_parse(cases[i].name, &r));
		assert_int_equal(r, cases[i].role);
		assert_string_equal(role_name(r), cases[i].name);
	}
	enum role r;
	assert_false(role_parse("Governance", &r));
	assert_false(role_parse("", &r));
	assert_false(role_parse(NULL, &r));
}

static void test_add_authenticate_revoke(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	char token[CREDENTIAL_TOKEN_LEN + 1], hash[65], sql[256];
	int64_t id = 0;
	struct principal p;

	assert_true(
	    credential_add(f->db, "cli:test", ROLE_GOVERNANCE, NULL, "ops", token, &id, &e));
	assert_true(id > 0);

	/* only the hash is stored */
	credential_token_hash(token, hash);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM credentials WHERE token_sha256 = '%s'",
	         hash);
	assert_int_equal(count(f->db, sql), 1);
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM credentials c WHERE strpos(c::text, '%s') > 0", token + 4);
	assert_int_equal(count(f->db, sql), 0);
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM audit_events a WHERE strpos(a::text, '%s') > 0", token + 4);
	assert_int_equal(count(f->db, sql), 0);

	assert_true(credential_authenticate(f->db, token, &p, &e));
	assert_int_equal(p.credential_id, id);
	assert_int_equal(p.role, ROLE_GOVERNANCE);
	assert_string_equal(p.name, "ops");
	assert_string_equal(p.recipient, "");
	char actor[48];
	snprintf(actor, sizeof(actor), "credential:%lld", (long long)id);
	assert_string_equal(p.actor, actor);

	/* revoked: 401 from then on; revoking again is a conflict */
	assert_true(credential_revoke(f->db, "cli:test", id, &e));
	assert_false(credential_authenticate(f->db, token, &p, &e));
	assert_int_equal(e.kind, ERR_UNAUTHENTICATED);
	err_clear(&e);
	assert_false(credential_revoke(f->db, "cli:test", id, &e));
	assert_int_equal(e.kind, ERR_CONFLICT);
	err_clear(&e);
	assert_false(credential_revoke(f->db, "cli:test", id + 100, &e));
	assert_int_equal(e.kind, ERR_NOT_FOUND);

	/* both changes audited, chain intact */
	int64_t checked = 0, bad = 0;
	err_clear(&e);
	assert_true(audit_verify(f->db, &checked, &bad, &e));
	assert_int_equal(checked, 2);
	json_t *events = audit_list(f->db, 0, 10, &e);
	assert_non_null(events);
	assert_string_equal(json_string_value(json_object_get(json_array_get(events, 0), "action")),
	                    "credential.add");
	assert_string_equal(json_string_value(json_object_get(json_array_get(events, 1), "action")),
	                    "credential.revoke");
	assert_string_equal(json_string_value(json_object_get(json_array_get(events, 1), "actor")),
	                    "cli:test");
	json_decref(events);
}

static void test_recipient(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	char token[CREDENTIAL_TOKEN_LEN + 1];
	struct principal p;
	int64_t id;

	/* a recipient that is not registered is refused */
	assert_false(credential_add(f->db, "cli:test", ROLE_RECIPIENT, "maastricht-sbe", "m", token,
	                            &id, &e));
	assert_int_equal(e.kind, ERR_INVALID);
	assert_string_equal(e.field, "recipient");
	err_clear(&e);
	count(f->db,
	      "WITH x AS (INSERT INTO recipients (id, name, created_by) VALUES "
	      "('maastricht-sbe', 'Maastricht', 'test') RETURNING 1) SELECT count(*) FROM x");
	assert_true(credential_add(f->db, "cli:test", ROLE_RECIPIENT, "maastricht-sbe", "m", token,
	                           &id, &e));
	assert_true(credential_authenticate(f->db, token, &p, &e));
	assert_int_equal(p.role, ROLE_RECIPIENT);
	assert_string_equal(p.recipient, "maastricht-sbe");

	static const struct {
		enum role role;
		const char *recipient;
		const char *name;
		const char *field;
	} bad[] = {
	    {ROLE_RECIPIENT, NULL, "r1", "recipient"},
	    {ROLE_RECIPIENT, "", "r2", "recipient"},
	    {ROLE_RECIPIENT, "has space", "r3", "recipient"},
	    {ROLE_RECIPIENT, "UM.Upper", "r4", "recipient"},
	    {ROLE_RECIPIENT, "-lead", "r5", "recipient"},
	    {ROLE_GOVERNANCE, "maastricht-sbe", "g1", "recipient"},
	    {ROLE_AUDITOR, NULL, "", "name"},
	    {ROLE_AUDITOR, NULL, " padded", "name"},
	    {ROLE_AUDITOR, NULL, "tab\there", "name"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&e);
		assert_false(credential_add(f->db, "cli:test", bad[i].role, bad[i].recipient,
		                            bad[i].name, token, NULL, &e));
		assert_int_equal(e.kind, ERR_INVALID);
		assert_string_equal(e.field, bad[i].field);
	}
	assert_int_equal(count(f->db, "SELECT count(*) FROM credentials"), 1);
}

/* An expiry: a date is valid through that Brussels day, an instant as is; past or
 * malformed ones are refused; an expired token authenticates no more. */
static void test_expiry(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	char token[CREDENTIAL_TOKEN_LEN + 1];
	struct principal p;
	int64_t id = 0;

	assert_true(credential_create(f->db, "cli:test", ROLE_AUDITOR, NULL, "a", "2999-12-31",
	                              token, &id, &e));
	assert_true(credential_authenticate(f->db, token, &p, &e));
	assert_int_equal(count(f->db, "SELECT count(*) FROM credentials WHERE expires_at = "
	                              "'3000-01-01 00:00:00+01' AND last_used_at IS NOT NULL"),
	                 1);
	static const char *const bad[] = {"2001-01-01", "2001-01-01T00:00:00Z", "tomorrow",
	                                  "2025-02-30", "2025-01-01T10:00"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&e);
		assert_false(credential_create(f->db, "cli:test", ROLE_AUDITOR, NULL, "b", bad[i],
		                               token, NULL, &e));
		assert_int_equal(e.kind, ERR_INVALID);
		assert_string_equal(e.field, "expires_at");
	}
	err_clear(&e);
	assert_true(credential_create(f->db, "cli:test", ROLE_AUDITOR, NULL, "c",
	                              "2999-01-01T00:00:00Z", token, &id, &e));
	assert_true(credential_authenticate(f->db, token, &p, &e));
	/* time passes: the expiry is moved into the past */
	count(f->db, "WITH x AS (UPDATE credentials SET expires_at = now() - "
	             "interval '1 second' WHERE name = 'c' RETURNING 1) SELECT count(*) FROM x");
	assert_false(credential_authenticate(f->db, token, &p, &e));
	assert_int_equal(e.kind, ERR_UNAUTHENTICATED);
	json_t *list = credential_list(f->db, &e);
	assert_non_null(list);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "status")),
	                    "expired");
	json_decref(list);
}

static void test_names(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	char t1[CREDENTIAL_TOKEN_LEN + 1], t2[CREDENTIAL_TOKEN_LEN + 1];
	int64_t id1 = 0, id2 = 0, revoked = 0;
	struct principal p;

	assert_true(credential_add(f->db, "cli:test", ROLE_DELIVERY, NULL, "ship", t1, &id1, &e));
	assert_false(credential_add(f->db, "cli:test", ROLE_AUDITOR, NULL, "ship", t2, NULL, &e));
	assert_int_equal(e.kind, ERR_CONFLICT);
	assert_string_equal(e.field, "name");
	err_clear(&e);
	assert_true(credential_revoke_name(f->db, "cli:test", "ship", &revoked, &e));
	assert_int_equal(revoked, id1);
	assert_false(credential_revoke_name(f->db, "cli:test", "ship", NULL, &e));
	assert_int_equal(e.kind, ERR_NOT_FOUND);
	err_clear(&e);
	/* the name is free again once revoked */
	assert_true(credential_add(f->db, "cli:test", ROLE_AUDITOR, NULL, "ship", t2, &id2, &e));
	assert_true(credential_authenticate(f->db, t2, &p, &e));
	assert_int_equal(p.role, ROLE_AUDITOR);
	assert_false(credential_authenticate(f->db, t1, &p, &e));

	json_t *list = credential_list(f->db, &e);
	assert_non_null(list);
	assert_int_equal(json_array_size(list), 2);
	json_t *first = json_array_get(list, 0);
	assert_false(json_is_null(json_object_get(first, "revoked_at")));
	assert_string_equal(json_string_value(json_object_get(first, "revoked_by")), "cli:test");
	assert_true(json_is_null(json_object_get(json_array_get(list, 1), "revoked_at")));
	/* no secret in the listing */
	char *text = json_dumps(list, 0);
	assert_null(strstr(text, t2 + 4));
	assert_null(strstr(text, "sha256"));
	free(text);
	json_decref(list);
}

static void test_authenticate_rejects(void **state)
{
	struct fixture *f = *state;
	char big[600];
	struct principal p;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	const char *bad[] = {NULL, "", "dlb_unknown", big};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct err e = {0};
		assert_false(credential_authenticate(f->db, bad[i], &p, &e));
		assert_int_equal(e.kind, ERR_UNAUTHENTICATED);
	}
}

/* If the audit event cannot be written, the credential is not created. */
static void test_audit_failure_rolls_back(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	char token[CREDENTIAL_TOKEN_LEN + 1];

	assert_false(
	    credential_add(f->db, "cli:\x01", ROLE_GOVERNANCE, NULL, "x", token, NULL, &e));
	assert_int_equal(count(f->db, "SELECT count(*) FROM credentials"), 0);
	assert_int_equal(count(f->db, "SELECT count(*) FROM audit_events"), 0);
	/* and the connection is usable afterwards */
	err_clear(&e);
	assert_true(credential_add(f->db, "cli:test", ROLE_GOVERNANCE, NULL, "x", token, NULL, &e));
}

int main(void)
{
	log_setup(LOG_LEVEL_WARN, LOG_FORMAT_TEXT);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_token_format),
	    cmocka_unit_test(test_token_hash),
	    cmocka_unit_test(test_roles),
	    cmocka_unit_test_setup_teardown(test_add_authenticate_revoke, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recipient, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_authenticate_rejects, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_audit_failure_rolls_back, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
