/* store_attest: the SQL of still-needed attestations.  See store_attest.h. */
#include "store_attest.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "db.h"

#define ATTEST_JSON                                                                                \
	"json_build_object('id', a.id, 'deliberation', a.deliberation_ref, "                       \
	"'recipient', a.recipient_id, 'anniversary', to_char(a.anniversary, 'YYYY-MM-DD'), "       \
	"'status', CASE WHEN a.answered_at IS NOT NULL THEN 'answered' "                           \
	"  WHEN a.escalated_at IS NOT NULL THEN 'escalated' ELSE 'open' END, "                     \
	"'asked_at', retention_rfc3339(a.asked_at), 'due_at', retention_rfc3339(a.due_at), "       \
	"'answered_at', retention_rfc3339(a.answered_at), 'answered_by', a.answered_by, "          \
	"'still_needed', a.still_needed, 'note', a.note, 'order', a.order_id, "                    \
	"'escalated_at', retention_rfc3339(a.escalated_at))"

json_t *store_attest_plan_ask(PGconn *db, const char *now, struct err *e)
{
	const char *p[] = {now};
	return db_exec_json(
	    db, e, "attestation",
	    "WITH t AS (SELECT ($1::timestamptz AT TIME ZONE 'Europe/Brussels')::date AS today), "
	    "s AS (SELECT sc.recipient_id, sc.deliberation_ref, "
	    "  (sc.first_shipped_on + make_interval(years => "
	    "    date_part('year', age(t.today, sc.first_shipped_on))::int))::date AS anniv "
	    "  FROM shipment_scopes sc, t "
	    "  WHERE (sc.first_shipped_on + interval '1 year')::date <= t.today) "
	    "SELECT coalesce(json_agg(json_build_object('recipient', s.recipient_id, "
	    "  'deliberation', s.deliberation_ref, 'anniversary', to_char(s.anniv, 'YYYY-MM-DD')) "
	    "  ORDER BY s.deliberation_ref, s.recipient_id), '[]')::text "
	    "FROM s JOIN retention_deadlines($1::timestamptz) dl ON dl.reference = "
	    "s.deliberation_ref "
	    "WHERE dl.due_at > $1::timestamptz AND NOT EXISTS (SELECT 1 FROM attestations a "
	    "  WHERE a.recipient_id = s.recipient_id AND a.deliberation_ref = s.deliberation_ref "
	    "  AND a.anniversary = s.anniv)",
	    1, p);
}

bool store_attest_insert(PGconn *db, const char *recipient, const char *deliberation,
                         const char *anniversary, const char *now, int days, int64_t *id,
                         struct err *e)
{
	char d[16];
	snprintf(d, sizeof(d), "%d", days);
	const char *p[] = {recipient, deliberation, anniversary, now, d};
	PGresult *r = db_exec(
	    db, e,
	    "INSERT INTO attestations (recipient_id, deliberation_ref, anniversary, asked_at, "
	    "due_at) VALUES ($1, $2, $3::date, $4::timestamptz, "
	    "(($4::timestamptz AT TIME ZONE 'Europe/Brussels') + make_interval(days => $5::int)) "
	    "AT TIME ZONE 'Europe/Brussels') ON CONFLICT DO NOTHING RETURNING id",
	    5, p);
	if (r == NULL)
		return false;
	*id = PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
	PQclear(r);
	return true;
}

json_t *store_attest_plan_escalate(PGconn *db, const char *now, struct err *e)
{
	const char *p[] = {now};
	return db_exec_json(
	    db, e, "attestation",
	    "SELECT coalesce(json_agg(json_build_object('id', a.id, 'recipient', "
	    "a.recipient_id, 'deliberation', a.deliberation_ref, 'anniversary', "
	    "to_char(a.anniversary, 'YYYY-MM-DD'), 'due_at', "
	    "retention_rfc3339(a.due_at)) ORDER BY a.id), '[]')::text "
	    "FROM attestations a WHERE a.answered_at IS NULL AND a.escalated_at IS NULL "
	    "AND a.due_at <= $1::timestamptz",
	    1, p);
}

bool store_attest_escalate(PGconn *db, int64_t id, const char *now, bool *changed, struct err *e)
{
	char s[24];
	snprintf(s, sizeof(s), "%" PRId64, id);
	const char *p[] = {s, now};
	PGresult *r =
	    db_exec(db, e,
	            "UPDATE attestations SET escalated_at = $2::timestamptz "
	            "WHERE id = $1::bigint AND answered_at IS NULL AND escalated_at IS NULL",
	            2, p);
	if (r == NULL)
		return false;
	*changed = strtol(PQcmdTuples(r), NULL, 10) == 1;
	PQclear(r);
	return true;
}

json_t *store_attest_list(PGconn *db, const char *recipient, struct err *e)
{
	const char *p[] = {recipient};
	return db_exec_json(db, e, "attestation",
	                    "SELECT coalesce(json_agg(" ATTEST_JSON
	                    " ORDER BY a.id DESC), '[]')::text "
	                    "FROM attestations a WHERE $1::text IS NULL OR a.recipient_id = $1",
	                    1, p);
}

json_t *store_attest_get(PGconn *db, int64_t id, const char *recipient, bool lock, struct err *e)
{
	char s[24];
	snprintf(s, sizeof(s), "%" PRId64, id);
	const char *p[] = {s, recipient};
	return db_exec_json(
	    db, e, "attestation",
	    lock ? "SELECT " ATTEST_JSON "::text FROM attestations a WHERE a.id = "
	           "$1::bigint AND ($2::text IS NULL OR a.recipient_id = $2) FOR UPDATE"
	         : "SELECT " ATTEST_JSON "::text FROM attestations a WHERE a.id = "
	           "$1::bigint AND ($2::text IS NULL OR a.recipient_id = $2)",
	    2, p);
}

bool store_attest_answer(PGconn *db, int64_t id, bool still_needed, const char *note,
                         const char *by, const char *at, int64_t order_id, struct err *e)
{
	char s[24], o[24];
	snprintf(s, sizeof(s), "%" PRId64, id);
	snprintf(o, sizeof(o), "%" PRId64, order_id);
	const char *p[] = {s,  still_needed ? "true" : "false", note != NULL ? note : "", by,
	                   at, order_id > 0 ? o : NULL};
	PGresult *r = db_exec(db, e,
	                      "UPDATE attestations SET still_needed = $2::boolean, note = $3, "
	                      "answered_by = $4, answered_at = $5::timestamptz, "
	                      "order_id = $6::bigint WHERE id = $1::bigint AND answered_at IS NULL",
	                      6, p);
	if (r == NULL)
		return false;
	long n = strtol(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	if (n != 1) {
		err_set(e, ERR_CONFLICT, "attestation %" PRId64 " was answered already", id);
		return false;
	}
	return true;
}
