/* store_audit: the SQL of the audit trail; see store_audit.h. */
#include "store_audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "db.h"

/* Key of the transaction-level advisory lock serialising appends ("audit"). */
#define STORE_AUDIT_LOCK_KEY "418430383476"

#define AT_FORMAT "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'"

bool store_audit_lock(PGconn *conn, struct err *e)
{
	const char *p[] = {STORE_AUDIT_LOCK_KEY};
	PGresult *r = db_exec(conn, e, "SELECT pg_advisory_xact_lock($1::bigint)", 1, p);
	if (r == NULL)
		return false;
	PQclear(r);
	return true;
}

bool store_audit_head(PGconn *conn, int64_t *seq, char hash[65], char at[STORE_AUDIT_AT_MAX],
                      struct err *e)
{
	/* clock_timestamp(), not now(): taken under the lock, so time follows seq. */
	PGresult *r =
	    db_exec(conn, e,
	            "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', " AT_FORMAT "), "
	            "h.seq, h.hash FROM (SELECT 1) AS one LEFT JOIN "
	            "(SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1) AS h "
	            "ON true",
	            0, NULL);
	if (r == NULL)
		return false;
	snprintf(at, STORE_AUDIT_AT_MAX, "%s", PQgetvalue(r, 0, 0));
	if (PQgetisnull(r, 0, 1)) {
		*seq = 0;
		hash[0] = '\0';
	} else {
		if (sscanf(PQgetvalue(r, 0, 1), "%" SCNd64, seq) != 1) {
			PQclear(r);
			err_set(e, ERR_INTERNAL, "unreadable audit sequence number");
			return false;
		}
		snprintf(hash, 65, "%s", PQgetvalue(r, 0, 2));
	}
	PQclear(r);
	return true;
}

bool store_audit_insert(PGconn *conn, int64_t seq, const char *at, const char *actor,
                        const char *action, const char *object, const char *details_json,
                        const char *prev_hash, const char *hash, const char *mac, struct err *e)
{
	char s[24];
	snprintf(s, sizeof(s), "%" PRId64, seq);
	const char *p[] = {s, at, actor, action, object, details_json, prev_hash, hash, mac};
	PGresult *r =
	    db_exec(conn, e,
	            "INSERT INTO audit_events "
	            "(seq, at, actor, action, object, details, prev_hash, hash, mac) "
	            "VALUES ($1::bigint, $2::timestamptz, $3, $4, $5, $6::json, $7, $8, $9)",
	            9, p);
	if (r == NULL)
		return false;
	PQclear(r);
	return true;
}

PGresult *store_audit_page(PGconn *conn, int64_t after, int limit, struct err *e)
{
	char a[24], l[16];
	snprintf(a, sizeof(a), "%" PRId64, after);
	snprintf(l, sizeof(l), "%d", limit);
	const char *p[] = {a, l};
	return db_exec(conn, e,
	               "SELECT seq, to_char(at AT TIME ZONE 'UTC', " AT_FORMAT "), actor, action, "
	               "object, details::text, prev_hash, hash FROM audit_events "
	               "WHERE seq > $1::bigint ORDER BY seq LIMIT $2::integer",
	               2, p);
}

PGresult *store_audit_search(PGconn *conn, const struct store_audit_filter *f, struct err *e)
{
	char a[24], l[16];
	snprintf(a, sizeof(a), "%" PRId64, f->after);
	snprintf(l, sizeof(l), "%d", f->limit);
	const char *p[] = {a, l, f->action, f->object, f->actor, f->from, f->to};
	return db_exec(
	    conn, e,
	    "SELECT seq, to_char(at AT TIME ZONE 'UTC', " AT_FORMAT "), actor, action, "
	    "object, details::text, prev_hash, hash FROM audit_events "
	    "WHERE seq > $1::bigint "
	    "AND ($3::text IS NULL OR action = $3 OR (right($3, 1) = '*' AND "
	    "starts_with(action, left($3, -1)))) "
	    "AND ($4::text IS NULL OR object = $4 OR (right($4, 1) = '*' AND "
	    "starts_with(object, left($4, -1)))) "
	    "AND ($5::text IS NULL OR actor = $5) "
	    "AND ($6::text IS NULL OR at >= CASE WHEN length($6) = 10 THEN "
	    "$6::date::timestamp AT TIME ZONE 'Europe/Brussels' ELSE $6::timestamptz END) "
	    "AND ($7::text IS NULL OR CASE WHEN length($7) = 10 THEN "
	    "at < ($7::date + 1)::timestamp AT TIME ZONE 'Europe/Brussels' "
	    "ELSE at <= $7::timestamptz END) "
	    "ORDER BY seq LIMIT $2::integer",
	    7, p);
}

bool store_audit_hash_at(PGconn *conn, int64_t seq, char hash[65], bool *found, struct err *e)
{
	char s[24];
	snprintf(s, sizeof(s), "%lld", (long long)seq);
	const char *p[] = {s};
	PGresult *r =
	    db_exec(conn, e, "SELECT hash FROM audit_events WHERE seq = $1::bigint", 1, p);
	if (r == NULL)
		return false;
	*found = PQntuples(r) == 1;
	hash[0] = '\0';
	if (*found)
		snprintf(hash, 65, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return true;
}

bool store_audit_snapshot(PGconn *conn, struct err *e)
{
	PGresult *r =
	    db_exec(conn, e, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", 0, NULL);
	if (r == NULL)
		return false;
	PQclear(r);
	return true;
}

PGresult *store_audit_macs(PGconn *conn, int64_t after, int limit, struct err *e)
{
	char a[24], l[16];
	snprintf(a, sizeof(a), "%" PRId64, after);
	snprintf(l, sizeof(l), "%d", limit);
	const char *p[] = {a, l};
	return db_exec(conn, e,
	               "SELECT seq, hash, coalesce(mac, '') FROM audit_events "
	               "WHERE seq > $1::bigint ORDER BY seq LIMIT $2::integer",
	               2, p);
}
