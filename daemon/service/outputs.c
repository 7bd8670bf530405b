/*
 * outputs: supervision sessions, output submissions, reviews and signed
 * releases (outputs.h; workflow in docs/output-checking.md).
 */
#include "outputs.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "certs.h"
#include "checks.h"
#include "clock.h"
#include "db.h"
#include "destruction.h"
#include "hex.h"
#include "log.h"
#include "output.h"
#include "registry.h"
#include "store_outputs.h"
#include "store_retention.h"
#include "terms.h"

#define READ_BLOCK (1u << 20)

/* ---- input checks ------------------------------------------------------------ */

/* Known members only: the first unknown one is 400 naming it. */
static bool only_keys(const json_t *o, const char *const *keys, struct err *e)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v)
	{
		bool known = false;
		for (size_t i = 0; keys[i] != NULL && !known; i++)
			known = strcmp(key, keys[i]) == 0;
		if (!known) {
			err_set_field(e, ERR_INVALID, key, "unknown member %s", key);
			return false;
		}
	}
	return true;
}

/* A free-text field: a string of 1..max bytes (0..max if may_be_empty), no NUL
 * and no control character but newline and tab. */
static const char *text_member(const json_t *o, const char *key, size_t max, bool required,
                               bool may_be_empty, struct err *e)
{
	const json_t *v = json_object_get(o, key);
	if (v == NULL && !required)
		return "";
	if (!json_is_string(v)) {
		err_set_field(e, ERR_INVALID, key, "%s must be a string", key);
		return NULL;
	}
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (strlen(s) != n || n > max || (n == 0 && !may_be_empty)) {
		err_set_field(e, ERR_INVALID, key, "%s must be 1 to %zu characters without NUL",
		              key, max);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t') || s[i] == 0x7f) {
			err_set_field(e, ERR_INVALID, key, "%s must not contain control characters",
			              key);
			return NULL;
		}
	return s;
}

static bool id_member(const json_t *o, const char *key, int64_t *out, struct err *e)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < 1) {
		err_set_field(e, ERR_INVALID, key, "%s must be a positive integer id", key);
		return false;
	}
	*out = json_integer_value(v);
	return true;
}

/* The recipient a request acts for: its own for a recipient credential (a
 * different one named is 403), else the named one, which must exist. */
static bool acting_recipient(PGconn *db, const struct principal *who, const char *named,
                             char out[TERMS_ID_MAX + 1], struct err *e)
{
	if (who->role == ROLE_RECIPIENT) {
		if (named != NULL && named[0] != '\0' && strcmp(named, who->recipient) != 0) {
			err_set_field(e, ERR_FORBIDDEN, "recipient",
			              "a recipient credential acts only for its own recipient");
			return false;
		}
		snprintf(out, TERMS_ID_MAX + 1, "%s", who->recipient);
		return true;
	}
	if (named == NULL || !terms_id_valid(named)) {
		err_set_field(e, ERR_INVALID, "recipient",
		              "recipient is required (a recipient id)");
		return false;
	}
	json_t *r = registry_recipient_get(db, named, e);
	if (r == NULL) {
		if (e->kind == ERR_NOT_FOUND) {
			err_clear(e);
			err_set_field(e, ERR_INVALID, "recipient", "unknown recipient");
		}
		return false;
	}
	json_decref(r);
	snprintf(out, TERMS_ID_MAX + 1, "%s", named);
	return true;
}

/* ---- sessions -------------------------------------------------------------------- */

static json_t *session_create_impl(PGconn *db, const struct principal *who, const json_t *body,
                                   struct err *e)
{
	static const char *const keys[] = {"recipient", "deliberation", "supervisor", "researchers",
	                                   "start",     "end",          NULL};
	if (!only_keys(body, keys, e))
		return NULL;
	const json_t *rj = json_object_get(body, "recipient");
	if (rj != NULL && !json_is_string(rj)) {
		err_set_field(e, ERR_INVALID, "recipient", "recipient must be a string");
		return NULL;
	}
	char recipient[TERMS_ID_MAX + 1];
	if (!acting_recipient(db, who, json_string_value(rj), recipient, e))
		return NULL;
	char ref[TERMS_REFERENCE_SIZE] = "";
	const json_t *dj = json_object_get(body, "deliberation");
	if (dj != NULL && !terms_reference_parse(json_string_value(dj), "deliberation", ref, e))
		return NULL;
	const char *supervisor = text_member(body, "supervisor", 200, true, false, e);
	if (supervisor == NULL)
		return NULL;
	const json_t *res = json_object_get(body, "researchers");
	if (!json_is_array(res) || json_array_size(res) == 0 || json_array_size(res) > 100) {
		err_set_field(e, ERR_INVALID, "researchers",
		              "researchers must list 1 to 100 people present");
		return NULL;
	}
	for (size_t i = 0; i < json_array_size(res); i++) {
		json_t *wrap = json_pack("{s:O}", "researchers", json_array_get(res, i));
		bool ok =
		    wrap != NULL && text_member(wrap, "researchers", 200, true, false, e) != NULL;
		json_decref(wrap);
		if (!ok)
			return NULL;
	}
	int64_t start, end;
	const char *ss = text_member(body, "start", 40, true, false, e);
	if (ss == NULL || !clock_parse(ss, &start)) {
		if (ss != NULL || e->kind == ERR_NONE)
			err_set_field(e, ERR_INVALID, "start", "start must be an RFC 3339 instant");
		return NULL;
	}
	const char *es = text_member(body, "end", 40, true, false, e);
	if (es == NULL || !clock_parse(es, &end)) {
		if (es != NULL || e->kind == ERR_NONE)
			err_set_field(e, ERR_INVALID, "end", "end must be an RFC 3339 instant");
		return NULL;
	}
	if (end <= start) {
		err_set_field(e, ERR_INVALID, "end", "end must be after start");
		return NULL;
	}
	char sa[21], ea[21];
	clock_format(start, sa);
	clock_format(end, ea);
	char *researchers = json_dumps(res, JSON_COMPACT);
	if (researchers == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	struct store_session_new s = {recipient, ref[0] ? ref : NULL, supervisor, researchers, sa,
	                              ea,        who->actor};
	json_t *out = NULL;
	if (db_begin(db, e)) {
		out = store_outputs_session_insert(db, &s, e);
		bool ok = out != NULL;
		if (ok) {
			char object[48];
			snprintf(object, sizeof(object), "supervision_session:%" PRId64,
			         (int64_t)json_integer_value(json_object_get(out, "id")));
			json_t *d = json_pack(
			    "{s:s,s:s?,s:s,s:I,s:s,s:s}", "recipient", recipient, "deliberation",
			    ref[0] ? ref : NULL, "supervisor", supervisor, "researchers",
			    (json_int_t)json_array_size(res), "start", sa, "end", ea);
			ok = d != NULL &&
			     audit_append(db, who->actor, "session.created", object, d, e);
			json_decref(d);
		}
		if (ok && !db_commit(db, e))
			ok = false;
		if (!ok) {
			db_rollback(db);
			json_decref(out);
			out = NULL;
		}
	}
	free(researchers);
	return out;
}

json_t *outputs_session_get(PGconn *db, const struct principal *who, int64_t id, struct err *e)
{
	return store_outputs_session(db, id, who->role == ROLE_RECIPIENT ? who->recipient : NULL,
	                             e);
}

/* ---- submissions ------------------------------------------------------------------- */

/* The output_checking of the deliberation's terms in force today (defaults when
 * there is none on record); ref "" for none. */
static bool params_for(PGconn *db, const char *ref, struct output_params *p,
                       struct terms_deliberation **d, const struct terms_body **body, struct err *e)
{
	*d = NULL;
	*body = NULL;
	output_params_default(p);
	if (ref[0] == '\0')
		return true;
	*d = registry_load(db, ref, e);
	if (*d == NULL) {
		if (e->kind == ERR_NOT_FOUND) {
			err_clear(e);
			err_set_field(e, ERR_INVALID, "deliberation", "unknown deliberation");
		}
		return false;
	}
	const struct terms_version *v = terms_version_at(*d, clock_brussels_date(clock_now()));
	if (v != NULL && v->on_record)
		*body = &v->body;
	output_params_from_terms(p, *body);
	return true;
}

/* Builds the table from the staged microdata file. */
static struct output_table *build_staged(const struct config *c, const struct output_spec *spec,
                                         const char *name, struct err *e)
{
	int fd = checks_open_staged(c, name, e);
	if (fd < 0)
		return NULL;
	struct output_builder *b = output_builder_new(spec, e);
	char *buf = malloc(READ_BLOCK);
	bool ok = b != NULL && buf != NULL;
	if (buf == NULL)
		err_set(e, ERR_INTERNAL, "out of memory");
	while (ok) {
		ssize_t n = read(fd, buf, READ_BLOCK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set(e, ERR_INTERNAL, "cannot read the staged file: %s",
			        strerror(errno));
			ok = false;
		} else if (n == 0) {
			break;
		} else {
			ok = output_builder_feed(b, buf, (size_t)n, e);
		}
	}
	struct output_table *t = ok ? output_builder_finish(b, e) : NULL;
	if (t == NULL && e->kind == ERR_INVALID && e->field[0] == '\0')
		snprintf(e->field, sizeof(e->field), "staged_file");
	free(buf);
	output_builder_free(b);
	close(fd);
	return t;
}

/* The published table plus, per cell, its index and failing rules: what the
 * reviews and the release work from. */
static json_t *judged_json(const struct output_table *t)
{
	json_t *pub = output_table_json(t);
	json_t *cells = json_object_get(pub, "cells");
	for (size_t i = 0; cells != NULL && i < t->ncells; i++) {
		json_t *cj = json_array_get(cells, i), *rules = json_array();
		for (int r = 0; rules != NULL && r < OUT_RULE_COUNT; r++)
			if (t->cells[i].rules & (1u << r))
				json_array_append_new(
				    rules, json_string(output_rule_name((enum output_rule)r)));
		json_object_set_new(cj, "index", json_integer((json_int_t)(i + 1)));
		json_object_set_new(cj, "rules", rules);
	}
	if (pub != NULL)
		json_object_set_new(pub, "table_rules",
		                    t->table_rules ? json_pack("[s]", "identifier_column")
		                                   : json_array());
	return pub;
}

static char *dump(const json_t *j)
{
	return j != NULL ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

static json_t *submit_impl(PGconn *db, const struct config *c, const struct principal *who,
                           const json_t *body, struct err *e)
{
	static const char *const keys[] = {"session",      "table",    "staged_file", "evidence",
	                                   "deliberation", "suppress", NULL};
	if (!only_keys(body, keys, e))
		return NULL;
	int64_t session_id;
	if (!id_member(body, "session", &session_id, e))
		return NULL;
	json_t *session = store_outputs_session(db, session_id, who->recipient, e);
	if (session == NULL) {
		if (e->kind == ERR_NOT_FOUND) {
			err_clear(e);
			err_set_field(e, ERR_INVALID, "session",
			              "no supervision session %" PRId64 " of this recipient",
			              session_id);
		}
		return NULL;
	}
	char ref[TERMS_REFERENCE_SIZE] = "";
	const json_t *dj = json_object_get(body, "deliberation");
	if (dj == NULL)
		dj = json_object_get(session, "deliberation");
	if (dj != NULL && !json_is_null(dj) &&
	    !terms_reference_parse(json_string_value(dj), "deliberation", ref, e)) {
		json_decref(session);
		return NULL;
	}
	const json_t *ev = json_object_get(body, "evidence"),
	             *sup = json_object_get(body, "suppress");
	const json_t *staged = json_object_get(body, "staged_file"),
	             *table = json_object_get(body, "table");
	bool submitted = ev != NULL;
	const char *fail_field = NULL;
	if (ev != NULL && !(json_is_string(ev) && strcmp(json_string_value(ev), "submitted") == 0))
		fail_field = "evidence";
	else if (sup != NULL && !json_is_boolean(sup))
		fail_field = "suppress";
	else if (!json_is_object(table))
		fail_field = "table";
	else if (submitted ? staged != NULL : !json_is_string(staged))
		fail_field = "staged_file";
	if (fail_field != NULL) {
		err_set_field(
		    e, ERR_INVALID, fail_field,
		    "%s: give {session, table: {by, stat, value}, staged_file} or {session, "
		    "evidence: \"submitted\", table: {by, stat, value, cells}}",
		    fail_field);
		json_decref(session);
		return NULL;
	}
	struct output_params params;
	struct terms_deliberation *d;
	const struct terms_body *terms;
	struct output_table *t = NULL;
	if (params_for(db, ref, &params, &d, &terms, e)) {
		if (submitted) {
			t = output_evidence_parse(table, e);
		} else {
			struct output_spec spec;
			if (output_spec_from_json(table, &spec, e))
				t = build_staged(c, &spec, json_string_value(staged), e);
		}
	}
	json_t *out = NULL;
	bool ok = t != NULL;
	if (ok) {
		output_judge(t, &params, terms);
		ok = json_is_true(sup) ? output_suppress(t) : output_margins_build(t);
		if (!ok)
			err_set(e, ERR_INTERNAL, "out of memory");
	}
	json_t *report = ok ? output_report_json(t) : NULL;
	json_t *pub = ok ? judged_json(t) : NULL;
	json_t *spec_j = ok ? output_spec_to_json(&t->spec) : NULL;
	char *spec_s = dump(spec_j);
	json_decref(spec_j);
	char *report_s = dump(report), *pub_s = dump(pub);
	if (ok && (spec_s == NULL || report_s == NULL || pub_s == NULL)) {
		err_set(e, ERR_INTERNAL, "out of memory");
		ok = false;
	}
	int64_t id = 0;
	if (ok && db_begin(db, e)) {
		struct store_output_new row = {session_id,
		                               who->recipient,
		                               ref[0] ? ref : NULL,
		                               submitted ? "submitted" : "built",
		                               spec_s,
		                               report_s,
		                               pub_s,
		                               who->actor};
		ok = store_outputs_insert(db, &row, &id, e);
		if (ok) {
			char object[32];
			snprintf(object, sizeof(object), "output:%" PRId64, id);
			json_t *det = json_pack(
			    "{s:I,s:s,s:s?,s:s,s:O,s:O,s:O,s:I}", "session", (json_int_t)session_id,
			    "recipient", who->recipient, "deliberation", ref[0] ? ref : NULL,
			    "evidence", submitted ? "submitted" : "built", "verdict",
			    json_object_get(report, "verdict"), "error_counts",
			    json_object_get(report, "error_counts"), "by",
			    json_object_get(report, "by"), "cells", (json_int_t)t->ncells);
			ok = det != NULL &&
			     audit_append(db, who->actor, "output.submitted", object, det, e);
			json_decref(det);
		}
		if (ok && !db_commit(db, e))
			ok = false;
		if (!ok)
			db_rollback(db);
	} else if (ok) {
		ok = false;
	}
	if (ok) {
		out = json_pack("{s:I,s:s,s:I,s:s,s:O}", "id", (json_int_t)id, "status", "pending",
		                "session", (json_int_t)session_id, "evidence",
		                submitted ? "submitted" : "built", "report", report);
		log_info("outputs: output %" PRId64 " submitted by %s (%s)", id, who->actor,
		         json_string_value(json_object_get(report, "verdict")));
	}
	free(spec_s);
	free(report_s);
	free(pub_s);
	json_decref(report);
	json_decref(pub);
	output_table_free(t);
	terms_free(d);
	json_decref(session);
	return out;
}

static json_t *list_impl(PGconn *db, const struct principal *who, const char *status,
                         const char *recipient, struct err *e)
{
	if (status != NULL && strcmp(status, "pending") != 0 && strcmp(status, "released") != 0 &&
	    strcmp(status, "rejected") != 0) {
		err_set_field(e, ERR_INVALID, "status",
		              "status must be pending, released or rejected");
		return NULL;
	}
	if (who->role == ROLE_RECIPIENT) {
		if (recipient != NULL && strcmp(recipient, who->recipient) != 0) {
			err_set_field(e, ERR_FORBIDDEN, "recipient",
			              "a recipient credential sees only its own outputs");
			return NULL;
		}
		recipient = who->recipient;
	} else if (recipient != NULL && !terms_id_valid(recipient)) {
		err_set_field(e, ERR_INVALID, "recipient", "recipient is not a recipient id");
		return NULL;
	}
	json_t *list = store_outputs_list(db, status, recipient, e);
	return list != NULL ? json_pack("{s:o}", "outputs", list) : NULL;
}

json_t *outputs_get(PGconn *db, const struct principal *who, int64_t id, struct err *e)
{
	json_t *o = store_outputs_get(db, id, who->role == ROLE_RECIPIENT ? who->recipient : NULL,
	                              false, e);
	if (o != NULL) {
		/* the published table, as stored: the checkers review its values */
		json_object_set(o, "table", json_object_get(o, "published"));
		json_object_del(o, "published");
	}
	return o;
}

/* ---- reviews and release ---------------------------------------------------------- */

/* Rules a cell can never be published with, whatever the checkers say: an
 * identifier in a category code or value. */
static bool rule_exceptable(const char *rule)
{
	enum output_rule r;
	if (!output_rule_parse(rule, &r))
		return false;
	return !(r >= OUT_NATIONAL_NUMBER && r <= OUT_FULL_DATE) && r != OUT_IDENTIFIER_COLUMN;
}

/* Does a published cell fail and stay visible (so that an approval must grant it)? */
static bool cell_open(const json_t *cell)
{
	return json_array_size(json_object_get(cell, "rules")) > 0 &&
	       strcmp(json_string_value(json_object_get(cell, "status")), "suppressed") != 0;
}

/* The index (0-based) of the published cell an exception names: "index" (1-based)
 * or "cell" ({var: code}). */
static bool exception_cell(const json_t *x, const json_t *cells, size_t *out, struct err *e)
{
	const json_t *idx = json_object_get(x, "index"), *codes = json_object_get(x, "cell");
	if (json_is_integer(idx) && json_integer_value(idx) >= 1 &&
	    (size_t)json_integer_value(idx) <= json_array_size(cells)) {
		*out = (size_t)json_integer_value(idx) - 1;
		return true;
	}
	if (json_is_object(codes))
		for (size_t i = 0; i < json_array_size(cells); i++)
			if (json_equal(json_object_get(json_array_get(cells, i), "cell"), codes)) {
				*out = i;
				return true;
			}
	err_set_field(e, ERR_INVALID, "exceptions",
	              "each exception names a cell of the table by index or by its codes");
	return false;
}

/* Checks the exceptions against the table; fills *granted[i] per cell.  An
 * approval must grant every failing visible cell. */
static bool check_exceptions(const json_t *list, const json_t *cells, bool approve, bool *granted,
                             struct err *e)
{
	if (list != NULL && !json_is_array(list)) {
		err_set_field(e, ERR_INVALID, "exceptions", "exceptions must be a list");
		return false;
	}
	static const char *const keys[] = {"index", "cell", "grant", "decision", "comment", NULL};
	for (size_t k = 0; k < json_array_size(list); k++) {
		const json_t *x = json_array_get(list, k);
		if (!json_is_object(x) || !only_keys(x, keys, e)) {
			if (e->kind == ERR_NONE)
				err_set_field(e, ERR_INVALID, "exceptions",
				              "each exception is an object");
			return false;
		}
		size_t i;
		if (!exception_cell(x, cells, &i, e))
			return false;
		const json_t *cell = json_array_get(cells, i);
		if (!cell_open(cell)) {
			err_set_field(
			    e, ERR_INVALID, "exceptions",
			    "cell %zu breaks no rule or is suppressed: it needs no exception",
			    i + 1);
			return false;
		}
		const json_t *g = json_object_get(x, "grant"),
		             *dec = json_object_get(x, "decision");
		bool grant;
		if (json_is_boolean(g))
			grant = json_is_true(g);
		else if (json_is_string(dec) && (strcmp(json_string_value(dec), "grant") == 0 ||
		                                 strcmp(json_string_value(dec), "refuse") == 0))
			grant = strcmp(json_string_value(dec), "grant") == 0;
		else {
			err_set_field(
			    e, ERR_INVALID, "exceptions",
			    "each exception says grant: true or false (or decision: grant|refuse)");
			return false;
		}
		if (json_object_get(x, "comment") != NULL &&
		    text_member(x, "comment", 2000, true, true, e) == NULL)
			return false;
		size_t n;
		json_t *rule;
		json_array_foreach(json_object_get(cell, "rules"), n, rule)
		{
			if (grant && !rule_exceptable(json_string_value(rule))) {
				err_set_field(
				    e, ERR_INVALID, "exceptions",
				    "cell %zu breaks %s, which no exception can allow: it must be "
				    "suppressed",
				    i + 1, json_string_value(rule));
				return false;
			}
		}
		granted[i] = grant;
	}
	for (size_t i = 0; approve && i < json_array_size(cells); i++)
		if (cell_open(json_array_get(cells, i)) && !granted[i]) {
			err_set_code(
			    e, ERR_CONFLICT, "exception_required", "exceptions",
			    "cell %zu breaks %s: an approval must grant it an exception (or "
			    "submit the table with suppress)",
			    i + 1,
			    json_string_value(json_array_get(
			        json_object_get(json_array_get(cells, i), "rules"), 0)));
			return false;
		}
	return true;
}

/* A value for the canonical document: reals are not canonical, so every value
 * is written as a string. */
static json_t *value_text(const json_t *v)
{
	if (!json_is_number(v))
		return json_null();
	char buf[40];
	snprintf(buf, sizeof(buf), "%.15g", json_number_value(v));
	return json_string(buf);
}

/* The document signed at release: the published table (no rules, failing cells
 * marked excepted), the session, the approvals. */
static json_t *release_document(const json_t *o, const json_t *session, const char *at,
                                const char *key_id)
{
	const json_t *pub = json_object_get(o, "published");
	json_t *cells = json_array(), *margins = json_array(), *approvals = json_array();
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(pub, "cells"), i, c)
	{
		const char *st = json_string_value(json_object_get(c, "status"));
		json_array_append_new(
		    cells, json_pack("{s:O,s:o,s:s}", "cell", json_object_get(c, "cell"), "value",
		                     value_text(json_object_get(c, "value")), "status",
		                     strcmp(st, "fail") == 0 ? "excepted" : st));
	}
	json_array_foreach(json_object_get(pub, "margins"), i, c)
	{
		json_array_append_new(margins,
		                      json_pack("{s:O,s:o,s:O}", "cell", json_object_get(c, "cell"),
		                                "value", value_text(json_object_get(c, "value")),
		                                "status", json_object_get(c, "status")));
	}
	json_array_foreach(json_object_get(o, "reviews"), i, c)
	{
		if (strcmp(json_string_value(json_object_get(c, "decision")), "approve") == 0)
			json_array_append_new(
			    approvals, json_pack("{s:O,s:O,s:O,s:O,s:O}", "checker",
			                         json_object_get(c, "checker"), "credential_id",
			                         json_object_get(c, "credential_id"), "reviewed_at",
			                         json_object_get(c, "reviewed_at"), "comment",
			                         json_object_get(c, "comment"), "exceptions",
			                         json_object_get(c, "exceptions")));
	}
	json_t *doc = json_pack(
	    "{s:s,s:i,s:O,s:O,s:O,s:O,s:O,s:{s:O,s:O,s:O,s:o,s:o},s:o,s:s,s:s}", "type",
	    "deliberd.output_release", "format", 1, "output", json_object_get(o, "id"), "recipient",
	    json_object_get(o, "recipient"), "deliberation", json_object_get(o, "deliberation"),
	    "evidence", json_object_get(o, "evidence"), "session", session, "table", "by",
	    json_object_get(json_object_get(o, "spec"), "by"), "stat",
	    json_object_get(json_object_get(o, "spec"), "stat"), "value",
	    json_object_get(json_object_get(o, "spec"), "value") != NULL
	        ? json_object_get(json_object_get(o, "spec"), "value")
	        : json_null(),
	    "cells", cells, "margins", margins, "approvals", approvals, "released_at", at,
	    "signing_key_id", key_id);
	return doc;
}

/* Inside the transaction: signs and stores the release of output o. */
static bool release_txn(PGconn *db, const struct certs_signer *signer, const json_t *o,
                        const char *actor, struct err *e)
{
	int64_t id = json_integer_value(json_object_get(o, "id"));
	json_t *session =
	    store_outputs_session(db, json_integer_value(json_object_get(o, "session")), NULL, e);
	if (session == NULL)
		return false;
	char at[21];
	clock_format(clock_now(), at);
	const char *key_id = certs_signer_key_id(signer);
	json_t *doc = release_document(o, session, at, key_id);
	char *text = doc != NULL ? certs_canonical_json(doc, e) : NULL;
	unsigned char *der = NULL;
	size_t der_len = 0;
	bool ok = text != NULL &&
	          certs_sign(signer, (const unsigned char *)text, strlen(text), &der, &der_len, e);
	char sha[65] = "";
	char *sighex = ok ? malloc(2 * der_len + 1) : NULL;
	if (ok && sighex != NULL) {
		unsigned char md[32];
		unsigned int mdlen = 0;
		EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL);
		hex_encode(md, 32, sha);
		hex_encode(der, der_len, sighex);
		ok = store_retention_record_signer(db, key_id, certs_signer_cert_pem(signer), e) &&
		     store_outputs_set_released(db, id, text, sha, sighex, key_id, e);
	} else if (ok || (text == NULL && e->kind == ERR_NONE)) {
		err_set(e, ERR_INTERNAL, "out of memory");
		ok = false;
	}
	if (ok) {
		char object[32];
		snprintf(object, sizeof(object), "output:%" PRId64, id);
		json_t *det = json_pack(
		    "{s:s,s:s,s:I}", "document_sha256", sha, "key_id", key_id, "approvals",
		    (json_int_t)json_array_size(json_object_get(doc, "approvals")));
		ok = det != NULL && audit_append(db, actor, "output.released", object, det, e);
		json_decref(det);
	}
	free(sighex);
	free(der);
	free(text);
	json_decref(doc);
	json_decref(session);
	return ok;
}

/* Approvals by distinct credentials among the reviews. */
static size_t approvals(const json_t *reviews)
{
	size_t n = 0;
	for (size_t i = 0; i < json_array_size(reviews); i++)
		n += strcmp(
		         json_string_value(json_object_get(json_array_get(reviews, i), "decision")),
		         "approve") == 0;
	return n;
}

static bool review_txn(PGconn *db, const struct config *c, const struct principal *who, int64_t id,
                       const json_t *body, bool *released, struct err *e)
{
	json_t *o = store_outputs_get(db, id, NULL, true, e);
	if (o == NULL)
		return false;
	bool ok = false;
	const json_t *cells = json_object_get(json_object_get(o, "published"), "cells");
	const char *decision = json_string_value(json_object_get(body, "decision"));
	bool approve = strcmp(decision, "approve") == 0;
	bool *granted = calloc(json_array_size(cells) + 1, sizeof(bool));
	const json_t *reviews = json_object_get(o, "reviews");
	struct certs_signer *signer = NULL;
	if (granted == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < json_array_size(reviews); i++)
		if (json_integer_value(json_object_get(json_array_get(reviews, i),
		                                       "credential_id")) == who->credential_id) {
			err_set_code(e, ERR_FORBIDDEN, "same_person", NULL,
			             "this checker already reviewed output %" PRId64
			             ": a second review must come from a different checker",
			             id);
			goto done;
		}
	if (strcmp(json_string_value(json_object_get(o, "status")), "pending") != 0) {
		err_set_code(e, ERR_CONFLICT, "not_pending", NULL,
		             "output %" PRId64 " is %s already", id,
		             json_string_value(json_object_get(o, "status")));
		goto done;
	}
	if (approve &&
	    json_array_size(json_object_get(json_object_get(o, "published"), "table_rules")) > 0) {
		err_set_code(e, ERR_CONFLICT, "identifier_column", NULL,
		             "output %" PRId64 " groups by a variable that identifies persons: it "
		             "cannot be released",
		             id);
		goto done;
	}
	if (!check_exceptions(json_object_get(body, "exceptions"), cells, approve, granted, e))
		goto done;
	const char *comment = text_member(body, "comment", 2000, true, true, e);
	if (comment == NULL)
		goto done;
	json_t *exc = json_object_get(body, "exceptions");
	char *exc_s = json_dumps(exc != NULL ? exc : json_array(), JSON_COMPACT | JSON_SORT_KEYS);
	struct store_review_new rv = {id, who->credential_id, who->name, decision, comment, exc_s};
	ok = exc_s != NULL && store_outputs_review_insert(db, &rv, e);
	free(exc_s);
	if (!ok && e->kind == ERR_CONFLICT) {
		err_clear(e);
		err_set_code(e, ERR_FORBIDDEN, "same_person", NULL,
		             "this checker already reviewed output %" PRId64, id);
	}
	char object[32];
	snprintf(object, sizeof(object), "output:%" PRId64, id);
	if (ok) {
		json_t *det = json_pack("{s:s,s:s,s:I}", "decision", decision, "checker", who->name,
		                        "exceptions", (json_int_t)json_array_size(exc));
		ok = det != NULL && audit_append(db, who->actor, "output.reviewed", object, det, e);
		json_decref(det);
	}
	if (ok && !approve) {
		json_t *det = json_pack("{s:s}", "checker", who->name);
		ok = det != NULL && store_outputs_set_rejected(db, id, e) &&
		     audit_append(db, who->actor, "output.rejected", object, det, e);
		json_decref(det);
	}
	if (ok && approve && approvals(reviews) + 1 >= 2) {
		/* the earlier approval passed the same checks: every failing cell is
		 * granted by both */
		json_decref(o);
		o = store_outputs_get(db, id, NULL, false, e);
		signer = o != NULL ? destruction_load_signer(c, e) : NULL;
		ok = signer != NULL && release_txn(db, signer, o, who->actor, e);
		*released = ok;
	}
done:
	certs_signer_free(signer);
	free(granted);
	json_decref(o);
	return ok;
}

static json_t *review_impl(PGconn *db, const struct config *c, const struct principal *who,
                           int64_t id, const json_t *body, struct err *e)
{
	static const char *const keys[] = {"decision", "comment", "exceptions", NULL};
	if (!only_keys(body, keys, e))
		return NULL;
	const json_t *d = json_object_get(body, "decision");
	if (!json_is_string(d) || (strcmp(json_string_value(d), "approve") != 0 &&
	                           strcmp(json_string_value(d), "reject") != 0)) {
		err_set_field(e, ERR_INVALID, "decision", "decision must be approve or reject");
		return NULL;
	}
	if (text_member(body, "comment", 2000, true, true, e) == NULL)
		return NULL;
	bool released = false;
	if (!db_begin(db, e))
		return NULL;
	if (!review_txn(db, c, who, id, body, &released, e)) {
		db_rollback(db);
		return NULL;
	}
	if (!db_commit(db, e))
		return NULL;
	if (released)
		log_info("outputs: output %" PRId64 " released after two approvals", id);
	return outputs_get(db, who, id, e);
}

bool outputs_release(PGconn *db, const struct principal *who, int64_t id, char **document,
                     unsigned char **signature, size_t *signature_len, char **key_id, struct err *e)
{
	return store_outputs_release(db, id, who->role == ROLE_RECIPIENT ? who->recipient : NULL,
	                             document, signature, signature_len, key_id, e);
}

/* ---- the entry points: every refused input is 400 invalid_parameter (contract,
 * "Strict input"), naming the member ---------------------------------------------- */

static json_t *param_code(json_t *out, struct err *e)
{
	if (out == NULL && e->kind == ERR_INVALID && e->code[0] == '\0')
		snprintf(e->code, sizeof(e->code), "invalid_parameter");
	return out;
}

json_t *outputs_session_create(PGconn *db, const struct principal *who, const json_t *body,
                               struct err *e)
{
	return param_code(session_create_impl(db, who, body, e), e);
}

json_t *outputs_submit(PGconn *db, const struct config *c, const struct principal *who,
                       const json_t *body, struct err *e)
{
	return param_code(submit_impl(db, c, who, body, e), e);
}

json_t *outputs_list(PGconn *db, const struct principal *who, const char *status,
                     const char *recipient, struct err *e)
{
	return param_code(list_impl(db, who, status, recipient, e), e);
}

json_t *outputs_review(PGconn *db, const struct config *c, const struct principal *who, int64_t id,
                       const json_t *body, struct err *e)
{
	return param_code(review_impl(db, c, who, id, body, e), e);
}
