/* holds: placing, listing and releasing legal holds.  See holds.h. */
#include "holds.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "log.h"
#include "outbox.h"
#include "registry.h"
#include "store_holds.h"
#include "terms.h"

static bool holds_invalid(const char *field, const char *what, struct err *e)
{
	err_set_code(e, ERR_INVALID, "invalid_parameter", field, "%s", what);
	return false;
}

/* A member that is a string of 1..max characters without control characters
 * (NULL when absent and optional). */
static bool holds_text(const json_t *body, const char *key, bool required, size_t max,
                       const char **out, struct err *e)
{
	json_t *v = json_object_get(body, key);
	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required) {
			char m[64];
			snprintf(m, sizeof(m), "%s is required", key);
			return holds_invalid(key, m, e);
		}
		return true;
	}
	const char *s = json_string_value(v);
	bool ok =
	    s != NULL && strlen(s) == json_string_length(v) && s[0] != '\0' && strlen(s) <= max;
	for (const char *p = s; ok && *p != '\0'; p++)
		ok = (unsigned char)*p >= 0x20 && *p != 0x7f;
	if (!ok) {
		char m[120];
		snprintf(m, sizeof(m), "%s must be 1 to %zu characters, no control characters", key,
		         max);
		return holds_invalid(key, m, e);
	}
	*out = s;
	return true;
}

static bool holds_only(const json_t *body, const char *const *known, size_t n, struct err *e)
{
	if (!json_is_object(body)) {
		err_set(e, ERR_INVALID, "the body must be a JSON object");
		return false;
	}
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)body, key, v)
	{
		bool ok = false;
		for (size_t i = 0; i < n; i++)
			ok = ok || strcmp(key, known[i]) == 0;
		if (!ok)
			return holds_invalid(key, "unknown member", e);
	}
	return true;
}

/* Tells each recipient concerned (event, payload copied per recipient). */
static bool holds_notify(PGconn *db, int64_t id, const char *event, const json_t *payload,
                         struct err *e)
{
	json_t *who = store_holds_recipients(db, id, e);
	if (who == NULL)
		return false;
	bool ok = true;
	size_t i;
	json_t *r;
	json_array_foreach(who, i, r)
	{
		json_t *p = json_deep_copy(payload);
		ok =
		    p != NULL && outbox_enqueue(db, "recipient", json_string_value(r), event, p, e);
		json_decref(p);
		if (!ok)
			break;
	}
	json_decref(who);
	return ok;
}

json_t *holds_place(PGconn *db, const json_t *body, const char *actor, int64_t now, struct err *e)
{
	static const char *const known[] = {"deliberation", "recipient", "reason", "reference"};
	const char *delib, *recipient, *reason, *reference;
	char ref[TERMS_REFERENCE_SIZE];
	if (!holds_only(body, known, 4, e) ||
	    !holds_text(body, "deliberation", true, 32, &delib, e) ||
	    !terms_reference_parse(delib, "deliberation", ref, e) ||
	    !holds_text(body, "recipient", false, 63, &recipient, e) ||
	    !holds_text(body, "reason", true, 1000, &reason, e) ||
	    !holds_text(body, "reference", false, 200, &reference, e))
		return NULL;
	if (recipient != NULL && !terms_id_valid(recipient)) {
		holds_invalid("recipient", "recipient must be a recipient id", e);
		return NULL;
	}
	struct terms_deliberation *d = registry_load(db, ref, e); /* 404 when unknown */
	if (d == NULL)
		return NULL;
	terms_free(d);
	char at[21];
	clock_format(now, at);
	struct store_hold_new h = {ref, recipient, reason, reference, at, actor};
	int64_t id = 0;
	json_t *hold = NULL, *orders = NULL;
	bool ok = db_begin(db, e) && store_holds_insert(db, &h, &id, e) &&
	          (hold = store_holds_get(db, id, false, e)) != NULL &&
	          (orders = store_holds_orders(db, id, e)) != NULL;
	if (ok) {
		json_object_set(hold, "orders", orders);
		char object[48];
		snprintf(object, sizeof(object), "legal_hold:%" PRId64, id);
		json_t *details = json_pack("{s:s,s:s*,s:s,s:s,s:O}", "deliberation", ref,
		                            "recipient", recipient, "reason", reason, "reference",
		                            reference != NULL ? reference : "", "orders", orders);
		ok = details != NULL && audit_append(db, actor, "hold.placed", object, details, e);
		json_decref(details);
	}
	if (ok) {
		json_t *payload = json_pack(
		    "{s:I,s:s,s:s*,s:s,s:s,s:O,s:s}", "hold_id", (json_int_t)id, "deliberation",
		    ref, "recipient", recipient, "reason", reason, "reference",
		    reference != NULL ? reference : "", "orders", orders, "instruction",
		    "do not destroy the data of these orders until the hold is released");
		ok = payload != NULL && holds_notify(db, id, "destruction.held", payload, e);
		json_decref(payload);
	}
	json_decref(orders);
	if (!ok || !db_commit(db, e)) {
		db_rollback(db);
		json_decref(hold);
		return NULL;
	}
	log_info("legal hold %" PRId64 " placed on %s%s%s", id, ref, recipient ? " for " : "",
	         recipient ? recipient : "");
	return hold;
}

json_t *holds_list(PGconn *db, const char *only_recipient, struct err *e)
{
	json_t *list = store_holds_list(db, only_recipient, e);
	return list != NULL ? json_pack("{s:o}", "holds", list) : NULL;
}

json_t *holds_release(PGconn *db, const struct config *c, int64_t id, const json_t *body,
                      const char *actor, int64_t now, struct err *e)
{
	static const char *const known[] = {"reason"};
	const char *reason;
	if (!holds_only(body, known, 1, e) || !holds_text(body, "reason", true, 1000, &reason, e))
		return NULL;
	char at[21];
	clock_format(now, at);
	json_t *hold = NULL, *orders = NULL, *replanned = NULL;
	bool ok = db_begin(db, e) && (hold = store_holds_get(db, id, true, e)) != NULL &&
	          store_holds_release(db, id, at, actor, reason, e) &&
	          (orders = store_holds_orders(db, id, e)) != NULL &&
	          (replanned = store_holds_replan(db, id, at, c->no_longer_needed_days, e)) != NULL;
	if (ok) {
		char object[48];
		snprintf(object, sizeof(object), "legal_hold:%" PRId64, id);
		json_t *details = json_pack("{s:s,s:O,s:O}", "reason", reason, "resumed", orders,
		                            "replanned", replanned);
		ok =
		    details != NULL && audit_append(db, actor, "hold.released", object, details, e);
		json_decref(details);
	}
	if (ok) {
		json_t *payload =
		    json_pack("{s:I,s:O,s:s,s:O,s:O}", "hold_id", (json_int_t)id, "deliberation",
		              json_object_get(hold, "deliberation"), "reason", reason, "resumed",
		              orders, "replanned", replanned);
		ok = payload != NULL && holds_notify(db, id, "destruction.resumed", payload, e);
		json_decref(payload);
	}
	json_decref(hold);
	hold = NULL;
	if (!ok || !db_commit(db, e)) {
		db_rollback(db);
		json_decref(orders);
		json_decref(replanned);
		return NULL;
	}
	hold = store_holds_get(db, id, false, e);
	if (hold != NULL) {
		json_object_set_new(hold, "resumed", orders);
		json_object_set_new(hold, "replanned", replanned);
	} else {
		json_decref(orders);
		json_decref(replanned);
	}
	log_info("legal hold %" PRId64 " released", id);
	return hold;
}
