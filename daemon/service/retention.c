/*
 * retention: the scheduler round, the no-longer-needed trigger and the serve
 * timer.  A round plans with read-only queries (store_retention_plan_*) and
 * then acts item by item, each in its own transaction with its audit event and
 * its outbox notification, so a crash loses at most the item in flight, which
 * the next round redoes.  Idempotency does not rest on the plan: the database
 * refuses a second live order for a delivery, a second reminder for a
 * threshold, a status change out of a final state.
 */
#include "retention.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include <openssl/evp.h>

#include "attest.h"
#include "audit.h"
#include "clock.h"
#include "hex.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "outbox.h"
#include "store_retention.h"

/* After the due date, recipients are reminded every this many days. */
#define RETENTION_AFTER_DUE_PERIOD_DAYS 7
#define RETENTION_LOCK_WAIT_MS 30000
#define RETENTION_NOTE_MAX 1000

/* The serve-side service runs on a thread of its own with its own event_base,
 * so that a slow or unreachable database never delays the main loop (signals,
 * draining).  Only `pending` is shared with the main thread, under `lock`. */
struct retention_service {
	struct event_base *base;
	pthread_t thread;
	bool started;
	struct config *c; /* the retention thread's */
	PGconn *db;
	struct event *timer;
	struct event *first;
	struct event *reload;
	struct outbox *outbox;
	bool db_warned;
	pthread_mutex_t lock;
	struct config *pending; /* a reloaded config not yet taken */
};

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int64_t jint(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* A round's items each run in a transaction of their own; in a dry run the whole
 * round is one transaction rolled back at the end, and each item a savepoint in
 * it, so that a dry run does exactly what the real round does, then undoes it. */
struct round_ctx {
	PGconn *db;
	const struct config *c;
	const char *now; /* RFC 3339 */
	const char *actor;
	bool dry;
	json_t *created; /* ids of orders created by this round (reported as null) */
};

static bool exec_simple(PGconn *db, const char *sql, struct err *e)
{
	PGresult *r = db_exec(db, e, sql, 0, NULL);
	PQclear(r);
	return r != NULL;
}

static bool in_txn(PGconn *db, struct err *e)
{
	return db_begin(db, e);
}

/* Commits, or rolls back and keeps e when something before failed. */
static bool end_txn(PGconn *db, bool ok, struct err *e)
{
	if (!ok) {
		db_rollback(db);
		return false;
	}
	return db_commit(db, e);
}

static bool item_begin(const struct round_ctx *rc, struct err *e)
{
	return rc->dry ? exec_simple(rc->db, "SAVEPOINT round_item", e) : in_txn(rc->db, e);
}

static bool item_end(const struct round_ctx *rc, bool ok, struct err *e)
{
	if (!rc->dry)
		return end_txn(rc->db, ok, e);
	if (!ok) {
		struct err ignore = {0};
		(void)exec_simple(rc->db, "ROLLBACK TO SAVEPOINT round_item", &ignore);
		return false;
	}
	return exec_simple(rc->db, "RELEASE SAVEPOINT round_item", e);
}

/* The order id as a report shows it: null for an order this round created, whose
 * id a dry run cannot know (the real round draws another from the sequence). */
static json_t *report_order_id(const struct round_ctx *rc, int64_t id)
{
	size_t i;
	json_t *v;
	json_array_foreach(rc->created, i, v) if (json_integer_value(v) == id) return json_null();
	return json_integer(id);
}

/* Announces an event about an order; payload is stolen. */
static bool notify(PGconn *db, const char *audience, const char *recipient, const char *event,
                   int64_t order_id, json_t *payload, struct err *e)
{
	if (payload == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	char link[64];
	snprintf(link, sizeof(link), "/v1/destructions/%" PRId64, order_id);
	json_object_set_new(payload, "order_id", json_integer(order_id));
	json_object_set_new(payload, "links", json_pack("{s:s}", "order", link));
	bool ok = outbox_enqueue(db, audience, recipient, event, payload, e);
	json_decref(payload);
	return ok;
}

static int id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* The compact name of a set of deliveries: their count and the SHA-256 (hex) of
 * the ascending decimal ids, each followed by a newline.  The ids themselves are
 * in destruction_order_deliveries; an audit record of any size of order stays
 * small. */
static bool ids_digest(const json_t *ids, char out[65], struct err *e)
{
	size_t n = json_array_size(ids);
	int64_t *v = malloc(sizeof(int64_t) * (n > 0 ? n : 1));
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	bool ok = v != NULL && md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (size_t i = 0; ok && i < n; i++)
		v[i] = json_integer_value(json_array_get(ids, i));
	if (ok)
		qsort(v, n, sizeof(int64_t), id_cmp);
	for (size_t i = 0; ok && i < n; i++) {
		char b[24];
		int l = snprintf(b, sizeof(b), "%" PRId64 "\n", v[i]);
		ok = EVP_DigestUpdate(md, b, (size_t)l);
	}
	unsigned char h[32];
	unsigned int hl = 0;
	ok = ok && EVP_DigestFinal_ex(md, h, &hl) && hl == 32;
	if (ok)
		hex_encode(h, 32, out);
	else
		err_set(e, ERR_INTERNAL, "cannot digest the delivery ids");
	EVP_MD_CTX_free(md);
	free(v);
	return ok;
}

/* Adds ids to order id (open) inside the caller's transaction. */
static bool order_add(PGconn *db, int64_t id, const json_t *ids, struct err *e)
{
	char *ids_json = json_dumps(ids, JSON_COMPACT);
	if (ids_json == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	int added = 0;
	bool ok = store_retention_add_deliveries(db, id, ids_json, &added, e);
	free(ids_json);
	if (ok && (size_t)added != json_array_size(ids)) {
		err_set(e, ERR_CONFLICT, "some deliveries are no longer orderable");
		ok = false;
	}
	return ok;
}

/* Creates an open order covering ids, inside the caller's transaction. */
static bool order_create(PGconn *db, const struct store_order_new *o, json_t *ids, int64_t *id,
                         struct err *e)
{
	char digest[65];
	if (!ids_digest(ids, digest, e) || !store_retention_insert_order(db, o, id, e) ||
	    !order_add(db, *id, ids, e))
		return false;
	json_t *details =
	    json_pack("{s:s,s:s,s:s,s:s,s:I,s:s}", "deliberation", o->deliberation, "recipient",
	              o->recipient, "trigger", o->trigger, "due_at", o->due_at, "deliveries",
	              (json_int_t)json_array_size(ids), "deliveries_sha256", digest);
	if (details != NULL && o->version > 0)
		json_object_set_new(details, "version", json_integer(o->version));
	if (details != NULL && o->retention_until != NULL)
		json_object_set_new(details, "retention_until", json_string(o->retention_until));
	if (details != NULL && o->note != NULL && o->note[0] != '\0')
		json_object_set_new(details, "note", json_string(o->note));
	json_t *payload = json_deep_copy(details);
	if (!audit_append_object(db, o->ordered_by, "destruction.ordered", "destruction_order", *id,
	                         details, e)) {
		json_decref(payload);
		return false;
	}
	return notify(db, "recipient", o->recipient, "destruction.ordered", *id, payload, e);
}

/* An item failed: conflicts (another process, a race) are skipped, anything else
 * ends the round. */
static bool item_failed(const char *what, struct err *e)
{
	if (e->kind == ERR_CONFLICT) {
		log_info("retention: %s skipped: %s", what, e->message);
		err_clear(e);
		return true;
	}
	return false;
}

static bool step_cancellations(const struct round_ctx *rc, json_t *out, struct err *e)
{
	PGconn *db = rc->db;
	json_t *plan = store_retention_plan_cancellations(db, rc->now, e);
	if (plan == NULL)
		return false;
	size_t i;
	json_t *p;
	bool ok = true;
	json_array_foreach(plan, i, p)
	{
		int64_t id = jint(p, "id");
		char reason[200];
		snprintf(reason, sizeof(reason),
		         "retention extended to %s by version %" PRId64 " of %s (was %s)",
		         jstr(p, "new_retention_until"), jint(p, "new_version"),
		         jstr(p, "deliberation"), jstr(p, "retention_until"));
		json_t *item = json_pack("{s:I,s:s,s:s,s:s}", "order", (json_int_t)id,
		                         "deliberation", jstr(p, "deliberation"), "recipient",
		                         jstr(p, "recipient"), "reason", reason);
		bool changed = false;
		bool step = item_begin(rc, e) &&
		            store_retention_cancel(db, id, rc->now, reason, &changed, e);
		if (step && changed)
			step = audit_append_object(
			           db, rc->actor, "destruction.cancelled", "destruction_order", id,
			           json_pack("{s:s,s:s,s:s,s:s}", "deliberation",
			                     jstr(p, "deliberation"), "recipient",
			                     jstr(p, "recipient"), "reason", reason,
			                     "new_retention_until", jstr(p, "new_retention_until")),
			           e) &&
			       notify(db, "recipient", jstr(p, "recipient"),
			              "destruction.cancelled", id,
			              json_pack("{s:s,s:s,s:s}", "deliberation",
			                        jstr(p, "deliberation"), "recipient",
			                        jstr(p, "recipient"), "reason", reason),
			              e);
		if (!item_end(rc, step, e)) {
			json_decref(item);
			if (item_failed("cancellation", e))
				continue;
			ok = false;
			break;
		}
		if (changed) {
			if (!rc->dry)
				log_info("retention: destruction order %" PRId64 " cancelled: %s",
				         id, reason);
			json_array_append_new(out, item);
		} else {
			json_decref(item);
		}
	}
	json_decref(plan);
	return ok;
}

static bool step_orders(const struct round_ctx *rc, json_t *out, struct err *e)
{
	PGconn *db = rc->db;
	json_t *plan = store_retention_plan_orders(db, rc->now, rc->c->order_lead_days, e);
	if (plan == NULL)
		return false;
	size_t i;
	json_t *p;
	bool ok = true;
	json_array_foreach(plan, i, p)
	{
		const char *trigger =
		    json_is_true(json_object_get(p, "shortened")) ? "amendment" : "deadline";
		struct store_order_new o = {
		    .deliberation = jstr(p, "deliberation"),
		    .recipient = jstr(p, "recipient"),
		    .trigger = trigger,
		    .version = (int)jint(p, "version"),
		    .retention_until = jstr(p, "retention_until"),
		    .due_at = jstr(p, "due_at"),
		    .note = "",
		    .ordered_at = rc->now,
		    .ordered_by = rc->actor,
		};
		json_t *ids = json_object_get(p, "deliveries");
		int64_t join = jint(p, "join"), id = join;
		char digest[65];
		if (!ids_digest(ids, digest, e)) {
			ok = false;
			break;
		}
		json_t *item = json_pack(
		    "{s:s,s:s,s:s,s:i,s:s,s:s,s:I,s:s}", "deliberation", o.deliberation,
		    "recipient", o.recipient, "trigger", trigger, "version", o.version,
		    "retention_until", o.retention_until, "due_at", o.due_at, "deliveries",
		    (json_int_t)json_array_size(ids), "deliveries_sha256", digest);
		bool step = item_begin(rc, e);
		if (step && join > 0) {
			/* Deliveries shipped after the order was issued join it. */
			step = order_add(db, join, ids, e) &&
			       audit_append_object(
			           db, rc->actor, "destruction.joined", "destruction_order", join,
			           json_pack("{s:s,s:s,s:I,s:s}", "deliberation", o.deliberation,
			                     "recipient", o.recipient, "deliveries",
			                     (json_int_t)json_array_size(ids), "deliveries_sha256",
			                     digest),
			           e);
		} else if (step) {
			step = order_create(db, &o, ids, &id, e);
		}
		if (step)
			retention_failpoint("round.ordered");
		if (!item_end(rc, step, e)) {
			json_decref(item);
			if (item_failed("order", e))
				continue;
			ok = false;
			break;
		}
		if (join == 0)
			json_array_append_new(rc->created, json_integer(id));
		json_object_set_new(item, "order", report_order_id(rc, id));
		json_object_set_new(item, "joined", json_boolean(join > 0));
		json_array_append_new(out, item);
		if (rc->dry)
			continue;
		log_info("retention: destruction order %" PRId64
		         " for %s of %s: %zu deliveries %s, "
		         "due %s",
		         id, o.recipient, o.deliberation, json_array_size(ids),
		         join > 0 ? "joined" : "ordered", o.due_at);
		if (join == 0)
			metrics_add_counter("deliberd_retention_orders_created_total", "", 1,
			                    "Destruction orders created");
		retention_failpoint("round.committed");
	}
	json_decref(plan);
	return ok;
}

static bool step_escalations(const struct round_ctx *rc, json_t *out, struct err *e)
{
	PGconn *db = rc->db;
	json_t *plan = store_retention_plan_escalations(db, rc->now, e);
	if (plan == NULL)
		return false;
	size_t i;
	json_t *p;
	bool ok = true;
	json_array_foreach(plan, i, p)
	{
		int64_t id = jint(p, "id");
		json_t *item = json_pack("{s:o,s:s,s:s,s:s,s:I}", "order", report_order_id(rc, id),
		                         "deliberation", jstr(p, "deliberation"), "recipient",
		                         jstr(p, "recipient"), "due_at", jstr(p, "due_at"),
		                         "days_late", (json_int_t)jint(p, "days_late"));
		json_t *ev =
		    json_pack("{s:s,s:s,s:s,s:I}", "deliberation", jstr(p, "deliberation"),
		              "recipient", jstr(p, "recipient"), "due_at", jstr(p, "due_at"),
		              "days_late", (json_int_t)jint(p, "days_late"));
		bool changed = false;
		bool step =
		    item_begin(rc, e) && store_retention_escalate(db, id, rc->now, &changed, e);
		if (step && changed)
			step =
			    audit_append_object(db, rc->actor, "destruction.escalated",
			                        "destruction_order", id, json_deep_copy(ev), e) &&
			    notify(db, "governance", NULL, "destruction.escalated", id,
			           json_deep_copy(ev), e) &&
			    notify(db, "recipient", jstr(p, "recipient"), "destruction.overdue", id,
			           json_deep_copy(ev), e);
		json_decref(ev);
		if (!item_end(rc, step, e)) {
			json_decref(item);
			if (item_failed("escalation", e))
				continue;
			ok = false;
			break;
		}
		if (changed) {
			if (!rc->dry) {
				log_warn("retention: destruction order %" PRId64 " for %s of %s is "
				         "overdue since %s: escalated to governance",
				         id, jstr(p, "recipient"), jstr(p, "deliberation"),
				         jstr(p, "due_at"));
				metrics_add_counter("deliberd_retention_escalations_total", "", 1,
				                    "Destruction orders escalated to governance");
			}
			json_array_append_new(out, item);
		} else {
			json_decref(item);
		}
	}
	json_decref(plan);
	return ok;
}

/* The reminder threshold reached with days_left to go: the smallest configured
 * number of days not below it; -1 when none is reached yet. */
static int before_threshold(const struct config *c, int64_t days_left)
{
	int best = -1;
	for (size_t i = 0; i < c->nreminder_days; i++) {
		int t = c->reminder_days[i];
		if (days_left <= t && (best < 0 || t < best))
			best = t;
	}
	return days_left < 0 ? -1 : best;
}

/* One planned reminder, recorded once (the database refuses a second for the same
 * threshold), audited and announced; listed in out when it was sent.  item is
 * stolen.  After due_at a reminder is also a repeated escalation to governance.
 * False ends the round (e set); a conflict only skips the reminder. */
static bool remind_item(const struct round_ctx *rc, const struct store_reminder_new *r,
                        json_t *item, json_t *out, struct err *e)
{
	if (item == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	PGconn *db = rc->db;
	int64_t rid = 0;
	bool after = strcmp(r->kind, "after_due") == 0;
	json_t *ev = json_deep_copy(item);
	json_object_del(ev, "order");
	bool step = item_begin(rc, e) && store_retention_insert_reminder(db, r, &rid, e);
	if (step && rid > 0)
		step = audit_append_object(
		           db, rc->actor, after ? "destruction.escalated" : "destruction.reminded",
		           "destruction_order", r->order_id, json_deep_copy(ev), e) &&
		       notify(db, "recipient", r->recipient, "destruction.reminder", r->order_id,
		              json_deep_copy(ev), e) &&
		       (!after || notify(db, "governance", NULL, "destruction.escalated",
		                         r->order_id, json_deep_copy(ev), e));
	json_decref(ev);
	if (!item_end(rc, step, e)) {
		json_decref(item);
		return item_failed("reminder", e);
	}
	if (rid > 0) {
		json_array_append_new(out, item);
		if (!rc->dry)
			metrics_add_counter("deliberd_retention_reminders_total", "", 1,
			                    "Destruction reminders recorded");
	} else {
		json_decref(item);
	}
	return true;
}

static bool step_reminders(const struct round_ctx *rc, json_t *out, struct err *e)
{
	PGconn *db = rc->db;
	json_t *before = store_retention_plan_before(db, rc->now, e);
	if (before == NULL)
		return false;
	json_t *after = store_retention_plan_after(db, rc->now, e);
	if (after == NULL) {
		json_decref(before);
		return false;
	}
	bool ok = true;
	size_t i;
	json_t *p;
	json_array_foreach(before, i, p)
	{
		int64_t left = jint(p, "days_left");
		int t = before_threshold(rc->c, left);
		if (t < 0)
			continue;
		struct store_reminder_new r = {
		    .kind = "before_due",
		    .deliberation = jstr(p, "deliberation"),
		    .recipient = jstr(p, "recipient"),
		    .order_id = jint(p, "id"),
		    .days = t,
		    .days_left = (int)left,
		    .created_at = rc->now,
		};
		json_t *item = json_pack("{s:s,s:o,s:s,s:s,s:s,s:i,s:i}", "kind", r.kind, "order",
		                         report_order_id(rc, r.order_id), "deliberation",
		                         r.deliberation, "recipient", r.recipient, "due_at",
		                         jstr(p, "due_at"), "days", t, "days_left", r.days_left);
		if (!remind_item(rc, &r, item, out, e)) {
			ok = false;
			break;
		}
	}
	json_array_foreach(after, i, p)
	{
		if (!ok)
			break;
		int64_t late = jint(p, "days_late");
		if (late < RETENTION_AFTER_DUE_PERIOD_DAYS)
			continue;
		int t =
		    (int)(late / RETENTION_AFTER_DUE_PERIOD_DAYS * RETENTION_AFTER_DUE_PERIOD_DAYS);
		struct store_reminder_new r = {
		    .kind = "after_due",
		    .deliberation = jstr(p, "deliberation"),
		    .recipient = jstr(p, "recipient"),
		    .order_id = jint(p, "id"),
		    .days = t,
		    .days_left = (int)-late,
		    .created_at = rc->now,
		};
		json_t *item = json_pack("{s:s,s:o,s:s,s:s,s:s,s:i,s:i}", "kind", r.kind, "order",
		                         report_order_id(rc, r.order_id), "deliberation",
		                         r.deliberation, "recipient", r.recipient, "due_at",
		                         jstr(p, "due_at"), "days", t, "days_left", r.days_left);
		if (!remind_item(rc, &r, item, out, e)) {
			ok = false;
			break;
		}
	}
	json_decref(before);
	json_decref(after);
	return ok;
}

void retention_failpoint(const char *name)
{
	const char *fp = getenv("DELIBERD_FAILPOINT");
	if (fp != NULL && strcmp(fp, name) == 0) {
		log_warn("failpoint %s: the process kills itself (test hook)", name);
		raise(SIGKILL);
	}
}

/* Takes the round lock, waiting for another process's round when asked. */
static bool round_lock(PGconn *db, bool wait, bool *got, struct err *e)
{
	for (int waited = 0;; waited += 200) {
		if (!store_retention_try_lock(db, got, e))
			return false;
		if (*got || !wait || waited >= RETENTION_LOCK_WAIT_MS)
			return true;
		struct timespec ts = {0, 200 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

bool retention_round(PGconn *db, const struct config *c, int64_t now, const char *actor,
                     bool dry_run, bool wait, json_t **report, struct err *e)
{
	char at[21];
	clock_format(now, at);
	*report = NULL;
	json_t *r = json_pack("{s:s,s:b,s:b,s:[],s:[],s:[],s:[],s:[],s:[]}", "at", at, "dry_run",
	                      dry_run, "skipped", 0, "cancelled", "ordered", "escalated",
	                      "reminders", "attestations", "attestations_escalated");
	struct round_ctx rc = {db, c, at, actor, dry_run, json_array()};
	if (r == NULL || rc.created == NULL) {
		json_decref(r);
		json_decref(rc.created);
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	bool got = false;
	bool ok = round_lock(db, wait, &got, e);
	if (ok && !got) {
		json_object_set_new(r, "skipped", json_true());
	} else if (ok) {
		/* A dry run is the real round inside one transaction that is rolled back. */
		ok = !dry_run || db_begin(db, e);
		ok = ok && step_cancellations(&rc, json_object_get(r, "cancelled"), e) &&
		     step_orders(&rc, json_object_get(r, "ordered"), e) &&
		     step_escalations(&rc, json_object_get(r, "escalated"), e) &&
		     step_reminders(&rc, json_object_get(r, "reminders"), e) &&
		     attest_step_ask(db, at, actor, dry_run, json_object_get(r, "attestations"),
		                     e) &&
		     attest_step_escalate(db, at, actor, dry_run,
		                          json_object_get(r, "attestations_escalated"), e);
		if (dry_run)
			db_rollback(db);
		store_retention_unlock(db);
	}
	json_decref(rc.created);
	if (!dry_run)
		metrics_add_counter("deliberd_retention_rounds_total",
		                    ok ? "result=\"ok\"" : "result=\"error\"", 1,
		                    "Retention scheduler rounds");
	if (!ok) {
		json_decref(r);
		return false;
	}
	*report = r;
	return true;
}

json_t *retention_no_longer_needed(PGconn *db, const struct config *c, const char *recipient,
                                   const char *actor, int64_t delivery_id, const char *deliberation,
                                   const char *note, int64_t now, bool *created, struct err *e)
{
	char at[21];
	clock_format(now, at);
	*created = false;
	if (note != NULL && strlen(note) > RETENTION_NOTE_MAX) {
		err_set_field(e, ERR_INVALID, "note", "note is longer than %d bytes",
		              RETENTION_NOTE_MAX);
		return NULL;
	}
	if (!in_txn(db, e))
		return NULL;
	json_t *ids = NULL, *d = NULL, *inforce = NULL;
	int64_t id = 0;
	const char *ref = deliberation;
	bool ok = true;
	if (delivery_id > 0) {
		d = store_retention_delivery(db, delivery_id, recipient, e);
		ok = d != NULL;
		if (ok && !json_is_true(json_object_get(d, "shipped"))) {
			err_set(e, ERR_CONFLICT,
			        "delivery %" PRId64
			        " was never shipped: there is nothing to destroy",
			        delivery_id);
			ok = false;
		}
		if (ok && json_is_integer(json_object_get(d, "order_id"))) {
			/* Already ordered: the answer is that order. */
			id = jint(d, "order_id");
			db_rollback(db);
			json_decref(d);
			return store_retention_order(db, id, recipient, false, e);
		}
		if (ok) {
			ref = jstr(d, "deliberation");
			ids = json_pack("[I]", (json_int_t)delivery_id);
		}
	} else {
		bool any = false;
		ids = store_retention_unordered(db, recipient, deliberation, &any, e);
		ok = ids != NULL;
		if (ok && !any) {
			err_set(e, ERR_NOT_FOUND, "no shipped delivery of %s to this recipient",
			        deliberation);
			ok = false;
		} else if (ok && json_array_size(ids) == 0) {
			err_set(e, ERR_CONFLICT,
			        "every shipped delivery of %s is already in a destruction order",
			        deliberation);
			ok = false;
		}
	}
	char due[32] = "";
	if (ok) {
		inforce = store_retention_in_force(db, ref, at, e);
		ok = inforce != NULL &&
		     store_retention_nln_due(db, ref, at, c->no_longer_needed_days, due, e);
	}
	if (ok) {
		struct store_order_new o = {
		    .deliberation = ref,
		    .recipient = recipient,
		    .trigger = "no_longer_needed",
		    .version = json_is_object(inforce) ? (int)jint(inforce, "version") : 0,
		    .retention_until = NULL,
		    .due_at = due,
		    .note = note != NULL ? note : "",
		    .ordered_at = at,
		    .ordered_by = actor,
		};
		ok = order_create(db, &o, ids, &id, e);
	}
	json_decref(ids);
	json_decref(d);
	json_decref(inforce);
	if (!end_txn(db, ok, e))
		return NULL;
	*created = true;
	log_info("retention: destruction order %" PRId64 " for %s: data declared no longer needed",
	         id, recipient);
	metrics_add_counter("deliberd_retention_orders_created_total", "", 1,
	                    "Destruction orders created");
	return store_retention_order(db, id, recipient, false, e);
}

bool retention_set_governance_webhook(PGconn *db, const char *url, const char *secret,
                                      const char *actor, struct err *e)
{
	if (!outbox_url_allowed(url, e))
		return false;
	if (secret == NULL || strlen(secret) < 16 || strlen(secret) > 1024) {
		err_set_field(e, ERR_INVALID, "secret",
		              "the webhook secret must be 16 to 1024 bytes");
		return false;
	}
	json_t *details = json_pack("{s:s}", "url", url);
	bool ok =
	    in_txn(db, e) && store_retention_set_governance_webhook(db, url, secret, actor, e) &&
	    details != NULL &&
	    audit_append(db, actor, "governance_webhook.set", "governance_webhook", details, e);
	json_decref(details);
	return end_txn(db, ok, e);
}

bool retention_gauges(PGconn *db, struct retention_gauges *out, struct err *e)
{
	return store_retention_gauges(db, out->orders, &out->oldest_overdue_seconds, e) &&
	       store_outbox_pending(db, &out->outbox_pending, &out->outbox_oldest_seconds, e);
}

static void service_round(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct retention_service *s = arg;
	struct err e = {0};
	if (!db_ensure(&s->db, s->c, &e)) {
		if (!s->db_warned)
			log_warn("retention: round skipped: %s", e.message);
		s->db_warned = true;
		return;
	}
	s->db_warned = false;
	json_t *report = NULL;
	if (!retention_round(s->db, s->c, clock_now(), "system", false, false, &report, &e)) {
		log_error("retention: round failed: %s", e.message);
		return;
	}
	if (json_is_true(json_object_get(report, "skipped"))) {
		log_debug("retention: another process holds the round lock; round skipped");
	} else {
		log_info("retention: round done: %zu ordered, %zu cancelled, %zu escalated, "
		         "%zu reminders",
		         json_array_size(json_object_get(report, "ordered")),
		         json_array_size(json_object_get(report, "cancelled")),
		         json_array_size(json_object_get(report, "escalated")),
		         json_array_size(json_object_get(report, "reminders")));
	}
	json_decref(report);
	outbox_kick(s->outbox);
}

/* On the retention thread: takes the configuration handed over by a reload. */
static void service_reload(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct retention_service *s = arg;
	pthread_mutex_lock(&s->lock);
	struct config *c = s->pending;
	s->pending = NULL;
	pthread_mutex_unlock(&s->lock);
	if (c == NULL)
		return;
	struct config *old = s->c;
	s->c = c;
	outbox_set_config(s->outbox, s->c);
	config_unref(old);
	int secs = c->retention_interval_seconds;
	struct timeval tv = {secs, 0};
	if (secs == 0)
		event_del(s->timer);
	else if (event_add(s->timer, &tv) != 0)
		log_error("retention: cannot reschedule the scheduler timer");
	log_info("retention: configuration reloaded: scheduler every %d s (0: off), orders %d days "
	         "ahead",
	         secs, c->order_lead_days);
}

static void *service_main(void *arg)
{
	struct retention_service *s = arg;
	event_base_loop(s->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

struct retention_service *retention_setup(struct event_base *base, const struct config *c)
{
	(void)base; /* the service has a loop of its own, see struct retention_service */
	struct retention_service *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		log_error("retention: out of memory");
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	/* The reference count is the config's only mutable part: holding one keeps
	 * this config alive across a SIGHUP swap. */
	s->c = config_ref((struct config *)c);
	s->base = event_base_new();
	if (s->base == NULL) {
		log_error("retention: cannot create an event loop");
		retention_stop(s);
		return NULL;
	}
	struct err e = {0};
	s->outbox = outbox_start(s->base, s->c, &e);
	if (s->outbox == NULL)
		log_error("retention: webhooks will not be sent: %s", e.message);
	s->timer = event_new(s->base, -1, EV_PERSIST, service_round, s);
	s->first = evtimer_new(s->base, service_round, s);
	s->reload = event_new(s->base, -1, 0, service_reload, s);
	/* interval 0: this process sends webhooks but leaves the rounds to another. */
	int secs = c->retention_interval_seconds;
	struct timeval tv = {secs, 0}, soon = {1, 0};
	if (s->timer == NULL || s->first == NULL || s->reload == NULL ||
	    (secs > 0 && (event_add(s->timer, &tv) != 0 || event_add(s->first, &soon) != 0))) {
		log_error("retention: cannot start the scheduler timer");
		retention_stop(s);
		return NULL;
	}
	if (pthread_create(&s->thread, NULL, service_main, s) != 0) {
		log_error("retention: cannot start the scheduler thread");
		retention_stop(s);
		return NULL;
	}
	s->started = true;
	log_info("retention: scheduler every %d s, orders %d days ahead", secs, c->order_lead_days);
	return s;
}

void retention_reload(const struct config *c, void *arg)
{
	struct retention_service *s = arg;
	if (s == NULL || c == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	if (s->pending != NULL)
		config_unref(s->pending);
	s->pending = config_ref((struct config *)c);
	pthread_mutex_unlock(&s->lock);
	/* Thread-safe: the server turned on libevent's pthread locking. */
	event_active(s->reload, 0, 0);
}

void retention_stop(struct retention_service *s)
{
	if (s == NULL)
		return;
	if (s->started) {
		event_base_loopbreak(s->base);
		pthread_join(s->thread, NULL);
	}
	if (s->timer != NULL)
		event_free(s->timer);
	if (s->first != NULL)
		event_free(s->first);
	if (s->reload != NULL)
		event_free(s->reload);
	outbox_stop(s->outbox);
	if (s->base != NULL)
		event_base_free(s->base);
	db_close(s->db);
	config_unref(s->c);
	if (s->pending != NULL)
		config_unref(s->pending);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
