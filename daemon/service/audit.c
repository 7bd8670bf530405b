/*
 * audit: the tamper-evident trail (docs/audit.md).  Appends take a
 * transaction-level advisory lock so that links are made one at a time in seq
 * order, and seq is last+1 rather than a sequence so that a rolled-back change
 * leaves no gap (a gap always means a deleted event).
 */
#include "audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>

#include "clock.h"
#include "hex.h"
#include "store_audit.h"

#define AUDIT_JSON_FLAGS (JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII)
#define AUDIT_NAME_MAX 200
#define AUDIT_DETAILS_MAX (1024 * 1024)
#define AUDIT_VERIFY_PAGE 500

/* actor, action and object are identifiers made by deliberd: printable ASCII
 * keeps their canonical encoding the same in every JSON library. */
static bool printable_ascii(const char *s)
{
	size_t n = 0;
	for (; s[n] != '\0'; n++)
		if ((unsigned char)s[n] < 0x20 || (unsigned char)s[n] > 0x7e)
			return false;
	return n > 0 && n <= AUDIT_NAME_MAX;
}

char *audit_canonical(int64_t seq, const char *at, const char *actor, const char *action,
                      const char *object, const char *details_json)
{
	json_error_t jerr;
	json_t *details = json_loads(details_json, JSON_REJECT_DUPLICATES, &jerr);
	if (details == NULL)
		return NULL;
	char *again = json_is_object(details) ? json_dumps(details, AUDIT_JSON_FLAGS) : NULL;
	bool canonical = again != NULL && strcmp(again, details_json) == 0;
	free(again);
	if (!canonical) {
		json_decref(details);
		return NULL;
	}
	json_t *ev =
	    json_pack("{s:I,s:s,s:s,s:s,s:s,s:o}", "seq", (json_int_t)seq, "at", at, "actor", actor,
	              "action", action, "object", object, "details", details);
	if (ev == NULL)
		return NULL;
	char *out = json_dumps(ev, AUDIT_JSON_FLAGS);
	json_decref(ev);
	return out;
}

bool audit_hash(const char *prev_hash, int64_t seq, const char *at, const char *actor,
                const char *action, const char *object, const char *details_json, char out[65])
{
	char *canon = audit_canonical(seq, at, actor, action, object, details_json);
	if (canon == NULL)
		return false;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[32];
	unsigned int mdlen = 0;
	bool ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	          EVP_DigestUpdate(ctx, prev_hash, strlen(prev_hash)) == 1 &&
	          EVP_DigestUpdate(ctx, canon, strlen(canon)) == 1 &&
	          EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
	EVP_MD_CTX_free(ctx);
	free(canon);
	if (!ok)
		return false;
	hex_encode(md, sizeof(md), out);
	return true;
}

static unsigned char audit_key[32];
static bool audit_key_set;
static pthread_mutex_t audit_key_lock = PTHREAD_MUTEX_INITIALIZER;

void audit_set_mac_key(const unsigned char key[32])
{
	pthread_mutex_lock(&audit_key_lock);
	memcpy(audit_key, key, sizeof(audit_key));
	audit_key_set = true;
	pthread_mutex_unlock(&audit_key_lock);
}

bool audit_mac(const unsigned char key[32], const char *hash, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;
	if (HMAC(EVP_sha256(), key, 32, (const unsigned char *)hash, strlen(hash), md, &n) ==
	        NULL ||
	    n != 32)
		return false;
	hex_encode(md, 32, out);
	return true;
}

/* The MAC of hash under the process's key; false (and out "") without a key. */
static bool audit_mac_now(const char *hash, char out[65])
{
	unsigned char key[32];
	pthread_mutex_lock(&audit_key_lock);
	bool have = audit_key_set;
	memcpy(key, audit_key, sizeof(key));
	pthread_mutex_unlock(&audit_key_lock);
	out[0] = '\0';
	return have && audit_mac(key, hash, out);
}

bool audit_append(PGconn *conn, const char *actor, const char *action, const char *object,
                  json_t *details, struct err *e)
{
	if (actor == NULL || !printable_ascii(actor) || action == NULL ||
	    !printable_ascii(action) || object == NULL || !printable_ascii(object)) {
		err_set(e, ERR_INVALID,
		        "audit actor, action and object must be 1 to %d printable ASCII "
		        "characters",
		        AUDIT_NAME_MAX);
		return false;
	}
	if (details != NULL && !json_is_object(details)) {
		err_set(e, ERR_INTERNAL, "audit details must be a JSON object");
		return false;
	}
	/* Outside a transaction the lock would end with its own statement and two
	 * appenders could link to the same event. */
	if (conn == NULL || PQtransactionStatus(conn) != PQTRANS_INTRANS) {
		err_set(e, ERR_INTERNAL, "audit_append must run inside the change's transaction");
		return false;
	}
	json_t *empty = details == NULL ? json_object() : NULL;
	char *text = json_dumps(details != NULL ? details : empty, AUDIT_JSON_FLAGS);
	json_decref(empty);
	if (text == NULL || strlen(text) > AUDIT_DETAILS_MAX) {
		free(text);
		err_set(e, ERR_INTERNAL, "audit details cannot be encoded (over 1 MiB?)");
		return false;
	}

	int64_t last = 0;
	char prev[65], at[STORE_AUDIT_AT_MAX], hash[65];
	bool ok = store_audit_lock(conn, e) && store_audit_head(conn, &last, prev, at, e);
	if (ok) {
		if (last == 0)
			snprintf(prev, sizeof(prev), "%s", AUDIT_GENESIS_HASH);
		ok = audit_hash(prev, last + 1, at, actor, action, object, text, hash);
		if (!ok)
			err_set(e, ERR_INTERNAL, "cannot hash the audit event");
	}
	char mac[65];
	bool have_mac = ok && audit_mac_now(hash, mac);
	ok = ok && store_audit_insert(conn, last + 1, at, actor, action, object, text, prev, hash,
	                              have_mac ? mac : NULL, e);
	free(text);
	return ok;
}

/* One stored row as the API shows it; details parsed back into JSON. */
static json_t *row_to_json(const PGresult *r, int i)
{
	json_int_t seq = strtoll(PQgetvalue(r, i, STORE_AUDIT_COL_SEQ), NULL, 10);
	json_t *details = json_loads(PQgetvalue(r, i, STORE_AUDIT_COL_DETAILS), 0, NULL);
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:s,s:s}", "seq", seq, "at",
	                 PQgetvalue(r, i, STORE_AUDIT_COL_AT), "actor",
	                 PQgetvalue(r, i, STORE_AUDIT_COL_ACTOR), "action",
	                 PQgetvalue(r, i, STORE_AUDIT_COL_ACTION), "object",
	                 PQgetvalue(r, i, STORE_AUDIT_COL_OBJECT), "details",
	                 details != NULL ? details : json_null(), "prev_hash",
	                 PQgetvalue(r, i, STORE_AUDIT_COL_PREV_HASH), "hash",
	                 PQgetvalue(r, i, STORE_AUDIT_COL_HASH));
}

json_t *audit_search(PGconn *conn, const struct audit_filter *f, struct err *e)
{
	if (f->after < 0 || f->limit < 1) {
		err_set(e, ERR_INVALID, "after must be >= 0 and limit >= 1");
		return NULL;
	}
	if (f->from != NULL && !clock_text_instant_form(f->from)) {
		err_set_field(e, ERR_INVALID, "from",
		              "from must be a date YYYY-MM-DD or an RFC 3339 instant");
		return NULL;
	}
	if (f->to != NULL && !clock_text_instant_form(f->to)) {
		err_set_field(e, ERR_INVALID, "to",
		              "to must be a date YYYY-MM-DD or an RFC 3339 instant");
		return NULL;
	}
	struct store_audit_filter sf = {
	    .after = f->after,
	    .limit = f->limit,
	    .action = f->action,
	    .object = f->subject,
	    .actor = f->actor,
	    .from = f->from,
	    .to = f->to,
	};
	PGresult *r = store_audit_search(conn, &sf, e);
	if (r == NULL)
		return NULL;
	json_t *out = json_array();
	for (int i = 0; out != NULL && i < PQntuples(r); i++) {
		json_t *ev = row_to_json(r, i);
		if (ev == NULL || json_array_append_new(out, ev) != 0) {
			json_decref(out);
			out = NULL;
		}
	}
	PQclear(r);
	if (out == NULL)
		err_set(e, ERR_INTERNAL, "out of memory listing audit events");
	return out;
}

json_t *audit_list(PGconn *conn, int64_t after, int limit, struct err *e)
{
	struct audit_filter f = {.after = after, .limit = limit};
	return audit_search(conn, &f, e);
}

/* Checks one row against the link before it; false with *bad_seq and a reason. */
static bool verify_row(const PGresult *r, int i, int64_t expect_seq, const char *prev,
                       int64_t *bad_seq, struct err *e)
{
	int64_t seq = strtoll(PQgetvalue(r, i, STORE_AUDIT_COL_SEQ), NULL, 10);
	char hash[65];

	if (seq != expect_seq) {
		*bad_seq = expect_seq;
		err_set(e, ERR_CONFLICT, "audit event %" PRId64 " is missing (next is %" PRId64 ")",
		        expect_seq, seq);
		return false;
	}
	if (strcmp(PQgetvalue(r, i, STORE_AUDIT_COL_PREV_HASH), prev) != 0) {
		*bad_seq = seq;
		err_set(e, ERR_CONFLICT,
		        "audit event %" PRId64 " does not link to the previous event's hash", seq);
		return false;
	}
	if (!audit_hash(prev, seq, PQgetvalue(r, i, STORE_AUDIT_COL_AT),
	                PQgetvalue(r, i, STORE_AUDIT_COL_ACTOR),
	                PQgetvalue(r, i, STORE_AUDIT_COL_ACTION),
	                PQgetvalue(r, i, STORE_AUDIT_COL_OBJECT),
	                PQgetvalue(r, i, STORE_AUDIT_COL_DETAILS), hash)) {
		*bad_seq = seq;
		err_set(e, ERR_CONFLICT,
		        "audit event %" PRId64 " has details that are not in canonical form", seq);
		return false;
	}
	if (strcmp(hash, PQgetvalue(r, i, STORE_AUDIT_COL_HASH)) != 0) {
		*bad_seq = seq;
		err_set(e, ERR_CONFLICT,
		        "audit event %" PRId64 " was altered: its content does not match its hash",
		        seq);
		return false;
	}
	return true;
}

bool audit_append_object(PGconn *conn, const char *actor, const char *action, const char *kind,
                         int64_t id, json_t *details, struct err *e)
{
	if (details == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	char object[AUDIT_NAME_MAX + 1];
	int n = snprintf(object, sizeof(object), "%s:%" PRId64, kind, id);
	bool ok = n > 0 && (size_t)n < sizeof(object);
	if (!ok)
		err_set(e, ERR_INTERNAL, "audit object name too long");
	ok = ok && audit_append(conn, actor, action, object, details, e);
	json_decref(details);
	return ok;
}

bool audit_verify(PGconn *conn, int64_t *checked, int64_t *bad_seq, struct err *e)
{
	char prev[65];
	int64_t after = 0;

	snprintf(prev, sizeof(prev), "%s", AUDIT_GENESIS_HASH);
	*checked = 0;
	*bad_seq = 0;
	for (;;) {
		PGresult *r = store_audit_page(conn, after, AUDIT_VERIFY_PAGE, e);
		if (r == NULL)
			return false;
		int n = PQntuples(r);
		for (int i = 0; i < n; i++) {
			if (!verify_row(r, i, after + 1, prev, bad_seq, e)) {
				PQclear(r);
				return false;
			}
			after++;
			(*checked)++;
			snprintf(prev, sizeof(prev), "%s", PQgetvalue(r, i, STORE_AUDIT_COL_HASH));
		}
		PQclear(r);
		if (n < AUDIT_VERIFY_PAGE)
			return true;
	}
}
