/* store_credentials: the SQL of table credentials; see store_credentials.h. */
#include "store_credentials.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "db.h"

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

bool store_credentials_insert(PGconn *conn, const char *name, const char *role,
                              const char *recipient, const char *token_sha256,
                              const char *created_by, int64_t *id, struct err *e)
{
	char past[1];
	return store_credentials_insert_expiring(conn, name, role, recipient, NULL, token_sha256,
	                                         created_by, id, past, e);
}

/* A date D expires at D+1 00:00 Europe/Brussels (valid through D); an instant as is. */
#define EXPIRES(p)                                                                                 \
	"CASE WHEN " p "::text IS NULL THEN NULL WHEN length(" p ") = 10 THEN (" p                 \
	"::date + 1)::timestamp AT TIME ZONE 'Europe/Brussels' ELSE " p "::timestamptz END"

bool store_credentials_insert_expiring(PGconn *conn, const char *name, const char *role,
                                       const char *recipient, const char *expires,
                                       const char *token_sha256, const char *created_by,
                                       int64_t *id, char expired[1], struct err *e)
{
	const char *p[] = {name, role, recipient, token_sha256, created_by, expires};
	PGresult *r = db_exec(conn, e,
	                      "INSERT INTO credentials (name, role, recipient, token_sha256, "
	                      "created_by, expires_at) VALUES ($1, $2, $3, $4, $5, " EXPIRES(
	                          "$6") ") RETURNING id, coalesce(expires_at <= now(), false)",
	                      6, p);
	if (r == NULL)
		return false;
	bool ok = sscanf(PQgetvalue(r, 0, 0), "%" SCNd64, id) == 1;
	expired[0] = PQgetvalue(r, 0, 1)[0];
	PQclear(r);
	if (!ok)
		err_set(e, ERR_INTERNAL, "unreadable credential id");
	return ok;
}

bool store_credentials_lock(PGconn *conn, int64_t id, bool *found, bool *active, char name[128],
                            struct err *e)
{
	char s[24];
	snprintf(s, sizeof(s), "%" PRId64, id);
	const char *p[] = {s};
	PGresult *r = db_exec(conn, e,
	                      "SELECT revoked_at IS NULL, name FROM credentials WHERE id = "
	                      "$1::bigint FOR UPDATE",
	                      1, p);
	if (r == NULL)
		return false;
	*found = PQntuples(r) == 1;
	*active = *found && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	snprintf(name, 128, "%s", *found ? PQgetvalue(r, 0, 1) : "");
	PQclear(r);
	return true;
}

bool store_credentials_active_by_name(PGconn *conn, const char *name, int64_t *id, bool *found,
                                      struct err *e)
{
	const char *p[] = {name};
	PGresult *r = db_exec(
	    conn, e, "SELECT id FROM credentials WHERE name = $1 AND revoked_at IS NULL", 1, p);
	if (r == NULL)
		return false;
	*found = PQntuples(r) == 1 && sscanf(PQgetvalue(r, 0, 0), "%" SCNd64, id) == 1;
	PQclear(r);
	return true;
}

bool store_credentials_revoke(PGconn *conn, int64_t id, const char *revoked_by, struct err *e)
{
	char s[24];
	snprintf(s, sizeof(s), "%" PRId64, id);
	const char *p[] = {s, revoked_by};
	PGresult *r = db_exec(conn, e,
	                      "UPDATE credentials SET revoked_at = now(), revoked_by = $2 "
	                      "WHERE id = $1::bigint AND revoked_at IS NULL",
	                      2, p);
	if (r == NULL)
		return false;
	bool ok = strcmp(PQcmdTuples(r), "1") == 0;
	PQclear(r);
	if (!ok)
		err_set(e, ERR_CONFLICT, "credential %" PRId64 " is already revoked", id);
	return ok;
}

PGresult *store_credentials_by_hash(PGconn *conn, const char *token_sha256, struct err *e)
{
	const char *p[] = {token_sha256};
	/* Revoked and expired tokens find nothing; the use is noted at most once a
	 * minute, in the same round trip. */
	return db_exec_prepared(
	    conn, e,
	    "WITH c AS (SELECT id, name, role, recipient, last_used_at FROM credentials "
	    "WHERE token_sha256 = $1 AND revoked_at IS NULL "
	    "AND (expires_at IS NULL OR expires_at > now())), "
	    "u AS (UPDATE credentials SET last_used_at = now() FROM c "
	    "WHERE credentials.id = c.id AND (c.last_used_at IS NULL OR "
	    "c.last_used_at < now() - interval '1 minute')) "
	    "SELECT id, name, role, recipient FROM c",
	    1, p);
}

PGresult *store_credentials_list(PGconn *conn, struct err *e)
{
	return db_exec(
	    conn, e,
	    "SELECT id, name, role, recipient, " TS("created_at") ", created_by, " TS(
	        "revoked_at") ", revoked_by, " TS("expires_at") ", " TS("last_used_at") ", "
	                                                                                "expires_"
	                                                                                "at IS NOT "
	                                                                                "NULL AND "
	                                                                                "expires_"
	                                                                                "at <= "
	                                                                                "now() "
	                                                                                "FROM "
	                                                                                "credential"
	                                                                                "s ORDER "
	                                                                                "BY id",
	    0, NULL);
}
