/*
 * test_checkpoint: the tamper test of issue 13.  A trail of EVENTS events gets a
 * signed checkpoint; then TAMPERINGS generated tamperings, each inside a transaction
 * that is rolled back afterwards (or on a copy of the checkpoint file that is put
 * back), must every one be reported by checkpoint_verify:
 *  - edit: one column of one event changed, without and with every later hash
 *    recomputed (the insider's rewrite, invisible to the hash chain alone);
 *  - delete tail: the newest k events deleted (the chain stays consistent);
 *  - delete all: DELETE or TRUNCATE;
 *  - reorder: two events swapped, without and with the chain recomputed;
 *  - insert forged: a correctly hashed event inserted inside the checkpointed range
 *    and the rest renumbered and rehashed;
 *  - replace checkpoint: its count, hash, time or signature changed, or a
 *    checkpoint signed with another key;
 *  - append forged: a correctly hashed event appended after the newest checkpoint,
 *    without a MAC or with a made-up one (only the per-event MAC tells it).
 * Also: an intact trail verifies, with and without checkpoints, and events after
 * the newest checkpoint are reported as not yet covered, not as tampering.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "checkpoint.h"
#include "config.h"
#include "db.h"
#include "hex.h"
#include "testdb.h"

#define EVENTS 40
#define TAMPERINGS 1400
#define KINDS 7

struct fixture {
	char *dbname;
	struct config *config;
	PGconn *db;
	char dir[64];
	char file[128];
	char *saved; /* the checkpoint file as written */
};

static void exec_ok(PGconn *db, const char *sql)
{
	PGresult *r = PQexec(db, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(db));
	PQclear(r);
}

static void append(PGconn *db, int i)
{
	struct err e = {0};
	assert_true(db_begin(db, &e));
	json_t *d = json_pack("{s:i,s:s}", "i", i, "note", "tamper test");
	if (!audit_append(db, "cli:test", "test.event", "thing:1", d, &e))
		fail_msg("audit_append: %s", e.message);
	json_decref(d);
	assert_true(db_commit(db, &e));
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *buf = calloc(1, 1 << 16);
	assert_non_null(buf);
	size_t n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!testdb_open("checkpoint", &f->dbname, &f->config, &f->db))
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/deliberd-cp.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	free(f->config->audit_checkpoint_dir);
	free(f->config->audit_checkpoint_key);
	f->config->audit_checkpoint_dir = strdup(f->dir);
	char key[128];
	snprintf(key, sizeof(key), "%s/checkpoint.key", f->dir);
	f->config->audit_checkpoint_key = strdup(key);
	snprintf(f->file, sizeof(f->file), "%s/%s", f->dir, CHECKPOINT_FILE);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f->saved);
	testdb_close(f->dbname, f->config, f->db);
	free(f);
	return 0;
}

static struct checkpoint_result verify(struct fixture *f)
{
	struct err e = {0};
	struct checkpoint_result r;
	if (!checkpoint_verify(f->db, f->config, &r, &e))
		fail_msg("checkpoint_verify could not check: %s", e.message);
	return r;
}

/* Recomputes prev_hash and hash of every event from seq `from` on, as an insider
 * who knows the (public) hashing rule would. */
static void rehash_from(PGconn *db, int64_t from)
{
	PGresult *r = PQexec(db, "SELECT seq, to_char(at AT TIME ZONE 'UTC', "
	                         "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), actor, action, object, "
	                         "details::text, hash FROM audit_events ORDER BY seq");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	char prev[65] = AUDIT_GENESIS_HASH;
	size_t cap = 256 * (size_t)(PQntuples(r) + 1), len = 0;
	char *sql = malloc(cap);
	assert_non_null(sql);
	sql[0] = '\0';
	for (int i = 0; i < PQntuples(r); i++) {
		int64_t seq = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		if (seq < from) {
			snprintf(prev, sizeof(prev), "%s", PQgetvalue(r, i, 6));
			continue;
		}
		char hash[65];
		if (!audit_hash(prev, seq, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
		                PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5),
		                hash))
			fail_msg("audit_hash failed at seq %" PRId64, seq);
		len += (size_t)snprintf(sql + len, cap - len,
		                        "UPDATE audit_events SET prev_hash = '%s', hash = '%s' "
		                        "WHERE seq = %" PRId64 ";",
		                        prev, hash, seq);
		snprintf(prev, sizeof(prev), "%s", hash);
	}
	PQclear(r);
	if (len > 0)
		exec_ok(db, sql);
	free(sql);
}

static const char *const columns[] = {"actor", "action",    "object", "details",
                                      "at",    "prev_hash", "hash"};

static void tamper_db(PGconn *db, int kind, unsigned *rnd, char *what, size_t size)
{
	char q[1024];
	int a = 1 + (int)(rand_r(rnd) % EVENTS);
	bool rehash = rand_r(rnd) % 2 == 0;
	switch (kind) {
	case 0: { /* edit */
		const char *col = columns[rand_r(rnd) % (sizeof(columns) / sizeof(columns[0]))];
		const char *set = strcmp(col, "details") == 0 ? "'{\"i\":-1}'::json"
		                  : strcmp(col, "at") == 0    ? "at + interval '1 second'"
		                  : strcmp(col, "prev_hash") == 0 || strcmp(col, "hash") == 0
		                      ? "repeat('a', 64)"
		                      : "'cli:mallory'";
		snprintf(q, sizeof(q), "UPDATE audit_events SET %s = %s WHERE seq = %d", col, set,
		         a);
		exec_ok(db, q);
		if (rehash && strcmp(col, "hash") != 0 && strcmp(col, "prev_hash") != 0)
			rehash_from(db, a);
		snprintf(what, size, "edit %s of seq %d%s", col, a, rehash ? " + rehash" : "");
		break;
	}
	case 1: { /* delete tail */
		int k = 1 + (int)(rand_r(rnd) % EVENTS);
		snprintf(q, sizeof(q), "DELETE FROM audit_events WHERE seq > %d", EVENTS - k);
		exec_ok(db, q);
		snprintf(what, size, "delete the newest %d", k);
		break;
	}
	case 2: /* delete all */
		exec_ok(db, rehash ? "TRUNCATE audit_events" : "DELETE FROM audit_events");
		snprintf(what, size, "delete all (%s)", rehash ? "truncate" : "delete");
		break;
	case 3: { /* reorder */
		int b = 1 + (int)(rand_r(rnd) % EVENTS);
		if (b == a)
			b = a % EVENTS + 1;
		snprintf(
		    q, sizeof(q),
		    "CREATE TEMP TABLE d ON COMMIT DROP AS SELECT * FROM audit_events "
		    "WHERE seq IN (%d, %d); DELETE FROM audit_events WHERE seq IN (%d, %d); "
		    "INSERT INTO audit_events (seq, at, actor, action, object, details, "
		    "prev_hash, hash) SELECT CASE WHEN seq = %d THEN %d ELSE %d END, at, actor, "
		    "action, object, details, prev_hash, hash FROM d",
		    a, b, a, b, a, b, a);
		exec_ok(db, q);
		if (rehash)
			rehash_from(db, a < b ? a : b);
		snprintf(what, size, "swap seq %d and %d%s", a, b, rehash ? " + rehash" : "");
		break;
	}
	case 6: { /* append forged after the checkpoint: the chain is fine, the MAC is not */
		PGresult *h = PQexec(db, "SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1");
		assert_int_equal(PQntuples(h), 1);
		char prev[65], hash[65];
		snprintf(prev, sizeof(prev), "%s", PQgetvalue(h, 0, 0));
		PQclear(h);
		const char *at = "2026-12-02T12:00:00.000000Z";
		assert_true(audit_hash(prev, EVENTS + 1, at, "credential:1", "credential.add",
		                       "credential:99", "{\"role\":\"governance\"}", hash));
		char mac[65];
		for (int i = 0; i < 64; i++)
			mac[i] = "0123456789abcdef"[rand_r(rnd) % 16];
		mac[64] = '\0';
		snprintf(
		    q, sizeof(q),
		    "INSERT INTO audit_events (seq, at, actor, action, object, details, "
		    "prev_hash, hash, mac) VALUES (%d, '%s', 'credential:1', 'credential.add', "
		    "'credential:99', '{\"role\":\"governance\"}', '%s', '%s', %s%s%s)",
		    EVENTS + 1, at, prev, hash, rehash ? "'" : "", rehash ? mac : "NULL",
		    rehash ? "'" : "");
		exec_ok(db, q);
		snprintf(what, size, "append a forged event %s",
		         rehash ? "with a made-up MAC" : "without a MAC");
		break;
	}
	case 4: { /* insert forged, renumbering and rehashing the rest */
		snprintf(q, sizeof(q),
		         "UPDATE audit_events SET seq = seq + 100000 WHERE seq >= %d; "
		         "UPDATE audit_events SET seq = seq - 99999 WHERE seq > 100000; "
		         "INSERT INTO audit_events (seq, at, actor, action, object, details, "
		         "prev_hash, hash) VALUES (%d, now(), 'credential:1', 'credential.add', "
		         "'credential:99', '{\"role\":\"governance\"}', repeat('0', 64), "
		         "repeat('f', 64))",
		         a, a);
		exec_ok(db, q);
		rehash_from(db, a);
		snprintf(what, size, "insert a forged event at seq %d + rehash", a);
		break;
	}
	}
}

/* A checkpoint signed with a key other than the daemon's. */
static char *foreign_line(const char *hash)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(k);
	struct checkpoint cp = {.count = EVENTS};
	snprintf(cp.last_hash, sizeof(cp.last_hash), "%s", hash);
	snprintf(cp.time, sizeof(cp.time), "2030-01-01T00:00:00Z");
	char msg[256], sig[129];
	unsigned char raw[64];
	size_t n = 64;
	checkpoint_message(&cp, msg, sizeof(msg));
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, NULL, NULL, k), 1);
	assert_int_equal(EVP_DigestSign(ctx, raw, &n, (unsigned char *)msg, strlen(msg)), 1);
	EVP_MD_CTX_free(ctx);
	hex_encode(raw, 64, sig);
	unsigned char pub[32];
	size_t pn = 32;
	char kid[65];
	assert_int_equal(EVP_PKEY_get_raw_public_key(k, pub, &pn), 1);
	assert_true(hex_sha256(pub, pn, kid));
	kid[16] = '\0';
	EVP_PKEY_free(k);
	char *line = malloc(512);
	snprintf(line, 512,
	         "{\"count\":%d,\"key_id\":\"%s\",\"last_hash\":\"%s\",\"signature\":\"%s\","
	         "\"time\":\"%s\"}\n",
	         EVENTS, kid, hash, sig, cp.time);
	return line;
}

static void tamper_checkpoint(struct fixture *f, unsigned *rnd, char *what, size_t size)
{
	json_error_t jerr;
	json_t *j = json_loads(f->saved, JSON_DISABLE_EOF_CHECK, &jerr);
	assert_non_null(j);
	int v = (int)(rand_r(rnd) % 6);
	char *text = NULL;
	if (v == 5) {
		text = foreign_line(json_string_value(json_object_get(j, "last_hash")));
		snprintf(what, size, "checkpoint signed by another key");
	} else {
		switch (v) {
		case 0:
			json_object_set_new(
			    j, "count", json_integer(EVENTS - 1 - (json_int_t)(rand_r(rnd) % 10)));
			snprintf(what, size, "checkpoint count lowered");
			break;
		case 1:
			json_object_set_new(j, "count", json_integer(EVENTS + 1));
			snprintf(what, size, "checkpoint count raised");
			break;
		case 2:
			json_object_set_new(j, "last_hash", json_string(AUDIT_GENESIS_HASH));
			snprintf(what, size, "checkpoint hash replaced");
			break;
		case 3:
			json_object_set_new(j, "time", json_string("2031-02-01T00:00:00Z"));
			snprintf(what, size, "checkpoint time replaced");
			break;
		case 4: {
			char sig[129];
			snprintf(sig, sizeof(sig), "%s",
			         json_string_value(json_object_get(j, "signature")));
			int at = (int)(rand_r(rnd) % 128);
			sig[at] = sig[at] == '0' ? '1' : '0';
			json_object_set_new(j, "signature", json_string(sig));
			snprintf(what, size, "checkpoint signature digit %d changed", at);
			break;
		}
		}
		char *dump = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
		text = malloc(strlen(dump) + 2);
		sprintf(text, "%s\n", dump);
		free(dump);
	}
	json_decref(j);
	spit(f->file, text);
	free(text);
}

static void test_tamperings(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	if (!checkpoint_use_mac_key(f->config, &e))
		fail_msg("checkpoint_use_mac_key: %s", e.message);
	for (int i = 0; i < EVENTS; i++)
		append(f->db, i);

	/* intact, no checkpoint yet: fine, nothing covered */
	struct checkpoint_result r = verify(f);
	assert_false(r.broken);
	assert_int_equal(r.events, EVENTS);
	assert_int_equal(r.latest.count, -1);

	struct checkpoint cp;
	if (!checkpoint_write(f->db, f->config, &cp, &e))
		fail_msg("checkpoint_write: %s", e.message);
	assert_int_equal(cp.count, EVENTS);
	f->saved = slurp(f->file);
	r = verify(f);
	if (r.broken)
		fail_msg("intact trail reported broken: %s", r.reason);
	assert_int_equal(r.latest.count, EVENTS);
	assert_int_equal(r.checkpoints, 1);

	int detected[KINDS] = {0}, tried[KINDS] = {0};
	unsigned rnd = 20261202;
	for (int i = 0; i < TAMPERINGS; i++) {
		int kind = i % KINDS;
		char what[160] = "";
		tried[kind]++;
		if (kind == 5) {
			tamper_checkpoint(f, &rnd, what, sizeof(what));
			r = verify(f);
			spit(f->file, f->saved);
		} else {
			exec_ok(f->db, "BEGIN");
			tamper_db(f->db, kind, &rnd, what, sizeof(what));
			r = verify(f);
			exec_ok(f->db, "ROLLBACK");
		}
		if (!r.broken)
			fail_msg("tampering %d not detected: %s", i, what);
		detected[kind]++;
	}
	static const char *const names[KINDS] = {
	    "edit",          "delete tail",        "delete all",   "reorder",
	    "insert forged", "replace checkpoint", "append forged"};
	int total = 0;
	for (int k = 0; k < KINDS; k++) {
		printf("# %-18s %d of %d detected\n", names[k], detected[k], tried[k]);
		total += detected[k];
	}
	printf("# all: %d of %d tamperings detected\n", total, TAMPERINGS);
	assert_int_equal(total, TAMPERINGS);

	/* untouched afterwards; later events are uncovered, not tampering */
	r = verify(f);
	assert_false(r.broken);
	append(f->db, 99);
	r = verify(f);
	assert_false(r.broken);
	assert_int_equal(r.events, EVENTS + 1);
	assert_int_equal(r.latest.count, EVENTS);
	/* a second checkpoint covers it; a later one may never count fewer */
	assert_true(checkpoint_write(f->db, f->config, &cp, &e));
	assert_int_equal(cp.count, EVENTS + 1);
	r = verify(f);
	assert_false(r.broken);
	assert_int_equal(r.checkpoints, 2);
	/* and the daemon refuses to sign a truncated trail */
	exec_ok(f->db, "DELETE FROM audit_events WHERE seq > 30");
	assert_false(checkpoint_write(f->db, f->config, &cp, &e));
	assert_int_equal(e.kind, ERR_CONFLICT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_tamperings, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
