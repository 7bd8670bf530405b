/* store_sessions: the SQL of table ui_sessions; see store_sessions.h. */
#include "store_sessions.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "db.h"

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

bool store_sessions_insert(PGconn *conn, const char *token_sha256, int64_t credential_id,
                           int minutes, int64_t *id, char expires_at[32], struct err *e)
{
	char cid[24], mins[16];
	snprintf(cid, sizeof(cid), "%" PRId64, credential_id);
	snprintf(mins, sizeof(mins), "%d", minutes);
	PGresult *r = db_exec(conn, e,
	                      "DELETE FROM ui_sessions WHERE coalesce(ended_at, expires_at) < "
	                      "now() - interval '1 day'",
	                      0, NULL);
	if (r == NULL)
		return false;
	PQclear(r);
	const char *p[] = {token_sha256, cid, mins};
	r = db_exec(conn, e,
	            "INSERT INTO ui_sessions (token_sha256, credential_id, expires_at) "
	            "VALUES ($1, $2::bigint, now() + make_interval(mins => $3::int)) "
	            "RETURNING id, " TS("expires_at"),
	            3, p);
	if (r == NULL)
		return false;
	bool ok = sscanf(PQgetvalue(r, 0, 0), "%" SCNd64, id) == 1;
	snprintf(expires_at, 32, "%s", PQgetvalue(r, 0, 1));
	PQclear(r);
	if (!ok)
		err_set(e, ERR_INTERNAL, "unreadable session id");
	return ok;
}

PGresult *store_sessions_by_hash(PGconn *conn, const char *token_sha256, struct err *e)
{
	const char *p[] = {token_sha256};
	return db_exec(
	    conn, e,
	    "SELECT c.id, c.name, c.role, c.recipient, s.id, " TS(
	        "s.expires_at") " FROM ui_sessions s JOIN credentials c ON c.id = s.credential_id "
	                        "WHERE s.token_sha256 = $1 AND s.ended_at IS NULL "
	                        "AND s.expires_at > now() AND c.revoked_at IS NULL "
	                        "AND (c.expires_at IS NULL OR c.expires_at > now())",
	    1, p);
}

bool store_sessions_end(PGconn *conn, const char *token_sha256, int64_t *id, bool *ended,
                        struct err *e)
{
	const char *p[] = {token_sha256};
	PGresult *r = db_exec(conn, e,
	                      "UPDATE ui_sessions SET ended_at = now() WHERE token_sha256 = $1 "
	                      "AND ended_at IS NULL AND expires_at > now() RETURNING id",
	                      1, p);
	if (r == NULL)
		return false;
	*ended = PQntuples(r) == 1 && sscanf(PQgetvalue(r, 0, 0), "%" SCNd64, id) == 1;
	PQclear(r);
	return true;
}
