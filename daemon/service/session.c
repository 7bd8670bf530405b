/*
 * session: web console sessions (see session.h).  Tokens are 256 random bits in hex;
 * the database keeps only their SHA-256, like credential tokens.
 */
#include "session.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "audit.h"
#include "credential.h"
#include "db.h"
#include "hex.h"
#include "store_sessions.h"

#define SESSION_PREFIX "dls_"

static bool token_well_formed(const char *t)
{
	size_t n = t != NULL ? strnlen(t, SESSION_TOKEN_LEN + 1) : 0;
	return n == SESSION_TOKEN_LEN && strncmp(t, SESSION_PREFIX, 4) == 0 &&
	       strspn(t + 4, "0123456789abcdef") == SESSION_TOKEN_LEN - 4;
}

/* The CSRF token: SHA-256("deliberd-csrf:" || session token), hex. */
static void csrf_of(const char *token, char out[SESSION_CSRF_LEN + 1])
{
	char buf[16 + SESSION_TOKEN_LEN];
	int n = snprintf(buf, sizeof(buf), "deliberd-csrf:%s", token);
	(void)hex_sha256(buf, (size_t)n, out);
	OPENSSL_cleanse(buf, sizeof(buf));
}

bool session_start(PGconn *db, const struct principal *who, int minutes,
                   char token_out[SESSION_TOKEN_LEN + 1], struct session_info *info, struct err *e)
{
	unsigned char raw[32];
	char hash[65];
	int64_t id = 0;

	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		err_set(e, ERR_INTERNAL, "the random generator failed");
		return false;
	}
	memcpy(token_out, SESSION_PREFIX, 4);
	hex_encode(raw, sizeof(raw), token_out + 4);
	OPENSSL_cleanse(raw, sizeof(raw));
	credential_token_hash(token_out, hash);
	csrf_of(token_out, info->csrf);
	if (!db_begin(db, e))
		goto fail;
	if (!store_sessions_insert(db, hash, who->credential_id, minutes, &id, info->expires_at, e))
		goto fail_tx;
	json_t *details = json_pack("{s:I,s:s}", "credential", (json_int_t)who->credential_id,
	                            "expires_at", info->expires_at);
	if (!audit_append_object(db, who->actor, "session.start", "ui_session", id, details, e) ||
	    !db_commit(db, e))
		goto fail_tx;
	return true;
fail_tx:
	db_rollback(db);
fail:
	OPENSSL_cleanse(token_out, SESSION_TOKEN_LEN + 1);
	return false;
}

bool session_authenticate(PGconn *db, const char *token, struct principal *who,
                          struct session_info *info, struct err *e)
{
	char hash[65];

	memset(who, 0, sizeof(*who));
	if (!token_well_formed(token)) {
		err_set(e, ERR_UNAUTHENTICATED, "malformed session cookie");
		return false;
	}
	credential_token_hash(token, hash);
	PGresult *r = store_sessions_by_hash(db, hash, e);
	if (r == NULL)
		return false;
	bool ok = credential_principal(r, who, "the session has ended; sign in again", e);
	if (ok) {
		snprintf(info->expires_at, sizeof(info->expires_at), "%s", PQgetvalue(r, 0, 5));
		csrf_of(token, info->csrf);
	}
	PQclear(r);
	return ok;
}

bool session_end(PGconn *db, const char *token, const char *actor, struct err *e)
{
	char hash[65];
	int64_t id = 0;
	bool ended = false;

	if (!token_well_formed(token)) {
		err_set(e, ERR_UNAUTHENTICATED, "malformed session cookie");
		return false;
	}
	credential_token_hash(token, hash);
	if (!db_begin(db, e))
		return false;
	if (!store_sessions_end(db, hash, &id, &ended, e))
		goto fail;
	if (!ended) {
		err_set(e, ERR_UNAUTHENTICATED, "the session has ended already");
		goto fail;
	}
	if (!audit_append_object(db, actor, "session.end", "ui_session", id,
	                         json_pack("{s:s}", "reason", "logout"), e) ||
	    !db_commit(db, e))
		goto fail;
	return true;
fail:
	db_rollback(db);
	return false;
}

bool session_csrf_ok(const struct session_info *info, const char *presented)
{
	return presented != NULL && strlen(presented) == SESSION_CSRF_LEN &&
	       CRYPTO_memcmp(info->csrf, presented, SESSION_CSRF_LEN) == 0;
}
