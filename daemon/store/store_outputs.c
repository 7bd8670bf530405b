/* store_outputs: the SQL of output checking (store_outputs.h). */
#include "store_outputs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "hex.h"

#define SESSION_JSON                                                                               \
	"json_build_object('id', s.id, 'recipient', s.recipient, 'deliberation', s.deliberation, " \
	"'supervisor', s.supervisor, 'researchers', s.researchers, "                               \
	"'starts_at', to_char(s.starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"'ends_at', to_char(s.ends_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "     \
	"'created_by', s.created_by, "                                                             \
	"'created_at', to_char(s.created_at AT TIME ZONE 'UTC', "                                  \
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))"

json_t *store_outputs_session_insert(PGconn *db, const struct store_session_new *s, struct err *e)
{
	const char *p[] = {s->recipient, s->deliberation, s->supervisor, s->researchers,
	                   s->starts_at, s->ends_at,      s->created_by};
	return db_exec_json(db, e, "session",
	                    "WITH s AS (INSERT INTO supervision_sessions (recipient, deliberation, "
	                    " supervisor, researchers, starts_at, ends_at, created_by) "
	                    " VALUES ($1, $2, $3, $4::jsonb, $5::timestamptz, $6::timestamptz, $7) "
	                    " RETURNING *) SELECT " SESSION_JSON " FROM s",
	                    7, p);
}

json_t *store_outputs_session(PGconn *db, int64_t id, const char *recipient, struct err *e)
{
	char ids[24];
	snprintf(ids, sizeof(ids), "%" PRId64, id);
	const char *p[] = {ids, recipient};
	return db_exec_json(db, e, "supervision session",
	                    "SELECT " SESSION_JSON " FROM supervision_sessions s "
	                    "WHERE s.id = $1::bigint AND ($2::text IS NULL OR s.recipient = $2)",
	                    2, p);
}

bool store_outputs_insert(PGconn *db, const struct store_output_new *o, int64_t *id, struct err *e)
{
	char sid[24];
	snprintf(sid, sizeof(sid), "%" PRId64, o->session_id);
	const char *p[] = {sid,     o->recipient, o->deliberation, o->evidence,
	                   o->spec, o->report,    o->published,    o->submitted_by};
	PGresult *r =
	    db_exec(db, e,
	            "INSERT INTO outputs (session_id, recipient, deliberation, evidence, "
	            " spec, report, published, submitted_by) "
	            "VALUES ($1::bigint, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8) "
	            "RETURNING id",
	            8, p);
	if (r == NULL)
		return false;
	*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return true;
}

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

json_t *store_outputs_get(PGconn *db, int64_t id, const char *recipient, bool lock, struct err *e)
{
	char ids[24];
	snprintf(ids, sizeof(ids), "%" PRId64, id);
	const char *p[] = {ids, recipient};
	/* FOR UPDATE cannot sit beside the aggregate: lock first, then read */
	if (lock) {
		PGresult *r =
		    db_exec(db, e, "SELECT 1 FROM outputs WHERE id = $1::bigint FOR UPDATE", 1, p);
		if (r == NULL)
			return NULL;
		PQclear(r);
	}
	return db_exec_json(
	    db, e, "output",
	    "SELECT json_build_object('id', o.id, 'session', o.session_id, 'recipient', "
	    "o.recipient, "
	    " 'deliberation', o.deliberation, 'evidence', o.evidence, 'spec', o.spec, "
	    " 'report', o.report, 'published', o.published, 'status', o.status, "
	    " 'submitted_by', o.submitted_by, 'submitted_at', " TS(
	        "o.submitted_at") ", "
	                          " 'decided_at', " TS(
	                              "o.decided_at") ", 'release_sha256', o.release_sha256, "
	                                              " 'release_key_id', o.release_key_id, "
	                                              " 'reviews', coalesce((SELECT "
	                                              "json_agg(json_build_object('id', r.id, "
	                                              "   'credential_id', r.credential_id, "
	                                              "'checker', r.checker, 'decision', "
	                                              "r.decision, "
	                                              "   'comment', r.comment, 'exceptions', "
	                                              "r.exceptions, "
	                                              "   'reviewed_at', " TS(
	                                                  "r.reviewed_at") ") ORDER BY r.id) "
	                                                                   "   FROM output_reviews "
	                                                                   "r WHERE r.output_id = "
	                                                                   "o.id), '[]'::json)) "
	                                                                   "FROM outputs o WHERE "
	                                                                   "o.id = $1::bigint AND "
	                                                                   "($2::text IS NULL OR "
	                                                                   "o.recipient = $2)",
	    2, p);
}

json_t *store_outputs_list(PGconn *db, const char *status, const char *recipient, struct err *e)
{
	const char *p[] = {status, recipient};
	return db_exec_json(
	    db, e, "output",
	    "SELECT coalesce(json_agg(json_build_object('id', o.id, 'session', o.session_id, "
	    " 'recipient', o.recipient, 'deliberation', o.deliberation, 'evidence', o.evidence, "
	    " 'spec', o.spec, 'verdict', o.report->'verdict', 'cells', o.report->'cells', "
	    " 'error_counts', o.report->'error_counts', 'status', o.status, "
	    " 'submitted_at', " TS("o.submitted_at") ", 'decided_at', " TS(
	        "o.decided_at") ", "
	                        " 'approvals', (SELECT count(*) FROM output_reviews r WHERE "
	                        "r.output_id = o.id "
	                        "   AND r.decision = 'approve')) ORDER BY o.id), '[]'::json) "
	                        "FROM outputs o WHERE ($1::text IS NULL OR o.status = $1) "
	                        " AND ($2::text IS NULL OR o.recipient = $2)",
	    2, p);
}

bool store_outputs_review_insert(PGconn *db, const struct store_review_new *rv, struct err *e)
{
	char oid[24], cid[24];
	snprintf(oid, sizeof(oid), "%" PRId64, rv->output_id);
	snprintf(cid, sizeof(cid), "%" PRId64, rv->credential_id);
	const char *p[] = {oid, cid, rv->checker, rv->decision, rv->comment, rv->exceptions};
	PGresult *r = db_exec(db, e,
	                      "INSERT INTO output_reviews (output_id, credential_id, checker, "
	                      " decision, comment, exceptions) "
	                      "VALUES ($1::bigint, $2::bigint, $3, $4, $5, $6::jsonb)",
	                      6, p);
	if (r == NULL)
		return false;
	PQclear(r);
	return true;
}

bool store_outputs_set_rejected(PGconn *db, int64_t id, struct err *e)
{
	char ids[24];
	snprintf(ids, sizeof(ids), "%" PRId64, id);
	const char *p[] = {ids};
	PGresult *r = db_exec(db, e,
	                      "UPDATE outputs SET status = 'rejected', decided_at = now() "
	                      "WHERE id = $1::bigint AND status = 'pending'",
	                      1, p);
	if (r == NULL)
		return false;
	PQclear(r);
	return true;
}

bool store_outputs_set_released(PGconn *db, int64_t id, const char *document, const char *sha256,
                                const char *signature_hex, const char *key_id, struct err *e)
{
	char ids[24];
	snprintf(ids, sizeof(ids), "%" PRId64, id);
	const char *p[] = {ids, document, sha256, signature_hex, key_id};
	PGresult *r = db_exec(db, e,
	                      "UPDATE outputs SET status = 'released', decided_at = now(), "
	                      " release_document = $2, release_sha256 = $3, "
	                      " release_signature = decode($4, 'hex'), release_key_id = $5 "
	                      "WHERE id = $1::bigint AND status = 'pending'",
	                      5, p);
	if (r == NULL)
		return false;
	PQclear(r);
	return true;
}

bool store_outputs_release(PGconn *db, int64_t id, const char *recipient, char **document,
                           unsigned char **signature, size_t *signature_len, char **key_id,
                           struct err *e)
{
	char ids[24];
	snprintf(ids, sizeof(ids), "%" PRId64, id);
	const char *p[] = {ids, recipient};
	PGresult *r = db_exec(db, e,
	                      "SELECT status, release_document, encode(release_signature, 'hex'), "
	                      " release_key_id FROM outputs "
	                      "WHERE id = $1::bigint AND ($2::text IS NULL OR recipient = $2)",
	                      2, p);
	if (r == NULL)
		return false;
	if (PQntuples(r) != 1) {
		PQclear(r);
		err_set(e, ERR_NOT_FOUND, "no output with that id");
		return false;
	}
	if (strcmp(PQgetvalue(r, 0, 0), "released") != 0) {
		err_set_code(e, ERR_CONFLICT, "not_released", NULL,
		             "output %" PRId64 " is %s, not released", id, PQgetvalue(r, 0, 0));
		PQclear(r);
		return false;
	}
	const char *hex = PQgetvalue(r, 0, 2);
	size_t hl = strlen(hex);
	*document = strdup(PQgetvalue(r, 0, 1));
	*key_id = strdup(PQgetvalue(r, 0, 3));
	*signature = malloc(hl / 2 + 1);
	bool ok = *document != NULL && *key_id != NULL && *signature != NULL &&
	          hex_decode(hex, hl, *signature);
	PQclear(r);
	if (!ok) {
		free(*document);
		free(*key_id);
		free(*signature);
		*document = *key_id = NULL;
		*signature = NULL;
		err_set(e, ERR_INTERNAL, "cannot read the stored release");
		return false;
	}
	*signature_len = hl / 2;
	return true;
}
