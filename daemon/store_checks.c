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
#define DELIVERY_JSON                                                                              \
	"json_build_object('id', d.id, 'deliberation', d.deliberation_ref, "                       \
	"'version', d.version, 'recipient', d.recipient_id, 'group', d.group_code, "               \
	"'phase', d.phase, 'destination', d.destination, "                                         \
	"'date', to_char(d.check_date, 'YYYY-MM-DD'), 'verdict', d.verdict, "                      \
	"'sha256', d.sha256, 'rows', d.rows, 'persons', d.persons, 'bytes', d.bytes, "             \
	"'error_counts', d.error_counts, "                                                         \
	"'checked_at', to_char(d.checked_at AT TIME ZONE 'UTC', "                                  \
	"'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), 'checked_by', d.checked_by, "                       \
	"'shipped', d.shipped_at IS NOT NULL, "                                                    \
	"'shipped_at', to_char(d.shipped_at AT TIME ZONE 'UTC', "                                  \
	"'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), 'shipped_by', d.shipped_by)::text"

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

/* The four text parameters of a cap scope, phase formatted into buf. */
static void store_cap_params(const struct store_cap_key *k, char buf[16], const char *p[4])
{
	snprintf(buf, 16, "%d", k->phase);
	p[0] = k->recipient;
	p[1] = k->deliberation;
	p[2] = k->group;
	p[3] = buf;
}

bool store_checks_lock_cap(PGconn *db, const struct store_cap_key *k, struct err *e)
{
	char phase[16];
	const char *p[4];
	store_cap_params(k, phase, p);
	/* Unit separators keep ("a","bc") and ("ab","c") apart. */
	PGresult *r = db_exec(db, e,
	                      "SELECT pg_advisory_xact_lock(hashtextextended("
	                      "'deliberd.cap' || chr(31) || $1 || chr(31) || $2 || chr(31) || $3 "
	                      "|| chr(31) || $4, 0))",
	                      4, p);
	if (r == NULL)
		return false;
	PQclear(r);
	return true;
}

bool store_checks_count_persons(PGconn *db, const struct store_cap_key *k, int64_t *count,
                                struct err *e)
{
	char phase[16];
	const char *p[4];
	store_cap_params(k, phase, p);
	PGresult *r = db_exec(db, e,
	                      "SELECT count(*) FROM delivered_persons WHERE recipient_id = $1 "
	                      "AND deliberation_ref = $2 AND group_code = $3 AND phase = $4::int",
	                      4, p);
	if (r == NULL)
		return false;
	bool ok = store_int64(r, 0, 0, count, e);
	PQclear(r);
	return ok;
}

bool store_checks_count_new(PGconn *db, const struct store_cap_key *k, const char *hashes,
                            int64_t *count, struct err *e)
{
	char phase[16];
	const char *p[5];
	store_cap_params(k, phase, p);
	p[4] = hashes;
	PGresult *r = db_exec(db, e,
	                      "SELECT count(*) FROM unnest($5::text[]) AS n(h) WHERE NOT EXISTS ("
	                      "SELECT 1 FROM delivered_persons WHERE recipient_id = $1 "
	                      "AND deliberation_ref = $2 AND group_code = $3 AND phase = $4::int "
	                      "AND person_hash = decode(n.h, 'hex'))",
	                      5, p);
	if (r == NULL)
		return false;
	bool ok = store_int64(r, 0, 0, count, e);
	PQclear(r);
	return ok;
}

bool store_checks_add_persons(PGconn *db, const struct store_cap_key *k, const char *hashes,
                              int64_t delivery_id, struct err *e)
{
	char phase[16], id[32];
	const char *p[6];
	store_cap_params(k, phase, p);
	p[4] = hashes;
	snprintf(id, sizeof(id), "%" PRId64, delivery_id);
	p[5] = id;
	PGresult *r = db_exec(db, e,
	                      "INSERT INTO delivered_persons (recipient_id, deliberation_ref, "
	                      "group_code, phase, person_hash, first_delivery_id) "
	                      "SELECT $1, $2, $3, $4::int, decode(n.h, 'hex'), $6::bigint "
	                      "FROM unnest($5::text[]) AS n(h) ON CONFLICT DO NOTHING",
	                      6, p);
	if (r == NULL)
		return false;
	PQclear(r);
	return true;
}

bool store_checks_insert(PGconn *db, const struct store_check_row *row, int64_t *id, struct err *e)
{
	char version[16], phase[16], date[16], rows[32], persons[32], bytes[32];
	snprintf(version, sizeof(version), "%d", row->version);
	snprintf(phase, sizeof(phase), "%d", row->phase);
	snprintf(date, sizeof(date), "%08" PRId32, row->date);
	snprintf(rows, sizeof(rows), "%" PRIu64, row->rows);
	snprintf(persons, sizeof(persons), "%" PRIu64, row->persons);
	snprintf(bytes, sizeof(bytes), "%" PRIu64, row->bytes);
	const char *p[] = {
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
	};
	PGresult *r = db_exec(db, e,
	                      "INSERT INTO deliveries (deliberation_ref, version, recipient_id, "
	                      "group_code, phase, destination, check_date, verdict, sha256, rows, "
	                      "persons, bytes, error_counts, checked_by) VALUES ($1, $2::int, $3, "
	                      "$4, $5::int, $6, to_date($7, 'YYYYMMDD'), $8, $9, $10::bigint, "
	                      "$11::bigint, $12::bigint, $13::jsonb, $14) RETURNING id",
	                      14, p);
	if (r == NULL)
		return false;
	bool ok = PQntuples(r) == 1 && store_int64(r, 0, 0, id, e);
	PQclear(r);
	return ok;
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

json_t *store_checks_ship(PGconn *db, int64_t id, const char *actor, struct err *e)
{
	char ids[32];
	snprintf(ids, sizeof(ids), "%" PRId64, id);
	const char *p[] = {ids, actor};
	PGresult *r =
	    db_exec(db, e,
	            "UPDATE deliveries d SET shipped_at = now(), shipped_by = $2 "
	            "WHERE d.id = $1::bigint AND d.verdict = 'pass' AND d.shipped_at IS NULL "
	            "RETURNING " DELIVERY_JSON,
	            2, p);
	if (r == NULL)
		return NULL;
	json_t *j = store_json_row(r, e);
	PQclear(r);
	return j;
}
