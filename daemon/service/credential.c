/*
 * credential: API bearer tokens.  Lookup is by the SHA-256 of the presented
 * token, so no secret is ever compared byte by byte and a database leak yields
 * no usable token (256-bit random tokens need no salt or slow hash).
 */
#include "credential.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "hex.h"
#include "store_credentials.h"
#include "store_registry.h"
#include "terms.h"

#define CREDENTIAL_PRESENTED_MAX 256
#define CREDENTIAL_NAME_MAX 100

bool credential_token_generate(char out[CREDENTIAL_TOKEN_LEN + 1])
{
	unsigned char raw[32];
	unsigned char b64[48];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return false;
	int n = EVP_EncodeBlock(b64, raw, sizeof(raw)); /* 44 chars, one '=' */
	OPENSSL_cleanse(raw, sizeof(raw));
	if (n != 44)
		return false;
	memcpy(out, CREDENTIAL_TOKEN_PREFIX, 4);
	for (int i = 0; i < 43; i++) {
		unsigned char c = b64[i];
		out[4 + i] = c == '+' ? '-' : c == '/' ? '_' : (char)c;
	}
	out[CREDENTIAL_TOKEN_LEN] = '\0';
	OPENSSL_cleanse(b64, sizeof(b64));
	return true;
}

void credential_token_hash(const char *token, char out[65])
{
	(void)hex_sha256(token, strlen(token), out);
}

bool credential_authenticate(PGconn *db, const char *token, struct principal *out, struct err *e)
{
	char hash[65];

	memset(out, 0, sizeof(*out));
	if (token == NULL || token[0] == '\0' ||
	    strnlen(token, CREDENTIAL_PRESENTED_MAX + 1) > CREDENTIAL_PRESENTED_MAX) {
		err_set(e, ERR_UNAUTHENTICATED, "missing or malformed bearer token");
		return false;
	}
	credential_token_hash(token, hash);
	PGresult *r = store_credentials_by_hash(db, hash, e);
	if (r == NULL)
		return false;
	bool ok = credential_principal(r, out, "unknown or revoked credential", e);
	PQclear(r);
	return ok;
}

bool credential_principal(PGresult *r, struct principal *out, const char *none, struct err *e)
{
	if (PQntuples(r) != 1) {
		err_set(e, ERR_UNAUTHENTICATED, "%s", none);
		return false;
	}
	bool ok = sscanf(PQgetvalue(r, 0, 0), "%" SCNd64, &out->credential_id) == 1 &&
	          role_parse(PQgetvalue(r, 0, 2), &out->role);
	if (ok) {
		snprintf(out->name, sizeof(out->name), "%s", PQgetvalue(r, 0, 1));
		snprintf(out->recipient, sizeof(out->recipient), "%s",
		         PQgetisnull(r, 0, 3) ? "" : PQgetvalue(r, 0, 3));
		snprintf(out->actor, sizeof(out->actor), "credential:%" PRId64, out->credential_id);
	} else {
		err_set(e, ERR_INTERNAL, "unreadable credential record");
	}
	return ok;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > CREDENTIAL_NAME_MAX || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

bool credential_add(PGconn *db, const char *actor, enum role role, const char *recipient,
                    const char *name, char token_out[CREDENTIAL_TOKEN_LEN + 1], int64_t *id_out,
                    struct err *e)
{
	return credential_create(db, actor, role, recipient, name, NULL, token_out, id_out, e);
}

bool credential_create(PGconn *db, const char *actor, enum role role, const char *recipient,
                       const char *name, const char *expires,
                       char token_out[CREDENTIAL_TOKEN_LEN + 1], int64_t *id_out, struct err *e)
{
	char hash[65], expired[1] = {'f'};
	int64_t id = 0;
	bool known = false;

	if (name == NULL || !valid_name(name)) {
		err_set_field(e, ERR_INVALID, "name",
		              "a credential name is 1 to %d printable ASCII characters, without "
		              "leading or trailing spaces",
		              CREDENTIAL_NAME_MAX);
		return false;
	}
	if (role == ROLE_RECIPIENT && (recipient == NULL || !terms_id_valid(recipient))) {
		err_set_field(e, ERR_INVALID, "recipient",
		              "the recipient role needs a recipient id (1 to %d lower-case "
		              "letters, digits, '-', '_' or '.', starting with a letter or digit)",
		              TERMS_ID_MAX);
		return false;
	}
	if (role != ROLE_RECIPIENT && recipient != NULL) {
		err_set_field(e, ERR_INVALID, "recipient",
		              "only the recipient role is bound to a recipient");
		return false;
	}
	if (expires != NULL && !clock_text_instant_form(expires)) {
		err_set_field(
		    e, ERR_INVALID, "expires_at",
		    "an expiry is a date YYYY-MM-DD (valid through that day, Europe/Brussels) "
		    "or an RFC 3339 instant");
		return false;
	}
	if (role == ROLE_RECIPIENT &&
	    !store_registry_known(db, STORE_REGISTRY_RECIPIENT, recipient, &known, e))
		return false;
	if (role == ROLE_RECIPIENT && !known) {
		err_set_field(
		    e, ERR_INVALID, "recipient",
		    "no recipient '%s' is registered: register it (POST /v1/recipients or "
		    "deliberd import) first",
		    recipient);
		return false;
	}
	if (!credential_token_generate(token_out)) {
		err_set(e, ERR_INTERNAL, "the random generator failed");
		return false;
	}
	credential_token_hash(token_out, hash);
	const char *rname = role_name(role);
	if (!db_begin(db, e))
		goto fail;
	if (!store_credentials_insert_expiring(db, name, rname, recipient, expires, hash, actor,
	                                       &id, expired, e)) {
		if (e->kind == ERR_CONFLICT) {
			err_clear(e);
			err_set_field(e, ERR_CONFLICT, "name",
			              "an active credential is already named '%s'", name);
		} else if (e->kind == ERR_INVALID || expires != NULL) {
			/* PostgreSQL refused the date or instant itself (2025-02-30) */
			err_clear(e);
			err_set_field(e, ERR_INVALID, "expires_at", "not a valid date or instant");
		}
		goto fail_tx;
	}
	if (expired[0] == 't') {
		err_set_field(e, ERR_INVALID, "expires_at", "the expiry is already past");
		goto fail_tx;
	}
	json_t *details = json_pack("{s:s,s:s,s:s?,s:s?}", "name", name, "role", rname, "recipient",
	                            recipient, "expires_at", expires);
	if (!audit_append_object(db, actor, "credential.add", "credential", id, details, e) ||
	    !db_commit(db, e))
		goto fail_tx;
	if (id_out != NULL)
		*id_out = id;
	return true;
fail_tx:
	db_rollback(db);
fail:
	OPENSSL_cleanse(token_out, CREDENTIAL_TOKEN_LEN + 1);
	return false;
}

bool credential_revoke(PGconn *db, const char *actor, int64_t id, struct err *e)
{
	bool found = false, active = false;
	char name[128];

	if (!db_begin(db, e))
		return false;
	if (!store_credentials_lock(db, id, &found, &active, name, e))
		goto fail;
	if (!found) {
		err_set(e, ERR_NOT_FOUND, "no credential %" PRId64, id);
		goto fail;
	}
	if (!active) {
		err_set(e, ERR_CONFLICT, "credential %" PRId64 " is already revoked", id);
		goto fail;
	}
	json_t *details = json_pack("{s:s}", "name", name);
	if (!store_credentials_revoke(db, id, actor, e) ||
	    !audit_append_object(db, actor, "credential.revoke", "credential", id, details, e) ||
	    !db_commit(db, e))
		goto fail;
	return true;
fail:
	db_rollback(db);
	return false;
}

bool credential_revoke_name(PGconn *db, const char *actor, const char *name, int64_t *id_out,
                            struct err *e)
{
	int64_t id = 0;
	bool found = false;

	if (name == NULL || !valid_name(name)) {
		err_set_field(e, ERR_INVALID, "name", "not a valid credential name");
		return false;
	}
	if (!store_credentials_active_by_name(db, name, &id, &found, e))
		return false;
	if (!found) {
		err_set(e, ERR_NOT_FOUND, "no active credential is named '%s'", name);
		return false;
	}
	if (id_out != NULL)
		*id_out = id;
	return credential_revoke(db, actor, id, e);
}

static json_t *nullable(const PGresult *r, int i, int col)
{
	return PQgetisnull(r, i, col) ? json_null() : json_string(PQgetvalue(r, i, col));
}

json_t *credential_list(PGconn *db, struct err *e)
{
	PGresult *r = store_credentials_list(db, e);
	if (r == NULL)
		return NULL;
	json_t *out = json_array();
	for (int i = 0; out != NULL && i < PQntuples(r); i++) {
		const char *status = !PQgetisnull(r, i, 6)                    ? "revoked"
		                     : strcmp(PQgetvalue(r, i, 10), "t") == 0 ? "expired"
		                                                              : "active";
		json_t *c = json_pack(
		    "{s:I,s:s,s:s,s:o,s:s,s:s,s:o,s:o,s:o,s:o,s:s}", "id",
		    (json_int_t)strtoll(PQgetvalue(r, i, 0), NULL, 10), "name", PQgetvalue(r, i, 1),
		    "role", PQgetvalue(r, i, 2), "recipient", nullable(r, i, 3), "created_at",
		    PQgetvalue(r, i, 4), "created_by", PQgetvalue(r, i, 5), "revoked_at",
		    nullable(r, i, 6), "revoked_by", nullable(r, i, 7), "expires_at",
		    nullable(r, i, 8), "last_used_at", nullable(r, i, 9), "status", status);
		if (c == NULL || json_array_append_new(out, c) != 0) {
			json_decref(out);
			out = NULL;
		}
	}
	PQclear(r);
	if (out == NULL)
		err_set(e, ERR_INTERNAL, "out of memory listing credentials");
	return out;
}

bool credential_actor_by_name(PGconn *db, const char *name, enum role role, char actor[48],
                              struct err *e)
{
	json_t *list = credential_list(db, e);
	if (list == NULL)
		return false;
	size_t i;
	json_t *c, *found = NULL;
	json_array_foreach(list, i, c)
	{
		if (strcmp(json_string_value(json_object_get(c, "name")), name) == 0 &&
		    strcmp(json_string_value(json_object_get(c, "status")), "active") == 0)
			found = c;
	}
	bool ok = found != NULL &&
	          strcmp(json_string_value(json_object_get(found, "role")), role_name(role)) == 0;
	if (found == NULL)
		err_set_field(e, ERR_NOT_FOUND, "as", "no active credential is named '%s'", name);
	else if (!ok)
		err_set_field(e, ERR_FORBIDDEN, "as", "credential '%s' does not have the %s role",
		              name, role_name(role));
	else
		snprintf(actor, 48, "credential:%" JSON_INTEGER_FORMAT,
		         json_integer_value(json_object_get(found, "id")));
	json_decref(list);
	return ok;
}
