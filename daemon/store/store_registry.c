/*
 * store_registry: the registry's SQL.  Normalized term rows are inserted in one
 * statement per table from a JSON array (jsonb_to_recordset), so recording a version
 * costs a handful of round trips whatever its size, and every value stays a
 * parameter.  Versions and their rows are never updated: the schema's triggers refuse.
 */
#include "store_registry.h"

#include "db.h"
#include "terms_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *nz(const char *s)
{
	return s != NULL ? s : "";
}

static void date_text(int32_t d, char out[11])
{
	terms_date_format(d, out);
}

/* Parses the "YYYY-MM-DD" that to_char produced; 0 for NULL or empty. */
static int32_t date_value(const char *s)
{
	int y, m, d;
	if (s == NULL || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return 0;
	return (int32_t)(y * 10000 + m * 100 + d);
}

static char *dup_or_null(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return NULL;
	return strdup(PQgetvalue(r, row, col));
}

static bool exec_ok(PGconn *db, struct err *e, const char *sql, int n, const char *const *p)
{
	PGresult *r = db_exec(db, e, sql, n, p);
	if (r == NULL)
		return false;
	PQclear(r);
	return true;
}

json_t *store_registry_deliberation_get(PGconn *db, const char *reference, bool lock, struct err *e)
{
	const char *p[] = {reference};
	PGresult *r =
	    db_exec(db, e,
	            lock ? "SELECT reference, chamber, title, purpose, legal_basis, "
	                   "array_to_json(duties)::text, to_char(recorded_at AT TIME ZONE "
	                   "'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), recorded_by "
	                   "FROM deliberations WHERE reference = $1 FOR UPDATE"
	                 : "SELECT reference, chamber, title, purpose, legal_basis, "
	                   "array_to_json(duties)::text, to_char(recorded_at AT TIME ZONE "
	                   "'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), recorded_by "
	                   "FROM deliberations WHERE reference = $1",
	            1, p);
	if (r == NULL)
		return NULL;
	if (PQntuples(r) != 1) {
		PQclear(r);
		err_set_field(e, ERR_NOT_FOUND, "reference", "no deliberation %s is registered",
		              reference);
		return NULL;
	}
	json_t *duties = json_loads(PQgetvalue(r, 0, 5), 0, NULL);
	json_t *o = json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s}", "reference", PQgetvalue(r, 0, 0), "chamber",
	    PQgetvalue(r, 0, 1), "title", PQgetvalue(r, 0, 2), "purpose", PQgetvalue(r, 0, 3),
	    "legal_basis", PQgetvalue(r, 0, 4), "duties", duties != NULL ? duties : json_array(),
	    "recorded_at", PQgetvalue(r, 0, 6), "recorded_by", PQgetvalue(r, 0, 7));
	PQclear(r);
	if (o == NULL)
		err_set(e, ERR_INTERNAL, "out of memory");
	return o;
}

bool store_registry_deliberation_insert(PGconn *db, const struct terms_deliberation *d,
                                        const char *actor, struct err *e)
{
	json_t *duties = json_array();
	for (size_t i = 0; i < d->nduties; i++)
		json_array_append_new(duties, json_string(nz(d->duties[i])));
	char *dj = json_dumps(duties, JSON_COMPACT);
	json_decref(duties);
	if (dj == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	const char *p[] = {d->reference,   nz(d->chamber),     nz(d->title),
	                   nz(d->purpose), nz(d->legal_basis), dj,
	                   actor};
	bool ok = exec_ok(db, e,
	                  "INSERT INTO deliberations (reference, chamber, title, purpose, "
	                  "legal_basis, duties, recorded_by) VALUES ($1, $2, $3, $4, $5, "
	                  "ARRAY(SELECT jsonb_array_elements_text($6::jsonb)), $7)",
	                  7, p);
	free(dj);
	return ok;
}

json_t *store_registry_deliberation_list(PGconn *db, const char *recipient, struct err *e)
{
	const char *p[] = {recipient};
	PGresult *r =
	    db_exec(db, e,
	            "SELECT d.reference, d.chamber, d.title, count(v.number), "
	            "coalesce(max(v.number), 0), to_char(max(v.in_force_from), 'YYYY-MM-DD') "
	            "FROM deliberations d LEFT JOIN deliberation_versions v USING (reference) "
	            "WHERE $1::text IS NULL OR EXISTS (SELECT 1 FROM version_recipients vr "
	            "WHERE vr.reference = d.reference AND vr.recipient = $1) "
	            "GROUP BY d.reference ORDER BY d.reference",
	            1, p);
	if (r == NULL)
		return NULL;
	json_t *a = json_array();
	for (int i = 0; i < PQntuples(r); i++) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I}", "reference", PQgetvalue(r, i, 0),
		                      "chamber", PQgetvalue(r, i, 1), "title", PQgetvalue(r, i, 2),
		                      "versions", (json_int_t)atoll(PQgetvalue(r, i, 3)),
		                      "latest_version", (json_int_t)atoll(PQgetvalue(r, i, 4)));
		if (o == NULL)
			continue;
		json_object_set_new(o, "latest_in_force_from",
		                    PQgetisnull(r, i, 5) ? json_null()
		                                         : json_string(PQgetvalue(r, i, 5)));
		json_array_append_new(a, o);
	}
	PQclear(r);
	return a;
}

bool store_registry_names_recipient(PGconn *db, const char *reference, const char *recipient,
                                    bool *named, struct err *e)
{
	const char *p[] = {reference, recipient};
	PGresult *r = db_exec_prepared(db, e,
	                               "SELECT 1 FROM version_recipients WHERE reference = $1 AND "
	                               "recipient = $2 LIMIT 1",
	                               2, p);
	if (r == NULL)
		return false;
	*named = PQntuples(r) > 0;
	PQclear(r);
	return true;
}

bool store_registry_versions(PGconn *db, const char *reference, struct store_version **out,
                             size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	const char *p[] = {reference};
	PGresult *r =
	    db_exec(db, e,
	            "SELECT number, to_char(decided_on, 'YYYY-MM-DD'), "
	            "to_char(in_force_from, 'YYYY-MM-DD'), "
	            "to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	            "recorded_by, summary, source_sha256, terms_on_record, "
	            "to_char(retention_until, 'YYYY-MM-DD'), terms_json, terms_sha256, "
	            "coalesce(a.state, 'approved'), coalesce(a.proposed_by, v.recorded_by), "
	            "a.decided_by, coalesce(a.decision_reference, ''), "
	            "coalesce(a.retroactive, false), coalesce(a.reason, '') "
	            "FROM deliberation_versions v LEFT JOIN version_approvals a USING "
	            "(reference, number) WHERE reference = $1 ORDER BY number",
	            1, p);
	if (r == NULL)
		return false;
	int rows = PQntuples(r);
	if (rows == 0) {
		PQclear(r);
		return true;
	}
	struct store_version *v = calloc((size_t)rows, sizeof(*v));
	if (v == NULL) {
		PQclear(r);
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	for (int i = 0; i < rows; i++) {
		v[i].number = atoi(PQgetvalue(r, i, 0));
		v[i].decided_on = date_value(PQgetvalue(r, i, 1));
		v[i].in_force_from = date_value(PQgetvalue(r, i, 2));
		snprintf(v[i].recorded_at, sizeof(v[i].recorded_at), "%s", PQgetvalue(r, i, 3));
		v[i].recorded_by = strdup(PQgetvalue(r, i, 4));
		v[i].summary = strdup(PQgetvalue(r, i, 5));
		v[i].source_sha256 = strdup(PQgetvalue(r, i, 6));
		v[i].on_record = strcmp(PQgetvalue(r, i, 7), "t") == 0;
		v[i].retention_until = PQgetisnull(r, i, 8) ? 0 : date_value(PQgetvalue(r, i, 8));
		v[i].terms_json = strdup(PQgetvalue(r, i, 9));
		snprintf(v[i].terms_sha256, sizeof(v[i].terms_sha256), "%s", PQgetvalue(r, i, 10));
		snprintf(v[i].state, sizeof(v[i].state), "%s", PQgetvalue(r, i, 11));
		v[i].proposed_by = strdup(PQgetvalue(r, i, 12));
		v[i].decided_by = dup_or_null(r, i, 13);
		v[i].decision_reference = strdup(PQgetvalue(r, i, 14));
		v[i].retroactive = strcmp(PQgetvalue(r, i, 15), "t") == 0;
		v[i].reason = strdup(PQgetvalue(r, i, 16));
		if (v[i].recorded_by == NULL || v[i].summary == NULL ||
		    v[i].source_sha256 == NULL || v[i].terms_json == NULL ||
		    v[i].proposed_by == NULL || v[i].decision_reference == NULL ||
		    v[i].reason == NULL) {
			PQclear(r);
			store_registry_versions_free(v, (size_t)rows);
			err_set(e, ERR_INTERNAL, "out of memory");
			return false;
		}
	}
	PQclear(r);
	*out = v;
	*n = (size_t)rows;
	return true;
}

void store_registry_versions_free(struct store_version *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(v[i].recorded_by);
		free(v[i].summary);
		free(v[i].source_sha256);
		free(v[i].terms_json);
		free(v[i].proposed_by);
		free(v[i].decided_by);
		free(v[i].decision_reference);
		free(v[i].reason);
	}
	free(v);
}

/* Runs sql with $1 reference, $2 number and $3 the JSON array rows (consumed). */
static bool insert_rows(PGconn *db, const char *reference, const char *number, json_t *rows,
                        const char *sql, struct err *e)
{
	if (rows == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	if (json_array_size(rows) == 0) {
		json_decref(rows);
		return true;
	}
	char *text = json_dumps(rows, JSON_COMPACT);
	json_decref(rows);
	if (text == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	const char *p[] = {reference, number, text};
	bool ok = exec_ok(db, e, sql, 3, p);
	free(text);
	return ok;
}

static bool insert_body(PGconn *db, const char *reference, const char *number,
                        const struct terms_body *b, struct err *e)
{
	json_t *vars = json_array();
	for (size_t i = 0; i < b->nvariables; i++) {
		const struct terms_variable *v = &b->variables[i];
		json_array_append_new(
		    vars,
		    json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:b, s:b, s:o}", "code", nz(v->code),
		              "position", (json_int_t)(i + 1), "section", nz(v->section), "source",
		              nz(v->source), "label", nz(v->label), "type",
		              terms_type_name(v->type), "required", v->required, "provisional",
		              v->provisional, "constraints", terms_json_constraints(v)));
	}
	if (!insert_rows(db, reference, number, vars,
	                 "INSERT INTO version_variables (reference, number, code, position, "
	                 "section, source, label, type, required, provisional, constraints) "
	                 "SELECT $1, $2::int, x.code, x.position, x.section, x.source, x.label, "
	                 "x.type, x.required, x.provisional, x.constraints "
	                 "FROM jsonb_to_recordset($3::jsonb) AS x(code text, position int, "
	                 "section text, source text, label text, type text, required boolean, "
	                 "provisional boolean, constraints jsonb)",
	                 e))
		return false;

	json_t *groups = json_array(), *caps = json_array();
	for (size_t i = 0; i < b->ngroups; i++) {
		const struct terms_group *g = &b->groups[i];
		json_array_append_new(groups, json_pack("{s:s, s:s, s:I}", "code", nz(g->code),
		                                        "description", nz(g->description),
		                                        "population", (json_int_t)g->population));
		for (size_t j = 0; j < g->ncaps; j++)
			json_array_append_new(caps,
			                      json_pack("{s:s, s:i, s:I}", "group_code",
			                                nz(g->code), "phase", g->caps[j].phase,
			                                "persons", (json_int_t)g->caps[j].persons));
	}
	if (!insert_rows(db, reference, number, groups,
	                 "INSERT INTO version_groups (reference, number, code, description, "
	                 "population) SELECT $1, $2::int, x.code, x.description, x.population "
	                 "FROM jsonb_to_recordset($3::jsonb) AS x(code text, description text, "
	                 "population bigint)",
	                 e)) {
		json_decref(caps);
		return false;
	}
	if (!insert_rows(db, reference, number, caps,
	                 "INSERT INTO version_group_caps (reference, number, group_code, phase, "
	                 "persons) SELECT $1, $2::int, x.group_code, x.phase, x.persons "
	                 "FROM jsonb_to_recordset($3::jsonb) AS x(group_code text, phase int, "
	                 "persons bigint)",
	                 e))
		return false;

	json_t *phases = json_array(), *dests = json_array();
	for (size_t i = 0; i < b->nphases; i++) {
		const struct terms_phase *ph = &b->phases[i];
		json_array_append_new(phases, json_pack("{s:i, s:s}", "phase", ph->number,
		                                        "description", nz(ph->description)));
		for (size_t j = 0; j < ph->ndestinations; j++)
			json_array_append_new(dests,
			                      json_pack("{s:i, s:s}", "phase", ph->number,
			                                "destination", nz(ph->destinations[j])));
	}
	if (!insert_rows(db, reference, number, phases,
	                 "INSERT INTO version_phases (reference, number, phase, description) "
	                 "SELECT $1, $2::int, x.phase, x.description "
	                 "FROM jsonb_to_recordset($3::jsonb) AS x(phase int, description text)",
	                 e)) {
		json_decref(dests);
		return false;
	}
	if (!insert_rows(db, reference, number, dests,
	                 "INSERT INTO version_phase_destinations (reference, number, phase, "
	                 "destination) SELECT $1, $2::int, x.phase, x.destination "
	                 "FROM jsonb_to_recordset($3::jsonb) AS x(phase int, destination text)",
	                 e))
		return false;

	json_t *recipients = json_array();
	for (size_t i = 0; i < b->nrecipients; i++)
		json_array_append_new(recipients, json_string(nz(b->recipients[i])));
	return insert_rows(db, reference, number, recipients,
	                   "INSERT INTO version_recipients (reference, number, recipient) "
	                   "SELECT $1, $2::int, x FROM jsonb_array_elements_text($3::jsonb) AS x",
	                   e);
}

bool store_registry_version_insert(PGconn *db, const char *reference, const struct terms_version *v,
                                   const char *terms_json, const char *terms_sha256,
                                   const char *actor, struct err *e)
{
	char number[16], decided[11], from[11], until[11];
	snprintf(number, sizeof(number), "%d", v->number);
	date_text(v->decided_on, decided);
	date_text(v->in_force_from, from);
	date_text(v->body.retention_until, until);
	const char *p[] = {reference,
	                   number,
	                   decided,
	                   from,
	                   actor,
	                   nz(v->summary),
	                   nz(v->source_sha256),
	                   v->on_record ? "true" : "false",
	                   v->on_record ? until : NULL,
	                   terms_json,
	                   terms_sha256};
	if (!exec_ok(db, e,
	             "INSERT INTO deliberation_versions (reference, number, decided_on, "
	             "in_force_from, recorded_by, summary, source_sha256, terms_on_record, "
	             "retention_until, terms_json, terms_sha256) VALUES ($1, $2::int, $3::date, "
	             "$4::date, $5, $6, $7, $8::boolean, $9::date, $10, $11)",
	             11, p))
		return false;
	if (!v->on_record)
		return true;
	return insert_body(db, reference, number, &v->body, e);
}

bool store_registry_version_at(PGconn *db, const char *reference, int32_t date,
                               struct store_version_id *out, struct err *e)
{
	char d[11];
	date_text(date, d);
	memset(out, 0, sizeof(*out));
	const char *p[] = {reference, d};
	PGresult *r = db_exec_prepared(db, e,
	                               "SELECT number, terms_on_record, to_char(retention_until, "
	                               "'YYYY-MM-DD'), terms_sha256 FROM deliberation_versions v "
	                               "WHERE reference = $1 AND in_force_from <= $2::date "
	                               "AND NOT EXISTS (SELECT 1 FROM version_approvals a WHERE "
	                               "a.reference = v.reference AND a.number = v.number AND "
	                               "a.state <> 'approved') "
	                               "ORDER BY in_force_from DESC, number DESC LIMIT 1",
	                               2, p);
	if (r == NULL)
		return false;
	if (PQntuples(r) == 0) {
		PQclear(r);
		err_set_field(e, ERR_NOT_FOUND, "at", "no version of %s was in force on %s",
		              reference, d);
		return false;
	}
	out->number = atoi(PQgetvalue(r, 0, 0));
	out->on_record = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	out->retention_until = PQgetisnull(r, 0, 2) ? 0 : date_value(PQgetvalue(r, 0, 2));
	snprintf(out->terms_sha256, sizeof(out->terms_sha256), "%s", PQgetvalue(r, 0, 3));
	PQclear(r);
	return true;
}

bool store_registry_retention_at(PGconn *db, const char *reference, int32_t date, int32_t *until,
                                 struct err *e)
{
	struct store_version_id v;
	if (!store_registry_version_at(db, reference, date, &v, e))
		return false;
	*until = v.retention_until;
	return true;
}

bool store_registry_known(PGconn *db, enum store_registry_vocabulary vocabulary, const char *value,
                          bool *known, struct err *e)
{
	static const char *const sql[] = {
	    [STORE_REGISTRY_RECIPIENT] = "SELECT 1 FROM recipients WHERE id = $1",
	    [STORE_REGISTRY_GROUP] = "SELECT 1 FROM version_groups WHERE code = $1 LIMIT 1",
	    [STORE_REGISTRY_PHASE] = "SELECT 1 FROM version_phases WHERE phase::text = $1 LIMIT 1",
	    [STORE_REGISTRY_DESTINATION] =
	        "SELECT 1 FROM version_phase_destinations WHERE destination = $1 LIMIT 1",
	};
	const char *p[] = {value};
	*known = false;
	PGresult *r = db_exec(db, e, sql[vocabulary], 1, p);
	if (r == NULL)
		return false;
	*known = PQntuples(r) > 0;
	PQclear(r);
	return true;
}

/* One row of SELECT id, name, organisation, contact, webhook_url, webhook_secret,
 * created_at into out; false when out of memory. */
static bool recipient_row(const PGresult *r, int row, struct store_recipient *out)
{
	memset(out, 0, sizeof(*out));
	out->id = strdup(PQgetvalue(r, row, 0));
	out->name = strdup(PQgetvalue(r, row, 1));
	out->organisation = strdup(PQgetvalue(r, row, 2));
	out->contact = strdup(PQgetvalue(r, row, 3));
	out->webhook_url = dup_or_null(r, row, 4);
	out->webhook_secret = dup_or_null(r, row, 5);
	snprintf(out->created_at, sizeof(out->created_at), "%s", PQgetvalue(r, row, 6));
	return out->id != NULL && out->name != NULL && out->organisation != NULL &&
	       out->contact != NULL;
}

bool store_registry_recipient_list(PGconn *db, const char *only, const char *after, int limit,
                                   struct store_recipient **out, size_t *n, struct err *e)
{
	char lim[16];
	snprintf(lim, sizeof(lim), "%d", limit);
	const char *p[] = {only, after != NULL ? after : "", lim};
	*out = NULL;
	*n = 0;
	PGresult *r =
	    db_exec(db, e,
	            "SELECT id, name, organisation, contact, webhook_url, webhook_secret, "
	            "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
	            "FROM recipients WHERE ($1::text IS NULL OR id = $1) AND id > $2 "
	            "ORDER BY id LIMIT $3::int",
	            3, p);
	if (r == NULL)
		return false;
	size_t rows = (size_t)PQntuples(r);
	struct store_recipient *v = calloc(rows > 0 ? rows : 1, sizeof(*v));
	bool ok = v != NULL;
	for (size_t i = 0; ok && i < rows; i++) {
		ok = recipient_row(r, (int)i, &v[i]);
		*n = i + 1;
	}
	PQclear(r);
	if (!ok) {
		store_registry_recipients_free(v, *n);
		*n = 0;
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	*out = v;
	*n = rows;
	return true;
}

void store_registry_recipients_free(struct store_recipient *r, size_t n)
{
	for (size_t i = 0; r != NULL && i < n; i++)
		store_registry_recipient_free(&r[i]);
	free(r);
}

bool store_registry_recipient_get(PGconn *db, const char *id, struct store_recipient *out,
                                  bool *found, struct err *e)
{
	memset(out, 0, sizeof(*out));
	*found = false;
	const char *p[] = {id};
	PGresult *r =
	    db_exec(db, e,
	            "SELECT id, name, organisation, contact, webhook_url, webhook_secret, "
	            "to_char(created_at AT TIME ZONE 'UTC', "
	            "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM recipients WHERE id = $1",
	            1, p);
	if (r == NULL)
		return false;
	if (PQntuples(r) == 1) {
		out->id = strdup(PQgetvalue(r, 0, 0));
		out->name = strdup(PQgetvalue(r, 0, 1));
		out->organisation = strdup(PQgetvalue(r, 0, 2));
		out->contact = strdup(PQgetvalue(r, 0, 3));
		out->webhook_url = dup_or_null(r, 0, 4);
		out->webhook_secret = dup_or_null(r, 0, 5);
		snprintf(out->created_at, sizeof(out->created_at), "%s", PQgetvalue(r, 0, 6));
		*found = true;
		if (out->id == NULL || out->name == NULL || out->organisation == NULL ||
		    out->contact == NULL) {
			store_registry_recipient_free(out);
			*found = false;
			PQclear(r);
			err_set(e, ERR_INTERNAL, "out of memory");
			return false;
		}
	}
	PQclear(r);
	return true;
}

void store_registry_recipient_free(struct store_recipient *r)
{
	if (r == NULL)
		return;
	free(r->id);
	free(r->name);
	free(r->organisation);
	free(r->contact);
	free(r->webhook_url);
	free(r->webhook_secret);
	memset(r, 0, sizeof(*r));
}

bool store_registry_recipient_insert(PGconn *db, const struct terms_recipient *rc,
                                     const char *webhook_url, const char *webhook_secret,
                                     const char *actor, struct err *e)
{
	const char *p[] = {
	    rc->id,         nz(rc->name), nz(rc->organisation), nz(rc->contact), webhook_url,
	    webhook_secret, actor};
	return exec_ok(db, e,
	               "INSERT INTO recipients (id, name, organisation, contact, webhook_url, "
	               "webhook_secret, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
	               7, p);
}

bool store_registry_recipient_update(PGconn *db, const char *id, const char *contact,
                                     bool set_webhook, const char *webhook_url,
                                     const char *webhook_secret, bool *found, struct err *e)
{
	const char *p[] = {id, contact, set_webhook ? "t" : "f", webhook_url, webhook_secret};
	PGresult *r = db_exec(db, e,
	                      "UPDATE recipients SET contact = COALESCE($2, contact), "
	                      "webhook_url = CASE WHEN $3::boolean THEN $4 ELSE webhook_url END, "
	                      "webhook_secret = CASE WHEN $3::boolean THEN $5 ELSE webhook_secret "
	                      "END WHERE id = $1 RETURNING id",
	                      5, p);
	if (r == NULL)
		return false;
	*found = PQntuples(r) == 1;
	PQclear(r);
	return true;
}

json_t *store_registry_deliberation_recipients(PGconn *db, const char *reference, struct err *e)
{
	const char *p[] = {reference};
	PGresult *r =
	    db_exec(db, e,
	            "SELECT r.id, r.name, r.organisation, r.contact "
	            "FROM deliberation_recipients dr JOIN recipients r ON r.id = dr.recipient "
	            "WHERE dr.reference = $1 ORDER BY dr.position",
	            1, p);
	if (r == NULL)
		return NULL;
	json_t *a = json_array();
	for (int i = 0; a != NULL && i < PQntuples(r); i++)
		if (json_array_append_new(
		        a, json_pack("{s:s, s:s, s:s, s:s}", "id", PQgetvalue(r, i, 0), "name",
		                     PQgetvalue(r, i, 1), "organisation", PQgetvalue(r, i, 2),
		                     "contact", PQgetvalue(r, i, 3))) != 0) {
			json_decref(a);
			a = NULL;
		}
	PQclear(r);
	if (a == NULL)
		err_set(e, ERR_INTERNAL, "out of memory");
	return a;
}

bool store_registry_link_recipient(PGconn *db, const char *reference, const char *recipient,
                                   struct err *e)
{
	const char *p[] = {reference, recipient};
	return exec_ok(db, e,
	               "INSERT INTO deliberation_recipients (reference, recipient, position) "
	               "SELECT $1, $2, coalesce(max(position), 0) + 1 "
	               "FROM deliberation_recipients WHERE reference = $1",
	               2, p);
}

bool store_registry_approval_insert(PGconn *db, const char *reference, int number,
                                    const char *state, const char *actor,
                                    const char *decision_reference, bool retroactive,
                                    const char *reason, struct err *e)
{
	char n[16];
	snprintf(n, sizeof(n), "%d", number);
	const char *p[] = {
	    reference, n, state, actor, nz(decision_reference), retroactive ? "t" : "f",
	    nz(reason)};
	return exec_ok(db, e,
	               "INSERT INTO version_approvals (reference, number, state, proposed_by, "
	               "decision_reference, retroactive, reason, decided_by, decided_at) VALUES "
	               "($1, $2::int, $3, $4, $5, $6::boolean, $7, CASE WHEN $3 = 'proposed' "
	               "THEN NULL ELSE $4 END, CASE WHEN $3 = 'proposed' THEN NULL ELSE now() END)",
	               7, p);
}

bool store_registry_approval_decide(PGconn *db, const char *reference, int number,
                                    const char *state, const char *actor, struct err *e)
{
	char n[16];
	snprintf(n, sizeof(n), "%d", number);
	const char *p[] = {reference, n};
	PGresult *r = db_exec(db, e,
	                      "SELECT state, proposed_by FROM version_approvals WHERE "
	                      "reference = $1 AND number = $2::int FOR UPDATE",
	                      2, p);
	if (r == NULL)
		return false;
	bool ok = false;
	if (PQntuples(r) != 1)
		err_set_field(e, ERR_NOT_FOUND, "version", "no version %d of %s is recorded",
		              number, reference);
	else if (strcmp(PQgetvalue(r, 0, 0), "proposed") != 0)
		err_set_code(e, ERR_CONFLICT, "not_proposed", "version",
		             "version %d of %s is already %s", number, reference,
		             PQgetvalue(r, 0, 0));
	else if (strcmp(PQgetvalue(r, 0, 1), actor) == 0)
		err_set_code(e, ERR_FORBIDDEN, "same_person", "version",
		             "version %d of %s was proposed by this credential: a different "
		             "governance credential must decide it",
		             number, reference);
	else
		ok = true;
	PQclear(r);
	if (!ok)
		return false;
	const char *q[] = {reference, n, state, actor};
	return exec_ok(db, e,
	               "UPDATE version_approvals SET state = $3, decided_by = $4, decided_at = "
	               "now() WHERE reference = $1 AND number = $2::int",
	               4, q);
}

json_t *store_registry_checks_since(PGconn *db, const char *reference, int32_t from, struct err *e)
{
	char d[11];
	date_text(from, d);
	const char *p[] = {reference, d};
	PGresult *r = db_exec(db, e,
	                      "SELECT coalesce(json_agg(id ORDER BY id), '[]')::text FROM "
	                      "deliveries WHERE deliberation_ref = $1 AND check_date >= $2::date",
	                      2, p);
	if (r == NULL)
		return NULL;
	json_t *ids = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
	PQclear(r);
	if (ids == NULL)
		err_set(e, ERR_INTERNAL, "out of memory");
	return ids;
}
