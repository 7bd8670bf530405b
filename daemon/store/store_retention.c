/*
 * store_retention: all SQL of retention and of the notification outbox.  Sets
 * of rows are aggregated to JSON by PostgreSQL and parsed once here, so the
 * services above see typed values (numbers stay numbers, NULL stays null).
 */
#include "store_retention.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "hex.h"

/* An instant as a Brussels calendar date, in SQL. */
#define BXL_DATE(ts) "((" ts ") AT TIME ZONE 'Europe/Brussels')::date"
/* The instant a deadline order is issued: 00:00 Brussels, lead days before the
 * due_at (the day after retention_until, 00:00 Brussels). */
#define ISSUE_AT(until, lead)                                                                      \
	"((" until ") + 1 - (" lead "))::timestamp AT TIME ZONE 'Europe/Brussels'"
/* Is destruction of the order (alias o) held now (a live legal hold)? */
#define HELD "retention_on_hold(o.deliberation_ref, o.recipient_id, 'infinity')"
/* A shipped delivery that no live order covers. */
#define UNORDERED(d)                                                                               \
	"NOT EXISTS (SELECT 1 FROM destruction_order_deliveries od WHERE od.delivery_id = " d      \
	".id AND od.active)"

/* Runs a statement whose single row and column is JSON text and parses it. */
static json_t *query_json(PGconn *db, struct err *e, const char *sql, int n,
                          const char *const *params)
{
	PGresult *r = db_exec(db, e, sql, n, params);
	if (r == NULL)
		return NULL;
	if (PQntuples(r) != 1 || PQnfields(r) != 1 || PQgetisnull(r, 0, 0)) {
		PQclear(r);
		err_set(e, ERR_NOT_FOUND, "no such record");
		return NULL;
	}
	json_error_t jerr;
	json_t *j = json_loads(PQgetvalue(r, 0, 0), JSON_DECODE_ANY, &jerr);
	PQclear(r);
	if (j == NULL)
		err_set(e, ERR_INTERNAL, "the database returned JSON that does not parse");
	return j;
}

/* Runs a statement and reports how many rows it touched. */
static bool exec_count(PGconn *db, struct err *e, const char *sql, int n, const char *const *params,
                       long *count)
{
	PGresult *r = db_exec(db, e, sql, n, params);
	if (r == NULL)
		return false;
	if (count != NULL)
		*count = strtol(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return true;
}

json_t *store_retention_plan_orders(PGconn *db, const char *now, int lead_days, struct err *e)
{
	char lead[16];
	snprintf(lead, sizeof(lead), "%d", lead_days);
	const char *p[] = {now, lead};
	return query_json(
	    db, e,
	    /* Scopes first (shipment_scopes: one row per recipient and deliberation):
	     * before a deadline order's issue instant no delivery is read at all. */
	    "WITH dl AS (SELECT * FROM retention_deadlines($1::timestamptz)), "
	    "sc AS MATERIALIZED (SELECT s.recipient_id, s.deliberation_ref, dl.version, "
	    "  dl.retention_until, dl.due_at FROM shipment_scopes s "
	    "  JOIN dl ON dl.reference = s.deliberation_ref "
	    "  WHERE " ISSUE_AT(
	        "dl.retention_until",
	        "$2::int") " <= $1::timestamptz), "
	                   "g AS (SELECT d.recipient_id AS recipient, d.deliberation_ref AS "
	                   "deliberation, "
	                   "  sc.version, sc.retention_until, sc.due_at, "
	                   "  bool_or(coalesce(dv.retention_until > sc.retention_until, false)) AS "
	                   "shortened, "
	                   "  json_agg(d.id ORDER BY d.id) AS deliveries "
	                   " FROM sc JOIN deliveries d ON d.recipient_id = sc.recipient_id "
	                   "   AND d.deliberation_ref = sc.deliberation_ref "
	                   " LEFT JOIN deliberation_versions dv "
	                   "   ON dv.reference = d.deliberation_ref AND dv.number = d.version "
	                   " WHERE d.shipped_at IS NOT NULL AND d.shipped_at <= $1::timestamptz "
	                   "   AND " UNORDERED(
	                       "d") " GROUP BY 1, 2, 3, 4, 5) "
	                            "SELECT coalesce(json_agg(json_build_object('recipient', "
	                            "recipient, "
	                            "  'deliberation', deliberation, 'version', version, "
	                            "  'retention_until', to_char(retention_until, 'YYYY-MM-DD'), "
	                            "  'due_at', retention_rfc3339(due_at), 'shortened', "
	                            "shortened, "
	                            "  'join', (SELECT max(o.id) FROM destruction_orders o WHERE "
	                            "o.status = 'open' "
	                            "    AND o.recipient_id = g.recipient AND o.deliberation_ref = "
	                            "g.deliberation "
	                            "    AND o.trigger IN ('deadline', 'amendment') "
	                            "    AND o.retention_until = g.retention_until), "
	                            "  'deliveries', deliveries) ORDER BY deliberation, "
	                            "recipient), '[]')::text "
	                            "FROM g",
	    2, p);
}

json_t *store_retention_plan_cancellations(PGconn *db, const char *now, struct err *e)
{
	const char *p[] = {now};
	return query_json(
	    db, e,
	    "SELECT coalesce(json_agg(json_build_object('id', o.id, 'recipient', o.recipient_id, "
	    "  'deliberation', o.deliberation_ref, "
	    "  'retention_until', to_char(o.retention_until, 'YYYY-MM-DD'), "
	    "  'new_version', dl.version, "
	    "  'new_retention_until', to_char(dl.retention_until, 'YYYY-MM-DD')) "
	    "  ORDER BY o.id), '[]')::text "
	    "FROM destruction_orders o "
	    "JOIN retention_deadlines($1::timestamptz) dl ON dl.reference = o.deliberation_ref "
	    "WHERE o.status IN ('open', 'overdue') AND o.trigger IN ('deadline', 'amendment') "
	    "  AND dl.retention_until > o.retention_until",
	    1, p);
}

json_t *store_retention_plan_escalations(PGconn *db, const char *now, struct err *e)
{
	const char *p[] = {now};
	return query_json(
	    db, e,
	    "SELECT coalesce(json_agg(json_build_object('id', o.id, 'recipient', o.recipient_id, "
	    "  'deliberation', o.deliberation_ref, 'due_at', retention_rfc3339(o.due_at), "
	    "  'days_late', " BXL_DATE("$1::timestamptz") " - " BXL_DATE(
	        "o.due_at") ") "
	                    "  ORDER BY o.id), '[]')::text "
	                    "FROM destruction_orders o WHERE o.status IN ('open', 'overdue') "
	                    "  AND o.due_at <= $1::timestamptz AND o.status = 'open' AND NOT " HELD,
	    1, p);
}

json_t *store_retention_plan_before(PGconn *db, const char *now, struct err *e)
{
	const char *p[] = {now};
	return query_json(
	    db, e,
	    "SELECT coalesce(json_agg(json_build_object('id', o.id, 'recipient', o.recipient_id, "
	    "  'deliberation', o.deliberation_ref, 'due_at', retention_rfc3339(o.due_at), "
	    "  'days_left', " BXL_DATE("o.due_at") " - " BXL_DATE(
	        "$1::timestamptz") ") "
	                           "  ORDER BY o.id), '[]')::text "
	                           "FROM destruction_orders o WHERE o.status IN ('open', "
	                           "'overdue') "
	                           "  AND o.due_at > $1::timestamptz AND o.status = 'open' AND "
	                           "NOT " HELD,
	    1, p);
}

json_t *store_retention_plan_after(PGconn *db, const char *now, struct err *e)
{
	const char *p[] = {now};
	return query_json(
	    db, e,
	    "SELECT coalesce(json_agg(json_build_object('id', o.id, 'recipient', o.recipient_id, "
	    "  'deliberation', o.deliberation_ref, 'status', o.status, "
	    "  'due_at', retention_rfc3339(o.due_at), "
	    "  'days_late', " BXL_DATE("$1::timestamptz") " - " BXL_DATE(
	        "o.due_at") ") "
	                    "  ORDER BY o.id), '[]')::text "
	                    "FROM destruction_orders o WHERE o.status IN ('open', 'overdue') "
	                    "  AND o.due_at <= $1::timestamptz AND NOT " HELD,
	    1, p);
}

bool store_retention_insert_order(PGconn *db, const struct store_order_new *o, int64_t *id,
                                  struct err *e)
{
	char v[16];
	snprintf(v, sizeof(v), "%d", o->version);
	const char *p[] = {o->deliberation,
	                   o->recipient,
	                   o->trigger,
	                   o->version > 0 ? v : NULL,
	                   o->retention_until,
	                   o->due_at,
	                   o->note != NULL ? o->note : "",
	                   o->ordered_at,
	                   o->ordered_by};
	PGresult *r = db_exec(db, e,
	                      "INSERT INTO destruction_orders (deliberation_ref, recipient_id, "
	                      " trigger, version, retention_until, due_at, note, ordered_at, "
	                      " ordered_by) VALUES ($1, $2, $3, $4::int, $5::date, "
	                      " $6::timestamptz, $7, $8::timestamptz, $9) RETURNING id",
	                      9, p);
	if (r == NULL)
		return false;
	*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return true;
}

bool store_retention_add_deliveries(PGconn *db, int64_t order_id, const char *ids_json, int *added,
                                    struct err *e)
{
	char o[24];
	snprintf(o, sizeof(o), "%" PRId64, order_id);
	const char *p[] = {o, ids_json};
	long n = 0;
	if (!exec_count(db, e,
	                "INSERT INTO destruction_order_deliveries (order_id, delivery_id) "
	                "SELECT $1::bigint, x::bigint "
	                "FROM jsonb_array_elements_text($2::jsonb) AS x",
	                2, p, &n))
		return false;
	*added = (int)n;
	return true;
}

bool store_retention_cancel(PGconn *db, int64_t id, const char *now, const char *reason,
                            bool *changed, struct err *e)
{
	char o[24];
	snprintf(o, sizeof(o), "%" PRId64, id);
	const char *p[] = {o, now, reason};
	long n = 0;
	if (!exec_count(db, e,
	                "UPDATE destruction_orders SET status = 'cancelled', "
	                " cancelled_at = $2::timestamptz, cancel_reason = $3 "
	                "WHERE id = $1::bigint AND status IN ('open', 'overdue')",
	                3, p, &n))
		return false;
	*changed = n == 1;
	return true;
}

bool store_retention_escalate(PGconn *db, int64_t id, const char *now, bool *changed, struct err *e)
{
	char o[24];
	snprintf(o, sizeof(o), "%" PRId64, id);
	const char *p[] = {o, now};
	long n = 0;
	if (!exec_count(db, e,
	                "UPDATE destruction_orders SET status = 'overdue', "
	                " escalated_at = $2::timestamptz WHERE id = $1::bigint AND status = 'open'",
	                2, p, &n))
		return false;
	*changed = n == 1;
	return true;
}

bool store_retention_set_confirmed(PGconn *db, int64_t id, const char *now, struct err *e)
{
	char o[24];
	snprintf(o, sizeof(o), "%" PRId64, id);
	const char *p[] = {o, now};
	long n = 0;
	if (!exec_count(db, e,
	                "UPDATE destruction_orders SET status = 'confirmed', "
	                " confirmed_at = $2::timestamptz "
	                "WHERE id = $1::bigint AND status IN ('open', 'overdue')",
	                2, p, &n))
		return false;
	if (n != 1) {
		err_set(e, ERR_CONFLICT, "destruction order %" PRId64 " is no longer open", id);
		return false;
	}
	return true;
}

bool store_retention_insert_reminder(PGconn *db, const struct store_reminder_new *r, int64_t *id,
                                     struct err *e)
{
	char o[24], d[16], l[16];
	snprintf(o, sizeof(o), "%" PRId64, r->order_id);
	snprintf(d, sizeof(d), "%d", r->days);
	snprintf(l, sizeof(l), "%d", r->days_left);
	const char *p[] = {r->kind,
	                   r->deliberation,
	                   r->recipient,
	                   r->retention_until,
	                   r->order_id > 0 ? o : NULL,
	                   d,
	                   l,
	                   r->created_at};
	PGresult *res = db_exec(db, e,
	                        "INSERT INTO destruction_reminders (kind, deliberation_ref, "
	                        " recipient_id, retention_until, order_id, days, days_left, "
	                        " created_at) VALUES ($1, $2, $3, $4::date, $5::bigint, $6::int, "
	                        " $7::int, $8::timestamptz) ON CONFLICT DO NOTHING RETURNING id",
	                        8, p);
	if (res == NULL)
		return false;
	*id = PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
	PQclear(res);
	return true;
}

/* The API form of an order (alias o).  A live order under a legal hold shows
 * "on_hold". */
#define ORDER_STATUS                                                                               \
	"CASE WHEN o.status IN ('open', 'overdue') AND " HELD " THEN 'on_hold' ELSE o.status END"
#define ORDER_JSON                                                                                 \
	"json_build_object('id', o.id, 'deliberation', o.deliberation_ref, "                       \
	"'recipient', o.recipient_id, 'trigger', o.trigger, 'version', o.version, "                \
	"'retention_until', to_char(o.retention_until, 'YYYY-MM-DD'), "                            \
	"'due_at', retention_rfc3339(o.due_at), "                                                  \
	"'overdue_from', retention_rfc3339(o.due_at), "                                            \
	"'status', " ORDER_STATUS ", 'note', o.note, 'ordered_at', "                               \
	"retention_rfc3339(o.ordered_at), "                                                        \
	"'ordered_by', o.ordered_by, 'escalated_at', retention_rfc3339(o.escalated_at), "          \
	"'confirmed_at', retention_rfc3339(o.confirmed_at), "                                      \
	"'on_time', CASE WHEN o.confirmed_at IS NULL THEN NULL "                                   \
	"  ELSE o.confirmed_at < o.due_at END, "                                                   \
	"'cancelled_at', retention_rfc3339(o.cancelled_at), 'cancel_reason', "                     \
	"o.cancel_reason, "                                                                        \
	"'deliveries', (SELECT coalesce(json_agg(json_build_object('id', d.id, "                   \
	"  'sha256', d.sha256, 'rows', d.rows, 'persons', d.persons, 'bytes', d.bytes, "           \
	"  'group', d.group_code, 'phase', d.phase, 'destination', d.destination, "                \
	"  'version', d.version, 'check_date', to_char(d.check_date, 'YYYY-MM-DD'), "              \
	"  'source', d.source, "                                                                   \
	"  'checked_at', retention_rfc3339(d.checked_at), "                                        \
	"  'shipped_at', retention_rfc3339(d.shipped_at)) ORDER BY d.id), '[]') "                  \
	"  FROM destruction_order_deliveries od JOIN deliveries d ON d.id = od.delivery_id "       \
	"  WHERE od.order_id = o.id), "                                                            \
	"'certificate', (SELECT c.id FROM destruction_certificates c WHERE c.order_id = o.id))"

json_t *store_retention_list(PGconn *db, const char *recipient, const char *status,
                             const char *deliberation, int64_t after, int limit, struct err *e)
{
	char a[24], l[16];
	snprintf(a, sizeof(a), "%" PRId64, after);
	snprintf(l, sizeof(l), "%d", limit);
	const char *p[] = {recipient, status, deliberation, a, l};
	return query_json(db, e,
	                  "SELECT coalesce(json_agg(j ORDER BY id), '[]')::text FROM ("
	                  " SELECT o.id, " ORDER_JSON " AS j FROM destruction_orders o "
	                  " WHERE ($1::text IS NULL OR o.recipient_id = $1) "
	                  "   AND ($2::text IS NULL OR " ORDER_STATUS " = $2) "
	                  "   AND ($3::text IS NULL OR o.deliberation_ref = $3) "
	                  "   AND o.id > $4::bigint ORDER BY o.id LIMIT $5::int) s",
	                  5, p);
}

json_t *store_retention_order(PGconn *db, int64_t id, const char *recipient, bool lock,
                              struct err *e)
{
	char o[24];
	snprintf(o, sizeof(o), "%" PRId64, id);
	const char *p[] = {o, recipient};
	char sql[8192];
	snprintf(sql, sizeof(sql),
	         "SELECT json_build_object('order', " ORDER_JSON ", "
	         " 'reminders', (SELECT coalesce(json_agg(json_build_object('kind', r.kind, "
	         "   'days', r.days, 'days_left', r.days_left, "
	         "   'at', retention_rfc3339(r.created_at)) ORDER BY r.id), '[]') "
	         "   FROM destruction_reminders r WHERE r.order_id = o.id), "
	         " 'confirmation', (SELECT c.confirmation FROM destruction_confirmations c "
	         "   WHERE c.order_id = o.id))::text "
	         "FROM destruction_orders o "
	         "WHERE o.id = $1::bigint AND ($2::text IS NULL OR o.recipient_id = $2)%s",
	         lock ? " FOR UPDATE OF o" : "");
	json_t *j = query_json(db, e, sql, 2, p);
	if (j == NULL && e->kind == ERR_NOT_FOUND) {
		err_clear(e);
		err_set(e, ERR_NOT_FOUND, "no destruction order %" PRId64, id);
	}
	if (j == NULL)
		return NULL;
	/* Flatten: the order's fields with reminders and confirmation beside them. */
	json_t *order = json_incref(json_object_get(j, "order"));
	json_object_set(order, "reminders", json_object_get(j, "reminders"));
	json_object_set(order, "confirmation", json_object_get(j, "confirmation"));
	json_decref(j);
	return order;
}

json_t *store_retention_parties(PGconn *db, const char *deliberation, const char *recipient,
                                struct err *e)
{
	const char *p[] = {deliberation, recipient};
	return query_json(db, e,
	                  "SELECT json_build_object("
	                  " 'deliberation', (SELECT json_build_object('reference', d.reference, "
	                  "   'chamber', d.chamber, 'title', d.title, "
	                  "   'legal_basis', d.legal_basis) FROM deliberations d "
	                  "   WHERE d.reference = $1), "
	                  " 'recipient', (SELECT json_build_object('id', r.id, 'name', r.name, "
	                  "   'organisation', r.organisation) FROM recipients r WHERE r.id = $2)"
	                  ")::text",
	                  2, p);
}

bool store_retention_insert_confirmation(PGconn *db, int64_t order_id, const char *performed_at,
                                         const char *category, const char *confirmation_json,
                                         const char *by, struct err *e)
{
	char o[24];
	snprintf(o, sizeof(o), "%" PRId64, order_id);
	const char *p[] = {o, performed_at, category, confirmation_json, by};
	return exec_count(db, e,
	                  "INSERT INTO destruction_confirmations (order_id, performed_at, "
	                  " method_category, confirmation, received_by) "
	                  "VALUES ($1::bigint, $2::timestamptz, $3, $4::jsonb, $5)",
	                  5, p, NULL);
}

bool store_retention_record_signer(PGconn *db, const char *key_id, const char *pem, struct err *e)
{
	const char *p[] = {key_id, pem};
	return exec_count(db, e,
	                  "INSERT INTO signing_certificates (key_id, certificate) VALUES ($1, $2) "
	                  "ON CONFLICT (key_id) DO NOTHING",
	                  2, p, NULL);
}

bool store_retention_insert_certificate(PGconn *db, const struct store_certificate_new *c,
                                        struct err *e)
{
	char o[24];
	snprintf(o, sizeof(o), "%" PRId64, c->order_id);
	const char *p[] = {
	    c->id, o, c->document, c->document_sha256, c->signature_hex, c->key_id, c->issued_at};
	return exec_count(db, e,
	                  "INSERT INTO destruction_certificates (id, order_id, document, "
	                  " document_sha256, signature, key_id, issued_at) "
	                  "VALUES ($1, $2::bigint, $3, $4, decode($5, 'hex'), $6, $7::timestamptz)",
	                  7, p, NULL);
}

bool store_retention_certificate(PGconn *db, const char *id, const char *recipient, char **document,
                                 unsigned char **signature, size_t *signature_len, struct err *e)
{
	const char *p[] = {id, recipient};
	PGresult *r = db_exec(db, e,
	                      "SELECT c.document, encode(c.signature, 'hex') "
	                      "FROM destruction_certificates c "
	                      "JOIN destruction_orders o ON o.id = c.order_id "
	                      "WHERE c.id = $1 AND ($2::text IS NULL OR o.recipient_id = $2)",
	                      2, p);
	if (r == NULL)
		return false;
	if (PQntuples(r) != 1) {
		PQclear(r);
		err_set(e, ERR_NOT_FOUND, "no destruction certificate with that id");
		return false;
	}
	const char *hex = PQgetvalue(r, 0, 1);
	size_t hl = strlen(hex);
	*document = strdup(PQgetvalue(r, 0, 0));
	*signature = malloc(hl / 2 + 1);
	if (*document == NULL || *signature == NULL) {
		free(*document);
		free(*signature);
		PQclear(r);
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	if (!hex_decode(hex, hl, *signature)) {
		free(*document);
		free(*signature);
		*document = NULL;
		*signature = NULL;
		PQclear(r);
		err_set(e, ERR_INTERNAL, "the stored signature of a certificate is not hex");
		return false;
	}
	*signature_len = hl / 2;
	PQclear(r);
	return true;
}

json_t *store_retention_signers(PGconn *db, struct err *e)
{
	return query_json(db, e,
	                  "SELECT coalesce(json_agg(json_build_object('key_id', key_id, "
	                  " 'certificate', certificate, "
	                  " 'first_used_at', retention_rfc3339(first_used_at)) "
	                  " ORDER BY first_used_at, key_id), '[]')::text FROM signing_certificates",
	                  0, NULL);
}

json_t *store_retention_delivery(PGconn *db, int64_t id, const char *recipient, struct err *e)
{
	char o[24];
	snprintf(o, sizeof(o), "%" PRId64, id);
	const char *p[] = {o, recipient};
	json_t *j =
	    query_json(db, e,
	               "SELECT json_build_object('id', d.id, 'recipient', d.recipient_id, "
	               " 'deliberation', d.deliberation_ref, 'shipped', d.shipped_at IS NOT NULL, "
	               " 'order_id', (SELECT od.order_id FROM destruction_order_deliveries od "
	               "   WHERE od.delivery_id = d.id AND od.active))::text "
	               "FROM deliveries d WHERE d.id = $1::bigint "
	               "  AND ($2::text IS NULL OR d.recipient_id = $2) FOR SHARE OF d",
	               2, p);
	if (j == NULL && e->kind == ERR_NOT_FOUND) {
		err_clear(e);
		err_set(e, ERR_NOT_FOUND, "no delivery %" PRId64, id);
	}
	return j;
}

json_t *store_retention_unordered(PGconn *db, const char *recipient, const char *deliberation,
                                  bool *any_shipped, struct err *e)
{
	const char *p[] = {recipient, deliberation};
	json_t *j = query_json(
	    db, e,
	    "SELECT json_build_object('any', count(*) > 0, "
	    " 'ids', coalesce(json_agg(d.id ORDER BY d.id) FILTER (WHERE " UNORDERED(
	        "d") "), "
	             "   '[]'))::text "
	             "FROM deliveries d WHERE d.recipient_id = $1 AND d.deliberation_ref = $2 "
	             "  AND d.shipped_at IS NOT NULL",
	    2, p);
	if (j == NULL)
		return NULL;
	*any_shipped = json_is_true(json_object_get(j, "any"));
	json_t *ids = json_incref(json_object_get(j, "ids"));
	json_decref(j);
	return ids;
}

json_t *store_retention_in_force(PGconn *db, const char *deliberation, const char *now,
                                 struct err *e)
{
	const char *p[] = {deliberation, now};
	return query_json(db, e,
	                  "SELECT coalesce((SELECT json_build_object('version', version, "
	                  " 'retention_until', to_char(retention_until, 'YYYY-MM-DD'), "
	                  " 'due_at', retention_rfc3339(due_at)) "
	                  " FROM retention_deadlines($2::timestamptz) WHERE reference = $1), "
	                  " 'null'::json)::text",
	                  2, p);
}

bool store_retention_gauges(PGconn *db, int64_t counts[4], int64_t *oldest_overdue_s, struct err *e)
{
	PGresult *r = db_exec(db, e,
	                      "SELECT count(*) FILTER (WHERE status = 'open'), "
	                      " count(*) FILTER (WHERE status = 'overdue'), "
	                      " count(*) FILTER (WHERE status = 'confirmed'), "
	                      " count(*) FILTER (WHERE status = 'cancelled'), "
	                      " coalesce(greatest(0, extract(epoch FROM now() - "
	                      "   min(due_at) FILTER (WHERE status = 'overdue')))::bigint, 0) "
	                      "FROM destruction_orders",
	                      0, NULL);
	if (r == NULL)
		return false;
	for (int i = 0; i < 4; i++)
		counts[i] = strtoll(PQgetvalue(r, 0, i), NULL, 10);
	*oldest_overdue_s = strtoll(PQgetvalue(r, 0, 4), NULL, 10);
	PQclear(r);
	return true;
}

/* "delibret" in ASCII: the advisory lock key of scheduler rounds. */
#define RETENTION_LOCK_KEY "7234306271665349492"

bool store_retention_try_lock(PGconn *db, bool *got, struct err *e)
{
	PGresult *r =
	    db_exec(db, e, "SELECT pg_try_advisory_lock(" RETENTION_LOCK_KEY ")", 0, NULL);
	if (r == NULL)
		return false;
	*got = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return true;
}

void store_retention_unlock(PGconn *db)
{
	struct err e = {0};
	PGresult *r = db_exec(db, &e, "SELECT pg_advisory_unlock(" RETENTION_LOCK_KEY ")", 0, NULL);
	if (r != NULL)
		PQclear(r);
}

bool store_retention_set_governance_webhook(PGconn *db, const char *url, const char *secret,
                                            const char *by, struct err *e)
{
	const char *p[] = {url, secret, by};
	return exec_count(db, e,
	                  "INSERT INTO governance_webhook (id, url, secret, updated_by) "
	                  "VALUES (true, $1, $2, $3) ON CONFLICT (id) DO UPDATE SET "
	                  " url = EXCLUDED.url, secret = EXCLUDED.secret, updated_at = now(), "
	                  " updated_by = EXCLUDED.updated_by",
	                  3, p, NULL);
}

bool store_outbox_insert(PGconn *db, const char *audience, const char *recipient, const char *event,
                         const char *body, int64_t *id, struct err *e)
{
	const char *p[] = {audience, recipient, event, body};
	PGresult *r = db_exec(db, e,
	                      "INSERT INTO outbox (audience, recipient_id, event, body) "
	                      "VALUES ($1, $2, $3, $4) RETURNING id",
	                      4, p);
	if (r == NULL)
		return false;
	if (id != NULL)
		*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return true;
}

json_t *store_outbox_claim(PGconn *db, int limit, int lease_s, struct err *e)
{
	char l[16], s[16];
	snprintf(l, sizeof(l), "%d", limit);
	snprintf(s, sizeof(s), "%d", lease_s);
	const char *p[] = {l, s};
	return query_json(
	    db, e,
	    "WITH due AS (SELECT id FROM outbox "
	    "  WHERE delivered_at IS NULL AND next_attempt_at <= now() "
	    "  ORDER BY next_attempt_at, id LIMIT $1::int FOR UPDATE SKIP LOCKED), "
	    "upd AS (UPDATE outbox o SET attempts = o.attempts + 1, last_attempt_at = now(), "
	    "  next_attempt_at = now() + make_interval(secs => $2::int) "
	    "  FROM due WHERE o.id = due.id RETURNING o.*) "
	    "SELECT coalesce(json_agg(json_build_object('id', u.id, 'key', u.idempotency_key, "
	    " 'event', u.event, 'body', u.body, 'attempts', u.attempts, "
	    " 'audience', u.audience, 'recipient', u.recipient_id, "
	    " 'url', CASE WHEN u.audience = 'governance' THEN g.url ELSE r.webhook_url END, "
	    " 'secret', CASE WHEN u.audience = 'governance' THEN g.secret "
	    "   ELSE r.webhook_secret END) ORDER BY u.id), '[]')::text "
	    "FROM upd u LEFT JOIN recipients r ON r.id = u.recipient_id "
	    "LEFT JOIN governance_webhook g ON u.audience = 'governance'",
	    2, p);
}

bool store_outbox_delivered(PGconn *db, int64_t id, int status, struct err *e)
{
	char o[24], s[16];
	snprintf(o, sizeof(o), "%" PRId64, id);
	snprintf(s, sizeof(s), "%d", status);
	const char *p[] = {o, s};
	return exec_count(db, e,
	                  "UPDATE outbox SET delivered_at = now(), last_status = $2::int, "
	                  " last_error = NULL WHERE id = $1::bigint AND delivered_at IS NULL",
	                  2, p, NULL);
}

bool store_outbox_failed(PGconn *db, int64_t id, int status, const char *error, int delay_s,
                         struct err *e)
{
	char o[24], s[16], d[16];
	snprintf(o, sizeof(o), "%" PRId64, id);
	snprintf(s, sizeof(s), "%d", status);
	snprintf(d, sizeof(d), "%d", delay_s);
	const char *p[] = {o, status > 0 ? s : NULL, error, d};
	return exec_count(db, e,
	                  "UPDATE outbox SET last_status = $2::int, last_error = $3, "
	                  " next_attempt_at = now() + make_interval(secs => $4::int) "
	                  "WHERE id = $1::bigint AND delivered_at IS NULL",
	                  4, p, NULL);
}

bool store_outbox_pending(PGconn *db, int64_t *pending, int64_t *oldest_s, struct err *e)
{
	PGresult *r =
	    db_exec(db, e,
	            "SELECT count(*), coalesce(extract(epoch FROM now() - "
	            " min(created_at))::bigint, 0) FROM outbox WHERE delivered_at IS NULL",
	            0, NULL);
	if (r == NULL)
		return false;
	*pending = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	*oldest_s = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	PQclear(r);
	return true;
}

bool store_retention_nln_live(PGconn *db, const char *recipient, const char *deliberation,
                              int64_t *order_id, struct err *e)
{
	const char *p[] = {recipient, deliberation};
	PGresult *r = db_exec(db, e,
	                      "SELECT coalesce(min(id), 0) FROM destruction_orders "
	                      "WHERE recipient_id = $1 AND deliberation_ref = $2 "
	                      "AND trigger = 'no_longer_needed' AND status IN ('open', 'overdue')",
	                      2, p);
	if (r == NULL)
		return false;
	*order_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return true;
}

bool store_retention_join_open(PGconn *db, int64_t delivery_id, int64_t *order_id, struct err *e)
{
	char d[24];
	snprintf(d, sizeof(d), "%" PRId64, delivery_id);
	const char *p[] = {d};
	PGresult *r = db_exec(db, e,
	                      "INSERT INTO destruction_order_deliveries (order_id, delivery_id) "
	                      "SELECT o.id, d.id FROM deliveries d JOIN destruction_orders o "
	                      "  ON o.recipient_id = d.recipient_id "
	                      " AND o.deliberation_ref = d.deliberation_ref "
	                      "WHERE d.id = $1::bigint AND o.status = 'open' "
	                      "  AND o.trigger IN ('deadline', 'amendment') "
	                      "  AND NOT EXISTS (SELECT 1 FROM destruction_order_deliveries x "
	                      "    WHERE x.delivery_id = d.id AND x.active) "
	                      "ORDER BY o.id DESC LIMIT 1 RETURNING order_id",
	                      1, p);
	if (r == NULL)
		return false;
	*order_id = PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
	PQclear(r);
	return true;
}

bool store_retention_nln_due(PGconn *db, const char *deliberation, const char *now, int days,
                             char out[32], struct err *e)
{
	char d[16];
	snprintf(d, sizeof(d), "%d", days);
	const char *p[] = {deliberation, now, d};
	PGresult *r = db_exec(
	    db, e,
	    "SELECT retention_rfc3339(LEAST((($2::timestamptz AT TIME ZONE 'Europe/Brussels') "
	    "  + make_interval(days => $3::int)) AT TIME ZONE 'Europe/Brussels', "
	    "  coalesce((SELECT dl.due_at FROM retention_deadlines($2::timestamptz) dl "
	    "    WHERE dl.reference = $1), 'infinity')))",
	    3, p);
	if (r == NULL)
		return false;
	snprintf(out, 32, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return true;
}
