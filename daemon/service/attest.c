/* attest: still-needed attestations.  See attest.h. */
#include "attest.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "log.h"
#include "outbox.h"
#include "retention.h"
#include "store_attest.h"

static bool attest_exec(PGconn *db, const char *sql, struct err *e)
{
	PGresult *r = db_exec(db, e, sql, 0, NULL);
	PQclear(r);
	return r != NULL;
}

static bool attest_begin(PGconn *db, bool nested, struct err *e)
{
	return nested ? attest_exec(db, "SAVEPOINT attest_item", e) : db_begin(db, e);
}

static bool attest_end(PGconn *db, bool nested, bool ok, struct err *e)
{
	if (!ok) {
		struct err ignore = {0};
		if (nested)
			(void)attest_exec(db, "ROLLBACK TO SAVEPOINT attest_item", &ignore);
		else
			db_rollback(db);
		return false;
	}
	return nested ? attest_exec(db, "RELEASE SAVEPOINT attest_item", e) : db_commit(db, e);
}

bool attest_step_ask(PGconn *db, const char *now, const char *actor, bool nested, json_t *out,
                     struct err *e)
{
	json_t *plan = store_attest_plan_ask(db, now, e);
	if (plan == NULL)
		return false;
	bool ok = true;
	size_t i;
	json_t *p;
	json_array_foreach(plan, i, p)
	{
		const char *rec = json_string_value(json_object_get(p, "recipient"));
		const char *ref = json_string_value(json_object_get(p, "deliberation"));
		const char *anniv = json_string_value(json_object_get(p, "anniversary"));
		int64_t id = 0;
		json_t *item = json_pack("{s:s,s:s,s:s}", "recipient", rec, "deliberation", ref,
		                         "anniversary", anniv);
		bool step =
		    item != NULL && attest_begin(db, nested, e) &&
		    store_attest_insert(db, rec, ref, anniv, now, ATTEST_ANSWER_DAYS, &id, e);
		json_t *a = step && id > 0 ? store_attest_get(db, id, NULL, false, e) : NULL;
		if (step && id > 0) {
			step = a != NULL;
			if (step)
				json_object_set(item, "due_at", json_object_get(a, "due_at"));
			char link[64];
			snprintf(link, sizeof(link), "/v1/attestations/%" PRId64, id);
			step =
			    step && audit_append_object(db, actor, "attestation.requested",
			                                "attestation", id, json_deep_copy(item), e);
			json_t *ev = json_deep_copy(item);
			json_object_set_new(ev, "attestation_id", json_integer(id));
			json_object_set_new(
			    ev, "question",
			    json_string("are the data still needed for the purpose?"));
			json_object_set_new(ev, "links", json_pack("{s:s}", "answer", link));
			step = step &&
			       outbox_enqueue(db, "recipient", rec, "attestation.requested", ev, e);
			json_decref(ev);
		}
		json_decref(a);
		if (!attest_end(db, nested, step, e)) {
			json_decref(item);
			ok = false;
			break;
		}
		if (id > 0)
			json_array_append_new(out, item);
		else
			json_decref(item);
	}
	json_decref(plan);
	return ok;
}

bool attest_step_escalate(PGconn *db, const char *now, const char *actor, bool nested, json_t *out,
                          struct err *e)
{
	json_t *plan = store_attest_plan_escalate(db, now, e);
	if (plan == NULL)
		return false;
	bool ok = true;
	size_t i;
	json_t *p;
	json_array_foreach(plan, i, p)
	{
		int64_t id = json_integer_value(json_object_get(p, "id"));
		bool changed = false;
		bool step =
		    attest_begin(db, nested, e) && store_attest_escalate(db, id, now, &changed, e);
		if (step && changed) {
			step = audit_append_object(db, actor, "attestation.escalated",
			                           "attestation", id, json_deep_copy(p), e);
			json_t *ev = json_deep_copy(p);
			step =
			    step && ev != NULL &&
			    outbox_enqueue(db, "governance", NULL, "attestation.escalated", ev, e);
			json_decref(ev);
		}
		if (!attest_end(db, nested, step, e)) {
			ok = false;
			break;
		}
		if (changed)
			json_array_append(out, p);
	}
	json_decref(plan);
	return ok;
}

json_t *attest_list(PGconn *db, const char *recipient, struct err *e)
{
	json_t *list = store_attest_list(db, recipient, e);
	return list != NULL ? json_pack("{s:o}", "attestations", list) : NULL;
}

json_t *attest_answer(PGconn *db, const struct config *c, const char *recipient, const char *actor,
                      int64_t id, const json_t *body, int64_t now, struct err *e)
{
	json_t *needed = json_object_get(body, "still_needed");
	json_t *note = json_object_get(body, "note");
	const char *key;
	json_t *v;
	if (!json_is_object(body)) {
		err_set(e, ERR_INVALID, "the body must be a JSON object");
		return NULL;
	}
	json_object_foreach((json_t *)body, key,
	                    v) if (strcmp(key, "still_needed") != 0 && strcmp(key, "note") != 0)
	{
		err_set_code(e, ERR_INVALID, "invalid_parameter", key, "unknown member");
		return NULL;
	}
	if (!json_is_boolean(needed)) {
		err_set_code(e, ERR_INVALID, "invalid_parameter", "still_needed",
		             "still_needed is required: true or false");
		return NULL;
	}
	const char *n = note != NULL && !json_is_null(note) ? json_string_value(note) : "";
	bool ok_note =
	    n != NULL && strlen(n) <= 1000 &&
	    (note == NULL || json_is_null(note) || strlen(n) == json_string_length(note));
	for (const char *q = n; ok_note && *q != '\0'; q++)
		ok_note = (unsigned char)*q >= 0x20 || *q == '\n' || *q == '\t';
	if (!ok_note) {
		err_set_code(e, ERR_INVALID, "invalid_parameter", "note",
		             "note must be text of at most 1000 characters");
		return NULL;
	}
	/* Another recipient's, or one answered already: refused before anything changes. */
	json_t *a = store_attest_get(db, id, recipient, false, e);
	if (a == NULL)
		return NULL;
	bool answered = json_object_get(a, "answered_at") != NULL &&
	                !json_is_null(json_object_get(a, "answered_at"));
	char ref[32];
	snprintf(ref, sizeof(ref), "%s", json_string_value(json_object_get(a, "deliberation")));
	json_decref(a);
	if (answered) {
		err_set(e, ERR_CONFLICT, "attestation %" PRId64 " was answered already", id);
		return NULL;
	}
	int64_t order = 0;
	if (json_is_false(needed)) {
		/* The data are no longer needed: an order, in its own audited transaction. */
		bool created = false;
		json_t *o = retention_no_longer_needed(db, c, recipient, actor, 0, ref, n, now,
		                                       &created, e);
		if (o == NULL && e->kind != ERR_CONFLICT)
			return NULL;
		if (o == NULL)
			err_clear(e); /* every delivery is in an order already */
		order = o != NULL ? json_integer_value(json_object_get(o, "id")) : 0;
		json_decref(o);
	}
	char at[21];
	clock_format(now, at);
	json_t *details = json_pack("{s:b,s:s,s:o}", "still_needed", json_is_true(needed), "note",
	                            n, "order", order > 0 ? json_integer(order) : json_null());
	bool ok = db_begin(db, e) &&
	          store_attest_answer(db, id, json_is_true(needed), n, actor, at, order, e) &&
	          details != NULL &&
	          audit_append_object(db, actor, "attestation.answered", "attestation", id,
	                              json_incref(details), e);
	json_decref(details);
	if (!ok || !db_commit(db, e)) {
		db_rollback(db);
		return NULL;
	}
	log_info("attestation %" PRId64 " answered by %s: %s", id, recipient,
	         json_is_true(needed) ? "still needed" : "no longer needed");
	return store_attest_get(db, id, recipient, false, e);
}
