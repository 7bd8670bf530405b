/* store_holds: the SQL of legal holds.  See store_holds.h. */
#include "store_holds.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "db.h"

#define HOLD_JSON                                                                                  \
	"json_build_object('id', h.id, 'deliberation', h.deliberation_ref, "                       \
	"'recipient', h.recipient_id, 'reason', h.reason, 'reference', h.reference, "              \
	"'status', CASE WHEN h.released_at IS NULL THEN 'active' ELSE 'released' END, "            \
	"'created_at', retention_rfc3339(h.created_at), 'created_by', h.created_by, "              \
	"'released_at', retention_rfc3339(h.released_at), 'released_by', h.released_by, "          \
	"'release_reason', h.release_reason)"

/* The live orders hold $1 covers (alias o). */
#define HOLD_COVERS                                                                                \
	"FROM destruction_orders o JOIN legal_holds h ON h.id = $1::bigint "                       \
	"WHERE o.deliberation_ref = h.deliberation_ref "                                           \
	"  AND (h.recipient_id IS NULL OR o.recipient_id = h.recipient_id) "                       \
	"  AND o.status IN ('open', 'overdue')"

bool store_holds_insert(PGconn *db, const struct store_hold_new *h, int64_t *id, struct err *e)
{
	const char *p[] = {h->deliberation, h->recipient,
	                   h->reason,       h->reference != NULL ? h->reference : "",
	                   h->at,           h->by};
	PGresult *r = db_exec(db, e,
	                      "INSERT INTO legal_holds (deliberation_ref, recipient_id, reason, "
	                      "reference, created_at, created_by) VALUES ($1, $2, $3, $4, "
	                      "$5::timestamptz, $6) RETURNING id",
	                      6, p);
	if (r == NULL)
		return false;
	*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return true;
}

json_t *store_holds_get(PGconn *db, int64_t id, bool lock, struct err *e)
{
	char s[24];
	snprintf(s, sizeof(s), "%" PRId64, id);
	const char *p[] = {s};
	return db_exec_json(
	    db, e, "legal hold",
	    lock ? "SELECT " HOLD_JSON "::text FROM legal_holds h WHERE h.id = $1::bigint "
	           "FOR UPDATE"
	         : "SELECT " HOLD_JSON "::text FROM legal_holds h WHERE h.id = $1::bigint",
	    1, p);
}

json_t *store_holds_list(PGconn *db, const char *only_recipient, struct err *e)
{
	const char *p[] = {only_recipient};
	return db_exec_json(db, e, "legal hold",
	                    "SELECT coalesce(json_agg(" HOLD_JSON
	                    " ORDER BY h.id DESC), '[]')::text "
	                    "FROM legal_holds h WHERE $1::text IS NULL OR h.recipient_id IS NULL "
	                    "OR h.recipient_id = $1",
	                    1, p);
}

bool store_holds_release(PGconn *db, int64_t id, const char *at, const char *by, const char *reason,
                         struct err *e)
{
	char s[24];
	snprintf(s, sizeof(s), "%" PRId64, id);
	const char *p[] = {s, at, by, reason};
	PGresult *r = db_exec(db, e,
	                      "UPDATE legal_holds SET released_at = $2::timestamptz, "
	                      "released_by = $3, release_reason = $4 "
	                      "WHERE id = $1::bigint AND released_at IS NULL",
	                      4, p);
	if (r == NULL)
		return false;
	long n = strtol(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	if (n != 1) {
		err_set(e, ERR_CONFLICT, "legal hold %" PRId64 " was released already", id);
		return false;
	}
	return true;
}

json_t *store_holds_orders(PGconn *db, int64_t id, struct err *e)
{
	char s[24];
	snprintf(s, sizeof(s), "%" PRId64, id);
	const char *p[] = {s};
	return db_exec_json(
	    db, e, "legal hold",
	    "SELECT coalesce(json_agg(json_build_object('id', o.id, 'recipient', "
	    "o.recipient_id, 'due_at', retention_rfc3339(o.due_at)) ORDER BY o.id), "
	    "'[]')::text " HOLD_COVERS,
	    1, p);
}

json_t *store_holds_recipients(PGconn *db, int64_t id, struct err *e)
{
	char s[24];
	snprintf(s, sizeof(s), "%" PRId64, id);
	const char *p[] = {s};
	return db_exec_json(db, e, "legal hold",
	                    "SELECT coalesce(json_agg(r ORDER BY r), '[]')::text FROM ("
	                    " SELECT DISTINCT d.recipient_id AS r FROM deliveries d "
	                    " JOIN legal_holds h ON h.id = $1::bigint "
	                    " WHERE d.deliberation_ref = h.deliberation_ref "
	                    "   AND (h.recipient_id IS NULL OR d.recipient_id = h.recipient_id) "
	                    "   AND d.shipped_at IS NOT NULL "
	                    " UNION SELECT recipient_id FROM legal_holds "
	                    " WHERE id = $1::bigint AND recipient_id IS NOT NULL) x",
	                    1, p);
}

json_t *store_holds_replan(PGconn *db, int64_t id, const char *at, int days, struct err *e)
{
	char s[24], d[16];
	snprintf(s, sizeof(s), "%" PRId64, id);
	snprintf(d, sizeof(d), "%d", days);
	const char *p[] = {s, at, d};
	return db_exec_json(
	    db, e, "legal hold",
	    "WITH u AS (UPDATE destruction_orders x SET due_at = "
	    "  (($2::timestamptz AT TIME ZONE 'Europe/Brussels') + make_interval(days => $3::int)) "
	    "  AT TIME ZONE 'Europe/Brussels' "
	    " WHERE x.id IN (SELECT o.id " HOLD_COVERS " AND o.due_at <= $2::timestamptz "
	    "   AND NOT retention_on_hold(o.deliberation_ref, o.recipient_id, 'infinity')) "
	    " RETURNING x.id, x.recipient_id, x.due_at) "
	    "SELECT coalesce(json_agg(json_build_object('id', id, 'recipient', recipient_id, "
	    "'due_at', retention_rfc3339(due_at)) ORDER BY id), '[]')::text FROM u",
	    3, p);
}
