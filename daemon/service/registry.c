/*
 * registry: the deliberation registry service.  A deliberation model (from a file,
 * or JSON through the API) is compared with what is recorded: recorded versions must
 * be identical field by field, new versions are appended, each version stored as the
 * canonical JSON of terms_json_version (byte-exact record, hashed) plus normalized
 * rows.  Everything a call changes commits in one transaction with its audit events;
 * a call that changes nothing writes nothing.
 */
#include "registry.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "hex.h"
#include "odrl.h"
#include "registry_priv.h"
#include "store_registry.h"
#include "terms_json.h"

/* ---- references ----------------------------------------------------------- */

bool registry_reference_parse(const char *text, char out[32], struct err *e)
{
	return terms_reference_parse(text, "reference", out, e);
}

void registry_reference_url(const char *reference, char out[32])
{
	snprintf(out, 32, "%s", reference);
	for (char *p = out; *p != '\0'; p++)
		if (*p == '/')
			*p = '-';
}

/* ---- small helpers ---------------------------------------------------------- */

static json_t *date_json(int32_t d)
{
	char buf[11];
	if (d == 0)
		return json_null();
	terms_date_format(d, buf);
	return json_string(buf);
}

/* A growing text for difference reports. */
struct text {
	char *s;
	size_t len, cap;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (t->len + (size_t)n + 1 > t->cap) {
		size_t cap = (t->len + (size_t)n + 1) * 2;
		char *s = realloc(t->s, cap);
		if (s == NULL)
			return;
		t->s = s;
		t->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

bool registry_audit_event(PGconn *db, const char *actor, const char *action, const char *object,
                          json_t *details, struct err *e)
{
	if (details == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	bool ok = audit_append(db, actor, action, object, details, e);
	json_decref(details);
	return ok;
}

/* ---- differences between a recorded version and a proposed one ------------- */

/* The members of object a and b whose values differ, as "k1, k2"; "" if none. */
static void diff_members(struct text *t, const json_t *a, const json_t *b, const char *skip)
{
	const char *key;
	json_t *va;
	bool first = true;
	json_object_foreach((json_t *)a, key, va)
	{
		if (skip != NULL && strcmp(key, skip) == 0)
			continue;
		if (!json_equal(va, json_object_get(b, key))) {
			text_add(t, "%s%s", first ? "" : ", ", key);
			first = false;
		}
	}
	json_object_foreach((json_t *)b, key, va)
	{
		if (json_object_get(a, key) == NULL) {
			text_add(t, "%s%s", first ? "" : ", ", key);
			first = false;
		}
	}
}

static const json_t *find_keyed(const json_t *arr, const char *key, const json_t *id)
{
	size_t i;
	const json_t *x;
	json_array_foreach(arr, i, x)
	{
		if (json_equal(json_object_get(x, key), id))
			return x;
	}
	return NULL;
}

static void id_text(struct text *t, const json_t *id)
{
	if (json_is_string(id))
		text_add(t, "%s", json_string_value(id));
	else
		text_add(t, "%lld", (long long)json_integer_value(id));
}

/* Names what differs between two arrays of objects identified by key (variables by
 * code, groups by code, phases by number): added, removed, changed (which members),
 * and a change of order when the sets are equal. */
static void diff_keyed(struct text *t, const char *name, const json_t *rec, const json_t *prop,
                       const char *key)
{
	if (json_equal(rec, prop))
		return;
	size_t i, n = 0;
	const json_t *x;
	text_add(t, "; %s:", name);
	json_array_foreach(prop, i, x)
	{
		if (find_keyed(rec, key, json_object_get(x, key)) == NULL) {
			text_add(t, "%s", n++ == 0 ? " added " : ", ");
			id_text(t, json_object_get(x, key));
		}
	}
	size_t m = 0;
	json_array_foreach(rec, i, x)
	{
		if (find_keyed(prop, key, json_object_get(x, key)) == NULL) {
			text_add(t, "%s%s", n > 0 && m == 0 ? ";" : "",
			         m == 0 ? " removed " : ", ");
			id_text(t, json_object_get(x, key));
			m++;
		}
	}
	size_t c = 0;
	json_array_foreach(rec, i, x)
	{
		const json_t *y = find_keyed(prop, key, json_object_get(x, key));
		if (y == NULL || json_equal(x, y))
			continue;
		text_add(t, "%s%s", (n > 0 || m > 0) && c == 0 ? ";" : "",
		         c == 0 ? " changed " : ", ");
		id_text(t, json_object_get(x, key));
		text_add(t, " (");
		diff_members(t, x, y, NULL);
		text_add(t, ")");
		c++;
	}
	if (n == 0 && m == 0 && c == 0)
		text_add(t, " order changed");
}

/* Names the recipients added and removed between two arrays of ids. */
static void diff_ids(struct text *t, const char *name, const json_t *rec, const json_t *prop)
{
	if (json_equal(rec, prop))
		return;
	size_t i, n = 0, m = 0;
	const json_t *x, *y;
	text_add(t, "; %s:", name);
	json_array_foreach(prop, i, x)
	{
		size_t j;
		bool found = false;
		json_array_foreach(rec, j, y) found = found || json_equal(x, y);
		if (!found)
			text_add(t, "%s%s", n++ == 0 ? " added " : ", ", json_string_value(x));
	}
	json_array_foreach(rec, i, x)
	{
		size_t j;
		bool found = false;
		json_array_foreach(prop, j, y) found = found || json_equal(x, y);
		if (!found) {
			text_add(t, "%s%s%s", n > 0 && m == 0 ? ";" : "",
			         m == 0 ? " removed " : ", ", json_string_value(x));
			m++;
		}
	}
	if (n == 0 && m == 0)
		text_add(t, " order changed");
}

/* Appends to t what differs between the recorded version JSON and the proposed
 * one: top-level fields, then inside the terms field by field and item by item. */
static void diff_version(struct text *t, const json_t *rec, const json_t *prop)
{
	struct text top = {0};
	diff_members(&top, rec, prop, "terms");
	if (top.len > 0)
		text_add(t, "; %s", top.s);
	free(top.s);
	const json_t *rt = json_object_get(rec, "terms"), *pt = json_object_get(prop, "terms");
	if (rt == NULL || pt == NULL || json_equal(rt, pt))
		return; /* terms_on_record differs (named above), or the terms are equal */
	if (!json_equal(json_object_get(rt, "retention_until"),
	                json_object_get(pt, "retention_until")))
		text_add(t, "; retention_until");
	diff_ids(t, "recipients", json_object_get(rt, "recipients"),
	         json_object_get(pt, "recipients"));
	diff_keyed(t, "phases", json_object_get(rt, "phases"), json_object_get(pt, "phases"),
	           "number");
	diff_keyed(t, "groups", json_object_get(rt, "groups"), json_object_get(pt, "groups"),
	           "code");
	diff_keyed(t, "variables", json_object_get(rt, "variables"),
	           json_object_get(pt, "variables"), "code");
}

/* Refuses with the accumulated differences, truncated to what struct err holds. */
static void refuse(struct err *e, const char *field, const struct text *t)
{
	const char *s = t->s != NULL ? t->s : "";
	if (strncmp(s, "; ", 2) == 0)
		s += 2;
	if (strlen(s) > 440)
		err_set_field(e, ERR_CONFLICT, field, "%.440s...", s);
	else
		err_set_field(e, ERR_CONFLICT, field, "%s", s);
}

/* ---- loading -------------------------------------------------------------------- */

/* The JSON of terms_json_deliberation rebuilt from the registry's rows. */
/* The deliberation as terms JSON: every recorded version, or with approved_only the
 * approved ones only (what counts for terms, checks and retention). */
static json_t *load_json(PGconn *db, const char *reference, bool approved_only, struct err *e)
{
	json_t *h = store_registry_deliberation_get(db, reference, false, e);
	if (h == NULL)
		return NULL;
	json_t *d = json_pack(
	    "{s:O, s:O, s:O, s:O, s:O, s:O}", "reference", json_object_get(h, "reference"),
	    "chamber", json_object_get(h, "chamber"), "title", json_object_get(h, "title"),
	    "purpose", json_object_get(h, "purpose"), "legal_basis",
	    json_object_get(h, "legal_basis"), "duties", json_object_get(h, "duties"));
	json_decref(h);
	json_t *recips = store_registry_deliberation_recipients(db, reference, e);
	struct store_version *v = NULL;
	size_t n = 0;
	json_t *versions = json_array();
	bool ok = d != NULL && recips != NULL && versions != NULL &&
	          store_registry_versions(db, reference, &v, &n, e);
	for (size_t i = 0; ok && i < n; i++) {
		if (approved_only && strcmp(v[i].state, "approved") != 0)
			continue;
		json_error_t je;
		json_t *vj = json_loads(v[i].terms_json, 0, &je);
		if (vj == NULL) {
			err_set(e, ERR_INTERNAL, "the recorded version %d of %s is not JSON",
			        v[i].number, reference);
			ok = false;
		} else {
			json_array_append_new(versions, vj);
		}
	}
	store_registry_versions_free(v, n);
	if (ok && approved_only && json_array_size(versions) == 0) {
		err_set_field(e, ERR_NOT_FOUND, "reference",
		              "deliberation %s has no approved version yet", reference);
		ok = false;
	}
	if (!ok) {
		if (d == NULL || versions == NULL)
			err_set(e, ERR_INTERNAL, "out of memory");
		json_decref(d);
		json_decref(recips);
		json_decref(versions);
		return NULL;
	}
	json_object_set_new(d, "recipients", recips);
	json_object_set_new(d, "versions", versions);
	return d;
}

struct terms_deliberation *registry_load(PGconn *db, const char *reference, struct err *e)
{
	json_t *j = load_json(db, reference, true, e);
	if (j == NULL)
		return NULL;
	struct err pe = {0};
	struct terms_deliberation *d = terms_json_parse(j, &pe);
	json_decref(j);
	if (d == NULL)
		err_set(e, ERR_INTERNAL, "the recorded terms of %s do not load: %s", reference,
		        pe.message);
	return d;
}

/* Every recorded version, whatever its state (for comparing and numbering). */
static struct terms_deliberation *load_model(PGconn *db, const char *reference, struct err *e)
{
	json_t *j = load_json(db, reference, false, e);
	if (j == NULL)
		return NULL;
	struct err pe = {0};
	struct terms_deliberation *d = terms_json_parse(j, &pe);
	json_decref(j);
	if (d == NULL)
		err_set(e, ERR_INTERNAL, "the recorded terms of %s do not load: %s", reference,
		        pe.message);
	return d;
}

/* ---- recording ------------------------------------------------------------------ */

/* Versions recorded by a credential (the API, deliberd import --as) are proposed and
 * wait for a second governance credential; an operator's import without --as (cli:
 * actors, who hold the database configuration anyway) records them approved. */
static bool proposes(const char *actor)
{
	return strncmp(actor, "credential:", 11) == 0;
}

/* Does the proposed header match the recorded one?  Names the differing fields. */
static bool same_header(const json_t *rec, const struct terms_deliberation *d, struct err *e)
{
	json_t *prop = terms_json_deliberation(d);
	if (prop == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	static const char *const keys[] = {"chamber", "title", "purpose", "legal_basis", "duties"};
	struct text t = {0};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!json_equal(json_object_get(rec, keys[i]), json_object_get(prop, keys[i])))
			text_add(&t, "%s%s", t.len > 0 ? ", " : "", keys[i]);
	json_decref(prop);
	if (t.len == 0)
		return true;
	struct text msg = {0};
	text_add(&msg,
	         "the header of %s differs from the recorded one (%s); a recorded "
	         "deliberation's header cannot change",
	         d->reference, t.s);
	refuse(e, "deliberation", &msg);
	free(t.s);
	free(msg.s);
	return false;
}

/* Creates the recipients the model describes that are not registered yet and links
 * every one of them to the deliberation. */
static bool record_recipients(PGconn *db, const struct terms_deliberation *d, const char *actor,
                              struct registry_result *out, struct err *e)
{
	json_t *linked = store_registry_deliberation_recipients(db, d->reference, e);
	if (linked == NULL)
		return false;
	bool ok = true;
	for (size_t i = 0; ok && i < d->nrecipients; i++) {
		const struct terms_recipient *r = &d->recipients[i];
		struct store_recipient cur;
		bool found = false;
		char object[96];
		snprintf(object, sizeof(object), "recipient:%s", r->id);
		ok = store_registry_recipient_get(db, r->id, &cur, &found, e);
		if (ok && !found) {
			ok = store_registry_recipient_insert(db, r, NULL, NULL, actor, e) &&
			     registry_audit_event(db, actor, "recipient.add", object,
			                          json_pack("{s:s, s:s, s:s, s:s}", "id", r->id,
			                                    "name", r->name ? r->name : "",
			                                    "organisation",
			                                    r->organisation ? r->organisation : "",
			                                    "via", d->reference),
			                          e);
			out->recipients_added += ok;
			out->changed = true;
		} else if (ok) {
			struct text t = {0};
			if (strcmp(cur.name, r->name ? r->name : "") != 0)
				text_add(&t, "name");
			if (strcmp(cur.organisation, r->organisation ? r->organisation : "") != 0)
				text_add(&t, "%sorganisation", t.len > 0 ? ", " : "");
			if (strcmp(cur.contact, r->contact ? r->contact : "") != 0)
				text_add(&t, "%scontact", t.len > 0 ? ", " : "");
			size_t used = strlen(out->kept_recipients);
			if (t.len > 0 &&
			    used + strlen(r->id) + t.len + 8 < sizeof(out->kept_recipients))
				snprintf(out->kept_recipients + used,
				         sizeof(out->kept_recipients) - used, "%s%s (%s)",
				         used > 0 ? ", " : "", r->id, t.s);
			free(t.s);
			store_registry_recipient_free(&cur);
		}
		bool is_linked = false;
		size_t j;
		const json_t *x;
		json_array_foreach(linked, j, x) is_linked =
		    is_linked || strcmp(json_string_value(json_object_get(x, "id")), r->id) == 0;
		if (ok && !is_linked) {
			char dobj[64];
			snprintf(dobj, sizeof(dobj), "deliberation:%s", d->reference);
			ok = store_registry_link_recipient(db, d->reference, r->id, e) &&
			     registry_audit_event(db, actor, "deliberation.recipient_link", dobj,
			                          json_pack("{s:s}", "recipient", r->id), e);
			out->changed = true;
		}
	}
	json_decref(linked);
	return ok;
}

/* Stores one new version with its audit event.  prev_until: the retention deadline of
 * the latest earlier version on record (0: none), for the event and the hook. */
static const char *nz_text(const char *s)
{
	return s != NULL ? s : "";
}

static bool record_version(PGconn *db, const struct terms_deliberation *d,
                           const struct terms_version *v, int32_t prev_until, const char *actor,
                           const struct registry_proposal *prop, struct err *e)
{
	json_t *vj = terms_json_version(d, v);
	char *canon = terms_json_canonical(vj);
	json_decref(vj);
	if (canon == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	char sha[65], object[64];
	if (!hex_sha256(canon, strlen(canon), sha)) {
		free(canon);
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	snprintf(object, sizeof(object), "deliberation:%s/version:%d", d->reference, v->number);
	bool ok = store_registry_version_insert(db, d->reference, v, canon, sha, actor, e);
	free(canon);
	if (!ok)
		return false;
	json_t *details =
	    json_pack("{s:s, s:i, s:o, s:o, s:b, s:o, s:s, s:o}", "reference", d->reference,
	              "version", v->number, "decided_on", date_json(v->decided_on), "in_force_from",
	              date_json(v->in_force_from), "terms_on_record", v->on_record,
	              "retention_until", date_json(v->on_record ? v->body.retention_until : 0),
	              "terms_sha256", sha, "previous_retention_until", date_json(prev_until));
	bool proposed = proposes(actor);
	if (!store_registry_approval_insert(
	        db, d->reference, v->number, proposed ? "proposed" : "approved", actor,
	        prop != NULL ? prop->decision_reference : NULL, prop != NULL && prop->retroactive,
	        prop != NULL ? prop->reason : NULL, e))
		return false;
	json_object_set_new(details, "state", json_string(proposed ? "proposed" : "approved"));
	if (prop != NULL && prop->decision_reference != NULL)
		json_object_set_new(details, "decision_reference",
		                    json_string(prop->decision_reference));
	if (prop != NULL && prop->retroactive) {
		json_object_set_new(details, "retroactive", json_true());
		json_object_set_new(details, "reason", json_string(nz_text(prop->reason)));
	}
	if (!registry_audit_event(db, actor,
	                          proposed ? "deliberation.version_propose"
	                                   : "deliberation.version_record",
	                          object, details, e))
		return false;
	/* TODO(retention): an amendment that moves the deadline (earlier or later) is
	 * picked up by the retention scheduler, which compares the deadline of the
	 * version in force with that of open orders (store_retention_plan_cancellations).
	 * If retention.h grows a same-transaction hook, call it here:
	 *   retention_on_amendment(db, d->reference, prev_until, new_until, actor, e)
	 * for v->number > 1 when prev_until differs from v->body.retention_until. */
	return true;
}

bool registry_record(PGconn *db, const struct terms_deliberation *d, enum registry_mode mode,
                     const char *actor, struct registry_result *out, struct err *e)
{
	return registry_propose(db, d, mode, actor, NULL, out, e);
}

bool registry_propose(PGconn *db, const struct terms_deliberation *d, enum registry_mode mode,
                      const char *actor, const struct registry_proposal *prop,
                      struct registry_result *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	if (!db_begin(db, e))
		return false;
	struct err nf = {0};
	json_t *header = store_registry_deliberation_get(db, d->reference, true, &nf);
	struct store_version *rec = NULL;
	size_t nrec = 0;
	struct terms_deliberation *stored = NULL;
	bool ok = true;

	if (header == NULL && nf.kind != ERR_NOT_FOUND) {
		*e = nf;
		ok = false;
	} else if (header != NULL && mode == REGISTRY_CREATE) {
		err_set_field(e, ERR_CONFLICT, "reference", "deliberation %s is already registered",
		              d->reference);
		ok = false;
	} else if (header == NULL && mode == REGISTRY_AMEND) {
		err_set_field(e, ERR_NOT_FOUND, "reference", "no deliberation %s is registered",
		              d->reference);
		ok = false;
	}
	if (ok && header != NULL)
		ok = same_header(header, d, e) &&
		     store_registry_versions(db, d->reference, &rec, &nrec, e);

	/* Recorded versions the model also has must be identical to it. */
	struct text diff = {0};
	for (size_t i = 0; ok && i < nrec && i < d->nversions; i++) {
		json_t *pj = terms_json_version(d, &d->versions[i]);
		char *canon = terms_json_canonical(pj);
		bool same = canon != NULL && strcmp(canon, rec[i].terms_json) == 0;
		free(canon);
		if (!same) {
			/* Compare as models: a stored record in an older canonical form
			 * that means the same is not a change. */
			if (stored == NULL)
				stored = load_model(db, d->reference, e);
			json_t *rj = stored != NULL && i < stored->nversions
			                 ? terms_json_version(stored, &stored->versions[i])
			                 : NULL;
			if (rj == NULL || pj == NULL) {
				ok = false;
			} else if (!json_equal(rj, pj)) {
				text_add(&diff,
				         "; version %d of %s differs from the recorded one: ",
				         d->versions[i].number, d->reference);
				struct text one = {0};
				diff_version(&one, rj, pj);
				text_add(&diff, "%s", one.s != NULL ? one.s + 2 : "");
				free(one.s);
			}
			json_decref(rj);
		}
		json_decref(pj);
	}
	if (ok && diff.len > 0) {
		refuse(e, "version", &diff);
		ok = false;
	}
	free(diff.s);
	if (ok && mode == REGISTRY_AMEND && d->nversions != nrec + 1) {
		if (d->nversions <= nrec)
			err_set_field(e, ERR_CONFLICT, "number",
			              "version %zu of %s is already recorded: an amendment "
			              "must be version %zu",
			              d->nversions, d->reference, nrec + 1);
		else
			err_set_field(e, ERR_INVALID, "number",
			              "an amendment adds one version: %zu is next, the body "
			              "goes up to %zu",
			              nrec + 1, d->nversions);
		ok = false;
	}

	if (ok && header == NULL) {
		char object[64];
		snprintf(object, sizeof(object), "deliberation:%s", d->reference);
		ok = store_registry_deliberation_insert(db, d, actor, e) &&
		     registry_audit_event(db, actor, "deliberation.register", object,
		                          json_pack("{s:s, s:s, s:s, s:i}", "reference",
		                                    d->reference, "title", d->title ? d->title : "",
		                                    "chamber", d->chamber ? d->chamber : "",
		                                    "versions", (int)d->nversions),
		                          e);
		out->created = ok;
		out->changed = true;
	}
	if (ok)
		ok = record_recipients(db, d, actor, out, e);

	/* An amendment in force before today is retroactive: explicitly, with a reason. */
	int32_t today = clock_brussels_date(clock_now());
	for (size_t i = nrec; ok && header != NULL && proposes(actor) && i < d->nversions; i++) {
		if (d->versions[i].in_force_from >= today)
			continue;
		if (prop == NULL || !prop->retroactive) {
			err_set_field(
			    e, ERR_INVALID, "retroactive",
			    "version %d of %s is in force from before today: a retroactive "
			    "amendment needs \"retroactive\": true and a reason",
			    d->versions[i].number, d->reference);
			ok = false;
		} else if (prop->reason == NULL || prop->reason[0] == '\0') {
			err_set_field(e, ERR_INVALID, "reason",
			              "a retroactive amendment needs a reason");
			ok = false;
		}
	}
	int32_t prev_until = 0;
	for (size_t i = 0; ok && i < d->nversions; i++) {
		const struct terms_version *v = &d->versions[i];
		if (i >= nrec) {
			ok = record_version(db, d, v, prev_until, actor, prop, e);
			if (out->first_new == 0)
				out->first_new = v->number;
			out->last_new = v->number;
			out->changed = true;
		}
		if (v->on_record)
			prev_until = v->body.retention_until;
	}

	json_decref(header);
	store_registry_versions_free(rec, nrec);
	terms_free(stored);
	if (ok && out->changed)
		ok = db_commit(db, e);
	else
		db_rollback(db); /* nothing changed, or a refusal */
	if (!ok) {
		out->created = out->changed = false;
		out->first_new = out->last_new = out->recipients_added = 0;
	}
	return ok;
}

/* Parser errors of the wrapped amendment name "versions[k].x": the caller sent only
 * the version, so its fields are named from there. */
static void strip_prefix(struct err *e, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(e->field, prefix, n) == 0)
		memmove(e->field, e->field + n, strlen(e->field + n) + 1);
	char *p;
	while ((p = strstr(e->message, prefix)) != NULL)
		memmove(p, p + n, strlen(p + n) + 1);
}

static bool amend_version(PGconn *db, const char *reference, const json_t *version,
                          const char *actor, const struct registry_proposal *prop,
                          struct registry_result *out, struct err *e);

bool registry_amend_json(PGconn *db, const char *reference, const json_t *body, const char *actor,
                         struct registry_result *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	if (!json_is_object(body)) {
		err_set(e, ERR_INVALID, "an amendment is a JSON object (one version)");
		return false;
	}
	/* The decision's particulars are not terms: taken off before the terms parse. */
	struct registry_proposal prop = {0};
	const json_t *dr = json_object_get(body, "decision_reference");
	const json_t *retro = json_object_get(body, "retroactive");
	const json_t *reason = json_object_get(body, "reason");
	if (dr != NULL && !json_is_string(dr)) {
		err_set_field(e, ERR_INVALID, "decision_reference",
		              "decision_reference is a string");
		return false;
	}
	if (retro != NULL && !json_is_boolean(retro)) {
		err_set_field(e, ERR_INVALID, "retroactive", "retroactive is true or false");
		return false;
	}
	if (reason != NULL && !json_is_string(reason)) {
		err_set_field(e, ERR_INVALID, "reason", "reason is a string");
		return false;
	}
	prop.decision_reference = json_string_value(dr);
	prop.retroactive = json_is_true(retro);
	prop.reason = json_string_value(reason);
	const json_t *sha = json_object_get(body, "source_sha256");
	if (proposes(actor)) {
		if (prop.decision_reference == NULL || prop.decision_reference[0] == '\0' ||
		    strlen(prop.decision_reference) > 200) {
			err_set_field(e, ERR_INVALID, "decision_reference",
			              "decision_reference (the committee's decision, at most 200 "
			              "characters) is required");
			return false;
		}
		if (!json_is_string(sha) || json_string_length(sha) != 64) {
			err_set_field(e, ERR_INVALID, "source_sha256",
			              "source_sha256 (the SHA-256 of the signed decision, 64 hex "
			              "digits) is required");
			return false;
		}
		if (json_object_get(body, "decided_on") == NULL ||
		    json_object_get(body, "in_force_from") == NULL) {
			err_set_field(e, ERR_INVALID,
			              json_object_get(body, "decided_on") == NULL ? "decided_on"
			                                                          : "in_force_from",
			              "decided_on and in_force_from are required");
			return false;
		}
	}
	json_t *version = json_copy((json_t *)body);
	if (version == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	json_object_del(version, "decision_reference");
	json_object_del(version, "retroactive");
	json_object_del(version, "reason");
	bool done = amend_version(db, reference, version, actor, &prop, out, e);
	json_decref(version);
	return done;
}

static bool amend_version(PGconn *db, const char *reference, const json_t *version,
                          const char *actor, const struct registry_proposal *prop,
                          struct registry_result *out, struct err *e)
{
	const json_t *num = json_object_get(version, "number");
	if (!json_is_integer(num)) {
		err_set_field(e, ERR_INVALID, "number", "number is required (an integer)");
		return false;
	}
	const json_t *ref = json_object_get(version, "reference");
	if (ref != NULL &&
	    !(json_is_string(ref) && strcmp(json_string_value(ref), reference) == 0)) {
		err_set_field(e, ERR_INVALID, "reference", "reference must be %s (as in the URL)",
		              reference);
		return false;
	}
	json_t *d = load_json(db, reference, false, e);
	if (d == NULL)
		return false;
	json_t *versions = json_object_get(d, "versions"),
	       *recips = json_object_get(d, "recipients");
	size_t nrec = json_array_size(versions);
	json_int_t number = json_integer_value(num);
	bool ok = true;
	if (number >= 1 && (size_t)number <= nrec) {
		err_set_field(e, ERR_CONFLICT, "number",
		              "version %lld of %s is already recorded: an amendment must be "
		              "version %zu",
		              (long long)number, reference, nrec + 1);
		ok = false;
	} else if (number != (json_int_t)nrec + 1) {
		err_set_field(e, ERR_INVALID, "number", "the next version of %s is %zu", reference,
		              nrec + 1);
		ok = false;
	}
	/* Registered recipients the version names join the deliberation's list. */
	const json_t *named = json_object_get(json_object_get(version, "terms"), "recipients");
	size_t i;
	const json_t *id;
	json_array_foreach(named, i, id)
	{
		if (!ok || !json_is_string(id) || find_keyed(recips, "id", id) != NULL)
			continue;
		struct store_recipient r;
		bool found = false;
		ok = store_registry_recipient_get(db, json_string_value(id), &r, &found, e);
		if (ok && found)
			json_array_append_new(recips,
			                      json_pack("{s:s, s:s, s:s, s:s}", "id", r.id, "name",
			                                r.name, "organisation", r.organisation,
			                                "contact", r.contact));
		store_registry_recipient_free(&r);
	}
	struct terms_deliberation *model = NULL;
	if (ok) {
		json_array_append_new(versions, json_deep_copy(version));
		model = terms_json_parse(d, e);
		if (model == NULL) {
			char prefix[32];
			snprintf(prefix, sizeof(prefix), "versions[%zu].", nrec);
			strip_prefix(e, prefix);
			ok = false;
		}
	}
	json_decref(d);
	if (ok)
		ok = registry_propose(db, model, REGISTRY_AMEND, actor, prop, out, e);
	terms_free(model);
	return ok;
}

/* ---- decisions ------------------------------------------------------------------- */

json_t *registry_decide(PGconn *db, const char *reference, int number, bool approve,
                        const char *actor, struct err *e)
{
	if (!db_begin(db, e))
		return NULL;
	struct store_version *v = NULL;
	size_t n = 0;
	json_t *h = store_registry_deliberation_get(db, reference, true, e);
	json_t *decided = json_array();
	bool ok = h != NULL && decided != NULL && store_registry_versions(db, reference, &v, &n, e);
	json_decref(h);
	int32_t today = clock_brussels_date(clock_now());
	size_t count = 0;
	for (size_t i = 0; ok && i < n; i++) {
		if (number != 0 ? v[i].number != number : strcmp(v[i].state, "proposed") != 0)
			continue;
		count++;
		ok = store_registry_approval_decide(db, reference, v[i].number,
		                                    approve ? "approved" : "rejected", actor, e);
		if (!ok)
			break;
		json_t *one = json_pack("{s:i, s:s, s:s, s:s, s:s, s:b}", "version", v[i].number,
		                        "state", approve ? "approved" : "rejected", "proposed_by",
		                        v[i].proposed_by, "decided_by", actor, "decision_reference",
		                        v[i].decision_reference, "retroactive", v[i].retroactive);
		/* Checks dated from the retroactive in_force_from were judged under terms
		 * that this version now supersedes. */
		if (approve && v[i].retroactive && v[i].in_force_from < today) {
			json_t *ids =
			    store_registry_checks_since(db, reference, v[i].in_force_from, e);
			ok = ids != NULL;
			json_object_set_new(one, "affected_deliveries",
			                    ids != NULL ? ids : json_array());
		}
		char object[64];
		snprintf(object, sizeof(object), "deliberation:%s/version:%d", reference,
		         v[i].number);
		ok = ok && registry_audit_event(db, actor,
		                                approve ? "deliberation.version_approve"
		                                        : "deliberation.version_reject",
		                                object, json_deep_copy(one), e);
		json_array_append_new(decided, one);
	}
	if (ok && count == 0) {
		if (number != 0)
			err_set_field(e, ERR_NOT_FOUND, "version",
			              "no version %d of %s is recorded", number, reference);
		else
			err_set_field(e, ERR_CONFLICT, "version", "%s has no proposed version",
			              reference);
		ok = false;
	}
	store_registry_versions_free(v, n);
	if (ok)
		ok = db_commit(db, e);
	else
		db_rollback(db);
	if (!ok) {
		json_decref(decided);
		return NULL;
	}
	return json_pack("{s:s, s:o}", "reference", reference, "versions", decided);
}

/* ---- views --------------------------------------------------------------------- */

json_t *registry_list(PGconn *db, const char *recipient, struct err *e)
{
	return store_registry_deliberation_list(db, recipient, e);
}

bool registry_names_recipient(PGconn *db, const char *reference, const char *recipient, bool *named,
                              struct err *e)
{
	return store_registry_names_recipient(db, reference, recipient, named, e);
}

static json_t *version_row_json(const struct store_version *v)
{
	json_t *o = json_pack("{s:i, s:o, s:o, s:s, s:s, s:s, s:s, s:b, s:o, s:s}", "version",
	                      v->number, "decided_on", date_json(v->decided_on), "in_force_from",
	                      date_json(v->in_force_from), "recorded_at", v->recorded_at,
	                      "recorded_by", v->recorded_by, "summary", v->summary, "source_sha256",
	                      v->source_sha256, "terms_on_record", v->on_record, "retention_until",
	                      date_json(v->retention_until), "terms_sha256", v->terms_sha256);
	if (o != NULL) {
		json_object_set_new(o, "state", json_string(v->state));
		json_object_set_new(o, "proposed_by", json_string(v->proposed_by));
		json_object_set_new(o, "approved_by",
		                    strcmp(v->state, "approved") == 0 && v->decided_by != NULL
		                        ? json_string(v->decided_by)
		                        : json_null());
		json_object_set_new(o, "decided_by",
		                    v->decided_by != NULL ? json_string(v->decided_by)
		                                          : json_null());
		json_object_set_new(o, "decision_reference", json_string(v->decision_reference));
		json_object_set_new(o, "retroactive", json_boolean(v->retroactive));
		if (v->retroactive)
			json_object_set_new(o, "reason", json_string(v->reason));
	}
	return o;
}

json_t *registry_versions(PGconn *db, const char *reference, struct err *e)
{
	struct store_version *v = NULL;
	size_t n = 0;
	json_t *h = store_registry_deliberation_get(db, reference, false, e);
	if (h == NULL)
		return NULL;
	json_decref(h);
	if (!store_registry_versions(db, reference, &v, &n, e))
		return NULL;
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, version_row_json(&v[i]));
	store_registry_versions_free(v, n);
	if (a == NULL)
		err_set(e, ERR_INTERNAL, "out of memory");
	return a;
}

json_t *registry_get(PGconn *db, const char *reference, struct err *e)
{
	json_t *h = store_registry_deliberation_get(db, reference, false, e);
	if (h == NULL)
		return NULL;
	json_t *recips = store_registry_deliberation_recipients(db, reference, e);
	json_t *versions = recips != NULL ? registry_versions(db, reference, e) : NULL;
	if (versions == NULL) {
		json_decref(h);
		json_decref(recips);
		return NULL;
	}
	json_object_del(h, "recorded_by");
	json_object_set_new(h, "recipients", recips);
	json_object_set_new(h, "versions", versions);
	return h;
}

/* The version in force on date, from a loaded model; ERR_NOT_FOUND naming the date. */
static const struct terms_version *version_at(const struct terms_deliberation *d, int32_t date,
                                              struct err *e)
{
	const struct terms_version *v = terms_version_at(d, date);
	if (v == NULL) {
		char buf[11];
		terms_date_format(date, buf);
		err_set_field(e, ERR_NOT_FOUND, "at", "no version of %s was in force on %s",
		              d->reference, buf);
	}
	return v;
}

/* Has the retention period of a version ended on date?  (Only terms on record have
 * one.) */
static bool retention_ended(bool on_record, int32_t until, int32_t date)
{
	return on_record && date > until;
}

bool registry_version_at(PGconn *db, const char *reference, int32_t date,
                         struct registry_version_id *out, struct err *e)
{
	struct store_version_id v;
	memset(out, 0, sizeof(*out));
	if (!store_registry_version_at(db, reference, date, &v, e))
		return false;
	out->number = v.number;
	memcpy(out->terms_sha256, v.terms_sha256, sizeof(out->terms_sha256));
	out->retention_ended = retention_ended(v.on_record, v.retention_until, date);
	return true;
}

json_t *registry_terms(PGconn *db, const char *reference, int32_t date, struct err *e)
{
	struct terms_deliberation *d = registry_load(db, reference, e);
	if (d == NULL)
		return NULL;
	const struct terms_version *v = version_at(d, date, e);
	json_t *vj = v != NULL ? terms_json_version(d, v) : NULL;
	json_t *out = NULL;
	if (vj != NULL) {
		const json_t *t = json_object_get(vj, "terms");
		char *canon = terms_json_canonical(vj);
		char sha[65] = "";
		if (canon != NULL)
			(void)hex_sha256(canon, strlen(canon), sha); /* "" matches nothing */
		free(canon);
		bool rec = v->on_record;
		json_t *parts[4];
		static const char *const names[4] = {"recipients", "groups", "phases", "variables"};
		for (size_t i = 0; i < 4; i++)
			parts[i] = rec ? json_incref(json_object_get(t, names[i])) : json_array();
		out = json_pack(
		    "{s:s, s:i, s:o, s:o, s:b, s:o, s:b, s:o, s:o, s:o, s:o, s:O, s:O, s:s}",
		    "reference", d->reference, "version", v->number, "decided_on",
		    date_json(v->decided_on), "in_force_from", date_json(v->in_force_from),
		    "terms_on_record", rec, "retention_until",
		    date_json(rec ? v->body.retention_until : 0), "retention_ended",
		    retention_ended(rec, v->body.retention_until, date), "recipients", parts[0],
		    "groups", parts[1], "phases", parts[2], "variables", parts[3], "summary",
		    json_object_get(vj, "summary"), "source_sha256",
		    json_object_get(vj, "source_sha256"), "terms_sha256", sha);
		json_decref(vj);
		/* Additive keys: the date asked about, and the plain names a reader looks
		 * for (number = version, deadline = retention_until). */
		if (out != NULL &&
		    (json_object_set_new(out, "in_force", json_true()) != 0 ||
		     json_object_set_new(out, "at", date_json(date)) != 0 ||
		     json_object_set_new(out, "number", json_integer(v->number)) != 0 ||
		     json_object_set(out, "deadline", json_object_get(out, "retention_until")) !=
		         0)) {
			json_decref(out);
			out = NULL;
		}
		if (out == NULL)
			err_set(e, ERR_INTERNAL, "out of memory");
	} else if (v != NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
	}
	terms_free(d);
	return out;
}

bool registry_err_not_in_force(const struct err *e)
{
	return e->kind == ERR_NOT_FOUND && strcmp(e->field, "at") == 0;
}

json_t *registry_odrl(PGconn *db, const char *reference, int32_t date, struct err *e)
{
	struct terms_deliberation *d = registry_load(db, reference, e);
	if (d == NULL)
		return NULL;
	const struct terms_version *v = version_at(d, date, e);
	json_t *out = v != NULL ? odrl_agreement(d, v, e) : NULL;
	terms_free(d);
	return out;
}
