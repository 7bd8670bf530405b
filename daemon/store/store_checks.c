/*
 * store_checks: the SQL of checks and deliveries.  All statements are
 * parameterised; rows leave as JSON built by the database so that the HTTP and
 * audit shapes of a delivery are defined in one place (DELIVERY_JSON below).
 */
#include "store_checks.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

/* The public shape of a delivery (docs/api.md, "Checks and deliveries"). */
#define DELIVERY_JSON                                                                                              \
	"json_build_object('id', d.id, 'deliberation', d.deliberation_ref, "                                       \
	"'version', d.version, 'recipient', d.recipient_id, 'group', d.group_code, "                               \
	"'phase', d.phase, 'destination', d.destination, "                                                         \
	"'date', to_char(d.check_date, 'YYYY-MM-DD'), 'verdict', d.verdict, "                                      \
	"'sha256', d.sha256, 'rows', d.rows, 'persons', d.persons, 'bytes', d.bytes, "                             \
	"'error_counts', d.error_counts, "                                                                         \
	"'checked_at', to_char(d.checked_at AT TIME ZONE 'UTC', "                                                  \
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'checked_by', d.checked_by, "                                          \
	"'shipped', d.shipped_at IS NOT NULL, "                                                                    \
	"'shipped_at', to_char(d.shipped_at AT TIME ZONE 'UTC', "                                                  \
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'shipped_by', d.shipped_by, "                                          \
	"'source', d.source, 'note', d.note, " /* a retroactive amendment approved later covers its date (0012) */ \
	"'terms_superseded', EXISTS (SELECT 1 FROM version_approvals a "                                           \
	"JOIN deliberation_versions v USING (reference, number) WHERE a.reference = "                              \
	"d.deliberation_ref AND a.state = 'approved' AND a.retroactive AND a.number > d.version "                  \
	"AND d.check_date >= v.in_force_from))::text"

static bool store_int64(const PGresult *r, int row, int col, int64_t *out, struct err *e)
{
	const char *s = PQgetvalue(r, row, col);
	char *end;
	long long v = strtoll(s, &end, 10);
	if (s[0] == '\0' || *end != '\0') {
		err_set(e, ERR_INTERNAL, "unexpected integer from the database");
		return false;
	}
	*out = v;
	return true;
}

/* Parses a one-row, one-column JSON result; NULL with ERR_NOT_FOUND on no row. */
static json_t *store_json_row(PGresult *r, struct err *e)
{
	if (PQntuples(r) == 0) {
		err_set(e, ERR_NOT_FOUND, "no such delivery");
		return NULL;
	}
	json_error_t je;
	json_t *j = json_loads(PQgetvalue(r, 0, 0), 0, &je);
	if (j == NULL)
		err_set(e, ERR_INTERNAL, "the database returned malformed JSON");
	return j;
}

bool store_checks_key_fingerprint(PGconn *db, const char *fp, bool *matches, bool *recorded,
                                  struct err *e)
{
	const char *p[] = {fp};
	PGresult *r = db_exec(db, e,
	                      "INSERT INTO person_key (fingerprint) VALUES ($1) "
	                      "ON CONFLICT (id) DO NOTHING",
	                      1, p);
	if (r == NULL)
		return false;
	*recorded = strcmp(PQcmdTuples(r), "1") == 0;
	PQclear(r);
	r = db_exec(db, e, "SELECT fingerprint = $1 FROM person_key", 1, p);
	if (r == NULL)
		return false;
	bool ok = PQntuples(r) == 1;
	*matches = ok && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (!ok)
		err_set(e, ERR_INTERNAL, "the person key fingerprint is not recorded");
	return ok;
}

/* Runs a statement whose result is not needed. */
static bool store_run(PGconn *db, const char *sql, int n, const char *const *p, struct err *e)
{
	PGresult *r = db_exec(db, e, sql, n, p);
	if (r == NULL)
		return false;
	PQclear(r);
	return true;
}

bool store_checks_scope_lock(PGconn *db, const struct store_cap_key *k, int64_t *id,
                             int64_t *persons, struct err *e)
{
	char phase[16];
	snprintf(phase, sizeof(phase), "%d", k->phase);
	const char *p[] = {k->recipient, k->deliberation, k->group, phase};
	if (!store_run(db,
	               "INSERT INTO cap_scopes (recipient_id, deliberation_ref, group_code, phase) "
	               "VALUES ($1, $2, $3, $4::int) ON CONFLICT DO NOTHING",
	               4, p, e))
		return false;
	PGresult *r = db_exec(db, e,
	                      "SELECT id, persons FROM cap_scopes WHERE recipient_id = $1 "
	                      "AND deliberation_ref = $2 AND group_code = $3 AND phase = $4::int "
	                      "FOR UPDATE",
	                      4, p);
	if (r == NULL)
		return false;
	bool ok =
	    PQntuples(r) == 1 && store_int64(r, 0, 0, id, e) && store_int64(r, 0, 1, persons, e);
	PQclear(r);
	if (!ok)
		err_set(e, ERR_INTERNAL, "cannot lock the cap scope");
	return ok;
}

bool store_checks_scope_set(PGconn *db, int64_t id, int64_t persons, struct err *e)
{
	char ids[32], n[32];
	snprintf(ids, sizeof(ids), "%" PRId64, id);
	snprintf(n, sizeof(n), "%" PRId64, persons);
	const char *p[] = {ids, n};
	return store_run(db, "UPDATE cap_scopes SET persons = $2::bigint WHERE id = $1::bigint", 2,
	                 p, e);
}

bool store_checks_count_new(PGconn *db, int64_t scope, const char *hashes, int64_t *count,
                            struct err *e)
{
	char ids[32];
	snprintf(ids, sizeof(ids), "%" PRId64, scope);
	const char *p[] = {ids, hashes};
	PGresult *r = db_exec(db, e,
	                      "SELECT count(*) FROM unnest($2::text[]) AS n(h) WHERE NOT EXISTS ("
	                      "SELECT 1 FROM delivered_persons WHERE scope_id = $1::bigint "
	                      "AND person_hash = decode(n.h, 'hex'))",
	                      2, p);
	if (r == NULL)
		return false;
	bool ok = store_int64(r, 0, 0, count, e);
	PQclear(r);
	return ok;
}

bool store_checks_add_persons(PGconn *db, int64_t scope, const char *hashes, int64_t delivery_id,
                              int64_t *added, struct err *e)
{
	char ids[32], did[32];
	snprintf(ids, sizeof(ids), "%" PRId64, scope);
	snprintf(did, sizeof(did), "%" PRId64, delivery_id);
	const char *p[] = {ids, hashes, did};
	/* NOT EXISTS rather than ON CONFLICT: the scope is locked, and a plain insert
	 * is several times cheaper than a speculative one per row. */
	PGresult *r =
	    db_exec(db, e,
	            "INSERT INTO delivered_persons (scope_id, person_hash, "
	            "first_delivery_id) SELECT $1::bigint, n.h, $3::bigint FROM "
	            "(SELECT decode(t.h, 'hex') AS h FROM unnest($2::text[]) AS t(h)) AS n "
	            "WHERE NOT EXISTS (SELECT 1 FROM delivered_persons d WHERE "
	            "d.scope_id = $1::bigint AND d.person_hash = n.h)",
	            3, p);
	if (r == NULL)
		return false;
	char *end;
	long long n = strtoll(PQcmdTuples(r), &end, 10);
	PQclear(r);
	*added = n;
	return true;
}

bool store_checks_savepoint(PGconn *db, struct err *e)
{
	return store_run(db, "SAVEPOINT cap", 0, NULL, e);
}

bool store_checks_rollback_savepoint(PGconn *db, struct err *e)
{
	return store_run(db, "ROLLBACK TO SAVEPOINT cap", 0, NULL, e);
}

bool store_checks_next_id(PGconn *db, int64_t *id, struct err *e)
{
	PGresult *r =
	    db_exec(db, e, "SELECT nextval(pg_get_serial_sequence('deliveries', 'id'))", 0, NULL);
	if (r == NULL)
		return false;
	bool ok = store_int64(r, 0, 0, id, e);
	PQclear(r);
	return ok;
}

bool store_checks_insert(PGconn *db, const struct store_check_row *row, struct err *e)
{
	char ids[32], version[16], phase[16], date[16], rows[32], persons[32], bytes[32];
	snprintf(ids, sizeof(ids), "%" PRId64, row->id);
	snprintf(version, sizeof(version), "%d", row->version);
	snprintf(phase, sizeof(phase), "%d", row->phase);
	snprintf(date, sizeof(date), "%08" PRId32, row->date);
	snprintf(rows, sizeof(rows), "%" PRIu64, row->rows);
	snprintf(persons, sizeof(persons), "%" PRIu64, row->persons);
	snprintf(bytes, sizeof(bytes), "%" PRIu64, row->bytes);
	const char *p[] = {
	    ids,
	    row->deliberation,
	    row->version > 0 ? version : NULL,
	    row->recipient,
	    row->group,
	    phase,
	    row->destination,
	    date,
	    row->passed ? "pass" : "fail",
	    row->sha256,
	    rows,
	    persons,
	    bytes,
	    row->error_counts,
	    row->checked_by,
	    row->checked_at,
	};
	return store_run(
	    db,
	    "INSERT INTO deliveries (id, deliberation_ref, version, recipient_id, "
	    "group_code, phase, destination, check_date, verdict, sha256, rows, "
	    "persons, bytes, error_counts, checked_by, checked_at) VALUES ($1::bigint, $2, "
	    "$3::int, $4, $5, $6::int, $7, to_date($8, 'YYYYMMDD'), $9, $10, $11::bigint, "
	    "$12::bigint, $13::bigint, $14::jsonb, $15, coalesce($16::timestamptz, now()))",
	    16, p, e);
}

json_t *store_checks_get(PGconn *db, int64_t id, bool for_update, struct err *e)
{
	char ids[32];
	snprintf(ids, sizeof(ids), "%" PRId64, id);
	const char *p[] = {ids};
	PGresult *r = db_exec(db, e,
	                      for_update ? "SELECT " DELIVERY_JSON
	                                   " FROM deliveries d WHERE d.id = $1::bigint FOR UPDATE"
	                                 : "SELECT " DELIVERY_JSON
	                                   " FROM deliveries d WHERE d.id = $1::bigint",
	                      1, p);
	if (r == NULL)
		return NULL;
	json_t *j = store_json_row(r, e);
	PQclear(r);
	return j;
}

json_t *store_checks_list(PGconn *db, const struct store_checks_filter *f, struct err *e)
{
	char after[32], limit[16];
	snprintf(after, sizeof(after), "%" PRId64, f->after);
	snprintf(limit, sizeof(limit), "%d", f->limit);
	const char *p[] = {f->recipient, f->deliberation, f->verdict, after, limit};
	PGresult *r = db_exec(db, e,
	                      "SELECT " DELIVERY_JSON ", d.id FROM deliveries d "
	                      "WHERE ($1::text IS NULL OR d.recipient_id = $1) "
	                      "AND ($2::text IS NULL OR d.deliberation_ref = $2) "
	                      "AND ($3::text IS NULL OR d.verdict = $3) "
	                      "AND d.id > $4::bigint ORDER BY d.id LIMIT $5::int",
	                      5, p);
	if (r == NULL)
		return NULL;
	json_t *list = json_array();
	int n = PQntuples(r);
	int64_t last = 0;
	for (int i = 0; i < n; i++) {
		json_error_t je;
		json_t *j = json_loads(PQgetvalue(r, i, 0), 0, &je);
		if (j == NULL || !store_int64(r, i, 1, &last, e)) {
			json_decref(j);
			json_decref(list);
			PQclear(r);
			err_set(e, ERR_INTERNAL, "the database returned a malformed delivery");
			return NULL;
		}
		json_array_append_new(list, j);
	}
	PQclear(r);
	/* A full page may have more after it; the client asks again with after=. */
	return json_pack("{s:o, s:o}", "deliveries", list, "next_after",
	                 n == f->limit && n > 0 ? json_integer(last) : json_null());
}

json_t *store_checks_ship(PGconn *db, int64_t id, const char *actor, const char *at, struct err *e)
{
	char ids[32];
	snprintf(ids, sizeof(ids), "%" PRId64, id);
	const char *p[] = {ids, actor, at};
	PGresult *r =
	    db_exec(db, e,
	            "UPDATE deliveries d SET shipped_at = coalesce($3::timestamptz, now()), "
	            "shipped_by = $2 "
	            "WHERE d.id = $1::bigint AND d.verdict = 'pass' AND d.shipped_at IS NULL "
	            "RETURNING " DELIVERY_JSON,
	            3, p);
	if (r == NULL)
		return NULL;
	json_t *j = store_json_row(r, e);
	PQclear(r);
	return j;
}

bool store_checks_shipped_persons(PGconn *db, const struct store_cap_key *k, int64_t id,
                                  int64_t *persons, struct err *e)
{
	char ids[32], phase[16];
	snprintf(ids, sizeof(ids), "%" PRId64, id);
	snprintf(phase, sizeof(phase), "%d", k->phase);
	const char *p[] = {k->recipient, k->deliberation, k->group, phase, ids};
	PGresult *r = db_exec(db, e,
	                      "SELECT count(*) FROM delivered_persons p "
	                      "JOIN cap_scopes s ON s.id = p.scope_id "
	                      "JOIN deliveries d ON d.id = p.first_delivery_id "
	                      "WHERE s.recipient_id = $1 AND s.deliberation_ref = $2 "
	                      "AND s.group_code = $3 AND s.phase = $4::int "
	                      "AND (d.shipped_at IS NOT NULL OR d.id = $5::bigint)",
	                      5, p);
	if (r == NULL)
		return false;
	bool ok = store_int64(r, 0, 0, persons, e);
	PQclear(r);
	return ok;
}

json_t *store_checks_import(PGconn *db, const struct store_import_row *row, struct err *e)
{
	char version[16], phase[16], date[16], rows[32], persons[32];
	snprintf(version, sizeof(version), "%d", row->version);
	snprintf(phase, sizeof(phase), "%d", row->phase);
	snprintf(date, sizeof(date), "%08" PRId32, row->delivered_on);
	snprintf(rows, sizeof(rows), "%" PRIu64, row->rows);
	snprintf(persons, sizeof(persons), "%" PRIu64, row->persons);
	const char *p[] = {
	    row->deliberation,
	    row->version > 0 ? version : NULL,
	    row->recipient,
	    row->group,
	    phase,
	    row->destination,
	    date,
	    row->sha256,
	    rows,
	    persons,
	    row->actor,
	    row->now,
	    row->shipped_at,
	    row->note != NULL ? row->note : "",
	};
	PGresult *r = db_exec(
	    db, e,
	    "INSERT INTO deliveries AS d (deliberation_ref, version, recipient_id, group_code, "
	    "phase, destination, check_date, verdict, sha256, rows, persons, bytes, error_counts, "
	    "checked_by, checked_at, shipped_at, shipped_by, source, note) VALUES ($1, $2::int, "
	    "$3, $4, $5::int, $6, to_date($7, 'YYYYMMDD'), 'pass', $8, $9::bigint, $10::bigint, "
	    "0, '{}', $11, $12::timestamptz, $13::timestamptz, $11, 'imported', $14) "
	    "RETURNING " DELIVERY_JSON,
	    14, p);
	if (r == NULL)
		return NULL;
	json_t *j = store_json_row(r, e);
	PQclear(r);
	return j;
}

bool store_checks_report_insert(PGconn *db, int64_t id, const char *actor, const char *key,
                                const char *fingerprint, const char *report, struct err *e)
{
	char ids[32];
	snprintf(ids, sizeof(ids), "%" PRId64, id);
	const char *p[] = {ids, actor, key, fingerprint, report};
	return store_run(db,
	                 "INSERT INTO check_reports (check_id, checked_by, idempotency_key, "
	                 "request_sha256, report) VALUES ($1::bigint, $2, $3, $4, $5::json)",
	                 5, p, e);
}

bool store_checks_report_by_key(PGconn *db, const char *actor, const char *key, bool *found,
                                int64_t *id, char fp[65], json_t **report, struct err *e)
{
	const char *p[] = {actor, key};
	*found = false;
	*report = NULL;
	PGresult *r = db_exec(db, e,
	                      "SELECT check_id, request_sha256, report::text FROM check_reports "
	                      "WHERE checked_by = $1 AND idempotency_key = $2",
	                      2, p);
	if (r == NULL)
		return false;
	bool ok = true;
	if (PQntuples(r) == 1) {
		json_error_t je;
		ok = store_int64(r, 0, 0, id, e);
		snprintf(fp, 65, "%s", PQgetvalue(r, 0, 1));
		*report = ok ? json_loads(PQgetvalue(r, 0, 2), 0, &je) : NULL;
		if (ok && *report == NULL) {
			err_set(e, ERR_INTERNAL, "a stored check report is not valid JSON");
			ok = false;
		}
		*found = ok;
	}
	PQclear(r);
	return ok;
}

json_t *store_checks_report_get(PGconn *db, int64_t id, char recipient[64], struct err *e)
{
	char ids[32];
	snprintf(ids, sizeof(ids), "%" PRId64, id);
	const char *p[] = {ids};
	PGresult *r =
	    db_exec(db, e,
	            "SELECT c.report::text, d.recipient_id FROM check_reports c "
	            "JOIN deliveries d ON d.id = c.check_id WHERE c.check_id = $1::bigint",
	            1, p);
	if (r == NULL)
		return NULL;
	json_t *j = NULL;
	if (PQntuples(r) != 1) {
		err_set(e, ERR_NOT_FOUND, "no such check");
	} else {
		json_error_t je;
		j = json_loads(PQgetvalue(r, 0, 0), 0, &je);
		snprintf(recipient, 64, "%s", PQgetvalue(r, 0, 1));
		if (j == NULL)
			err_set(e, ERR_INTERNAL, "a stored check report is not valid JSON");
	}
	PQclear(r);
	return j;
}
