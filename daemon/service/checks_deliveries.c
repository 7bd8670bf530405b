/*
 * checks_deliveries: what happens to a delivery after its check: shipping (judged
 * again on the server's clock, contract "Time"), deliveries made before deliberd
 * (imported by governance), and reading the register.  Split from checks.c, which
 * runs and records the checks themselves; both are the module "checks" (checks.h).
 */
#include "checks.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "hex.h"
#include "log.h"
#include "registry.h"
#include "store_checks.h"
#include "store_retention.h"
#include "terms.h"

/* ---- deliveries -------------------------------------------------------- */

/* Why a passed check may no longer ship, judged today (Brussels, by the server's
 * clock): fills code and why and returns true when it may not.  Order: the check's
 * age, the deadline, the terms, a no-longer-needed order, the cap. */
static bool checks_ship_refusal(PGconn *db, const struct config *c, const json_t *row, int64_t id,
                                int64_t now, const char **code, char *why, size_t size,
                                struct err *e)
{
	const char *ref = json_string_value(json_object_get(row, "deliberation"));
	const char *recipient = json_string_value(json_object_get(row, "recipient"));
	const char *group = json_string_value(json_object_get(row, "group"));
	const char *dest = json_string_value(json_object_get(row, "destination"));
	int phase = (int)json_integer_value(json_object_get(row, "phase"));
	int64_t checked_at = 0;
	if (!clock_parse(json_string_value(json_object_get(row, "checked_at")), &checked_at)) {
		err_set(e, ERR_INTERNAL, "the database returned a malformed checked_at");
		return false;
	}
	*code = NULL;
	if (now - checked_at > (int64_t)c->ship_within_days * 86400) {
		*code = "check_expired";
		snprintf(why, size,
		         "check %" PRId64 " is older than checks.ship_within_days (%d days): "
		         "check the extract again",
		         id, c->ship_within_days);
		return true;
	}
	struct terms_deliberation *d = registry_load(db, ref, e);
	if (d == NULL)
		return false;
	int32_t today = clock_brussels_date(now);
	char day[11];
	terms_date_format(today, day);
	const struct terms_version *tv = terms_version_at(d, today);
	const struct terms_group *g = NULL;
	const struct terms_phase *ph = NULL;
	if (tv != NULL && tv->on_record) {
		g = terms_find_group(&tv->body, group);
		ph = terms_find_phase(&tv->body, phase);
	}
	int64_t nln = 0, held = 0, cap = g != NULL ? terms_cap(g, phase) : -1;
	if (tv != NULL && tv->on_record && today > tv->body.retention_until) {
		char until[11];
		terms_date_format(tv->body.retention_until, until);
		*code = "retention_ended";
		snprintf(why, size, "today (%s) is after the retention deadline of %s (%s)", day,
		         ref, until);
	} else if (tv == NULL || !tv->on_record || !terms_has_recipient(&tv->body, recipient) ||
	           g == NULL || ph == NULL ||
	           (ph->ndestinations > 0 && (dest == NULL || !terms_phase_allows(ph, dest)))) {
		*code = "terms_changed";
		snprintf(why, size,
		         "the terms of %s in force today (%s) no longer allow this recipient, "
		         "group, phase or destination",
		         ref, day);
	} else if (!store_retention_nln_live(db, recipient, ref, &nln, e)) {
		terms_free(d);
		return false;
	} else if (nln > 0) {
		*code = "destruction_ordered";
		snprintf(why, size,
		         "the recipient declared the data of %s no longer needed: destruction "
		         "order %" PRId64 " is live",
		         ref, nln);
	} else if (cap >= 0) {
		struct store_cap_key k = {recipient, ref, group, phase};
		if (!store_checks_shipped_persons(db, &k, id, &held, e)) {
			terms_free(d);
			return false;
		}
		if (held > cap) {
			*code = "cap_exceeded";
			snprintf(
			    why, size,
			    "with the deliveries shipped since the check, %" PRId64
			    " persons of group %s in phase %d would exceed the cap of %" PRId64,
			    held, group, phase, cap);
		}
	}
	terms_free(d);
	return *code != NULL;
}

json_t *checks_ship(PGconn *db, const struct config *c, int64_t id, const char *actor, int64_t now,
                    struct err *e)
{
	if (!db_begin(db, e))
		return NULL;
	json_t *row = store_checks_get(db, id, true, e);
	json_t *out = NULL;
	char object[48], at[21];
	snprintf(object, sizeof(object), "delivery:%" PRId64, id);
	clock_format(now, at);
	if (row == NULL)
		goto fail;
	const char *verdict = json_string_value(json_object_get(row, "verdict"));
	if (verdict == NULL || strcmp(verdict, "pass") != 0) {
		err_set(e, ERR_CONFLICT,
		        "check %" PRId64 " failed: only a passed check can be shipped", id);
		goto fail;
	}
	if (json_is_true(json_object_get(row, "shipped"))) {
		err_set(e, ERR_CONFLICT, "delivery %" PRId64 " was already shipped at %s", id,
		        json_string_value(json_object_get(row, "shipped_at")));
		goto fail;
	}
	const char *code = NULL;
	char why[400];
	bool refused = checks_ship_refusal(db, c, row, id, now, &code, why, sizeof(why), e);
	if (e->kind != ERR_NONE)
		goto fail;
	if (refused) {
		/* The refusal is recorded (audited, committed), the delivery stays unshipped. */
		json_t *rd = json_pack("{s:I, s:s, s:s, s:s}", "delivery_id", (json_int_t)id,
		                       "code", code, "reason", why, "at", at);
		bool ok = rd != NULL &&
		          audit_append(db, actor, "delivery.ship_refused", object, rd, e) &&
		          db_commit(db, e);
		json_decref(rd);
		json_decref(row);
		if (!ok) {
			db_rollback(db);
			return NULL;
		}
		log_info("delivery %" PRId64 " not shipped: %s", id, code);
		err_set_code(e, ERR_CONFLICT, code, NULL, "%s", why);
		return NULL;
	}
	out = store_checks_ship(db, id, actor, at, e);
	if (out == NULL)
		goto fail;
	int64_t joined = 0;
	if (!store_retention_join_open(db, id, &joined, e))
		goto fail;
	json_t *details =
	    json_pack("{s:I, s:O, s:O, s:O, s:O}", "delivery_id", (json_int_t)id, "deliberation",
	              json_object_get(out, "deliberation"), "recipient",
	              json_object_get(out, "recipient"), "sha256", json_object_get(out, "sha256"),
	              "shipped_at", json_object_get(out, "shipped_at"));
	if (details != NULL && joined > 0)
		json_object_set_new(details, "joined_order", json_integer(joined));
	bool ok =
	    details != NULL && audit_append(db, actor, "delivery.shipped", object, details, e);
	json_decref(details);
	if (!ok || !db_commit(db, e))
		goto fail;
	if (joined > 0)
		json_object_set_new(out, "destruction_order", json_integer(joined));
	json_decref(row);
	return out;
fail:
	if (e->kind == ERR_NONE)
		err_set(e, ERR_INTERNAL, "cannot mark the delivery shipped");
	db_rollback(db);
	json_decref(row);
	json_decref(out);
	return NULL;
}

/* ---- deliveries made before deliberd ---------------------------------- */

static bool checks_field_invalid(const char *field, const char *what, struct err *e)
{
	err_set_code(e, ERR_INVALID, "invalid_parameter", field, "%s", what);
	return false;
}

/* A string member without control characters, at most max bytes; NULL if absent. */
static bool checks_import_text(const json_t *body, const char *key, bool required, size_t max,
                               const char **out, struct err *e)
{
	json_t *v = json_object_get(body, key);
	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (!required)
			return true;
		char m[96];
		snprintf(m, sizeof(m), "%s is required", key);
		return checks_field_invalid(key, m, e);
	}
	const char *s = json_string_value(v);
	bool ok = s != NULL && strlen(s) == json_string_length(v) && strlen(s) <= max;
	for (const char *p = s; ok && *p != '\0'; p++)
		ok = (unsigned char)*p >= 0x20 && *p != 0x7f;
	if (!ok) {
		char m[120];
		snprintf(m, sizeof(m),
		         "%s must be a string of at most %zu characters, no control "
		         "characters",
		         key, max);
		return checks_field_invalid(key, m, e);
	}
	*out = s;
	return true;
}

static bool checks_import_count(const json_t *body, const char *key, uint64_t *out, struct err *e)
{
	json_t *v = json_object_get(body, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		char m[96];
		snprintf(m, sizeof(m), "%s is required: a whole number, 0 or more", key);
		return checks_field_invalid(key, m, e);
	}
	*out = (uint64_t)json_integer_value(v);
	return true;
}

json_t *checks_import(PGconn *db, const json_t *body, const char *actor, int64_t now, struct err *e)
{
	static const char *const known[] = {"deliberation", "recipient",    "group",  "phase",
	                                    "destination",  "delivered_on", "sha256", "rows",
	                                    "persons",      "note"};
	if (!json_is_object(body)) {
		err_set(e, ERR_INVALID, "the body must be a JSON object");
		return NULL;
	}
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)body, key, val)
	{
		bool ok = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok = ok || strcmp(key, known[i]) == 0;
		if (!ok) {
			checks_field_invalid(key, "unknown member", e);
			return NULL;
		}
	}
	const char *delib, *recipient, *group, *dest, *day, *sha, *note;
	uint64_t rows = 0, persons = 0;
	char ref[TERMS_REFERENCE_SIZE];
	int32_t on = 0;
	json_t *phase = json_object_get(body, "phase");
	if (!checks_import_text(body, "deliberation", true, 32, &delib, e) ||
	    !terms_reference_parse(delib, "deliberation", ref, e) ||
	    !checks_import_text(body, "recipient", true, 63, &recipient, e) ||
	    !checks_import_text(body, "group", true, 64, &group, e) ||
	    !checks_import_text(body, "destination", false, 64, &dest, e) ||
	    !checks_import_text(body, "delivered_on", true, 10, &day, e) ||
	    !checks_import_text(body, "sha256", true, 64, &sha, e) ||
	    !checks_import_text(body, "note", false, 1000, &note, e) ||
	    !checks_import_count(body, "rows", &rows, e) ||
	    !checks_import_count(body, "persons", &persons, e))
		return NULL;
	if (!terms_id_valid(recipient) || !terms_id_valid(group) ||
	    (dest != NULL && !terms_id_valid(dest))) {
		checks_field_invalid(!terms_id_valid(recipient) ? "recipient"
		                     : !terms_id_valid(group)   ? "group"
		                                                : "destination",
		                     "not a valid code", e);
		return NULL;
	}
	if (!json_is_integer(phase) || json_integer_value(phase) < 1 ||
	    json_integer_value(phase) > 99) {
		checks_field_invalid("phase", "phase is required: a number from 1 to 99", e);
		return NULL;
	}
	if (!terms_date_parse(day, &on) || on > clock_brussels_date(now)) {
		checks_field_invalid("delivered_on", "delivered_on must be a past date YYYY-MM-DD",
		                     e);
		return NULL;
	}
	bool hex = strlen(sha) == 64;
	for (const char *p = sha; hex && *p != '\0'; p++)
		hex = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f');
	if (!hex) {
		checks_field_invalid("sha256", "sha256 must be 64 lowercase hex digits", e);
		return NULL;
	}
	struct terms_deliberation *d = registry_load(db, ref, e);
	if (d == NULL)
		return NULL;
	/* The terms in force on the day it was delivered name the recipient, group and
	 * phase; when none are on record, the record stands on its own. */
	const struct terms_version *tv = terms_version_at(d, on);
	int version = tv != NULL ? tv->number : 0;
	const char *bad = NULL;
	if (tv != NULL && tv->on_record) {
		const struct terms_phase *ph =
		    terms_find_phase(&tv->body, (int)json_integer_value(phase));
		if (!terms_has_recipient(&tv->body, recipient))
			bad = "recipient";
		else if (terms_find_group(&tv->body, group) == NULL)
			bad = "group";
		else if (ph == NULL)
			bad = "phase";
		else if (ph->ndestinations > 0 && (dest == NULL || !terms_phase_allows(ph, dest)))
			bad = "destination";
	}
	terms_free(d);
	if (bad != NULL) {
		char m[160];
		snprintf(m, sizeof(m),
		         "%s is not one the terms of %s in force on %s name (or is missing)", bad,
		         ref, day);
		checks_field_invalid(bad, m, e);
		return NULL;
	}
	int64_t midnight = 0;
	char shipped[21], at[21];
	if (!clock_brussels_midnight(on, &midnight)) {
		checks_field_invalid("delivered_on", "delivered_on is not a calendar date", e);
		return NULL;
	}
	clock_format(midnight, shipped);
	clock_format(now, at);
	struct store_import_row row = {
	    .deliberation = ref,
	    .recipient = recipient,
	    .group = group,
	    .destination = dest,
	    .phase = (int)json_integer_value(phase),
	    .version = version,
	    .delivered_on = on,
	    .shipped_at = shipped,
	    .sha256 = sha,
	    .note = note,
	    .actor = actor,
	    .now = at,
	    .rows = rows,
	    .persons = persons,
	};
	if (!db_begin(db, e))
		return NULL;
	json_t *out = store_checks_import(db, &row, e);
	int64_t id = out != NULL ? json_integer_value(json_object_get(out, "id")) : 0, joined = 0;
	bool ok = out != NULL && store_retention_join_open(db, id, &joined, e);
	if (ok) {
		char object[48];
		snprintf(object, sizeof(object), "delivery:%" PRId64, id);
		json_t *details =
		    json_pack("{s:I,s:s,s:s,s:s,s:i,s:s*,s:s,s:s,s:I,s:I,s:s}", "delivery_id",
		              (json_int_t)id, "deliberation", ref, "recipient", recipient, "group",
		              group, "phase", (int)json_integer_value(phase), "destination", dest,
		              "delivered_on", day, "sha256", sha, "rows", (json_int_t)rows,
		              "persons", (json_int_t)persons, "note", note != NULL ? note : "");
		if (details != NULL && joined > 0)
			json_object_set_new(details, "joined_order", json_integer(joined));
		ok = details != NULL &&
		     audit_append(db, actor, "delivery.imported", object, details, e);
		json_decref(details);
	}
	if (!ok || !db_commit(db, e)) {
		if (e->kind == ERR_NONE)
			err_set(e, ERR_INTERNAL, "cannot register the delivery");
		db_rollback(db);
		json_decref(out);
		return NULL;
	}
	if (joined > 0)
		json_object_set_new(out, "destruction_order", json_integer(joined));
	log_info("delivery %" PRId64 " of %s to %s imported (delivered %s)", id, ref, recipient,
	         day);
	return out;
}

json_t *checks_get(PGconn *db, int64_t id, const char *only_recipient, struct err *e)
{
	json_t *row = store_checks_get(db, id, false, e);
	if (row == NULL)
		return NULL;
	const char *r = json_string_value(json_object_get(row, "recipient"));
	if (only_recipient != NULL && (r == NULL || strcmp(r, only_recipient) != 0)) {
		json_decref(row);
		err_set(e, ERR_NOT_FOUND, "no such delivery");
		return NULL;
	}
	return row;
}

json_t *checks_list(PGconn *db, const struct checks_filter *f, struct err *e)
{
	struct store_checks_filter sf = {
	    .recipient = f->recipient,
	    .deliberation = f->deliberation,
	    .verdict = f->verdict,
	    .after = f->after,
	    .limit = f->limit,
	};
	return store_checks_list(db, &sf, e);
}
