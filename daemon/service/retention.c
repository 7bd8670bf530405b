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

#include <event2/buffer.h>
#include <event2/event.h>

#include "audit.h"
#include "clock.h"
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

/* Creates an open order covering ids, inside the caller's transaction. */
static bool order_create(PGconn *db, const struct store_order_new *o, json_t *ids, int64_t *id,
                         struct err *e)
{
	char *ids_json = json_dumps(ids, JSON_COMPACT);
	if (ids_json == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	int added = 0;
	bool ok = store_retention_insert_order(db, o, id, e) &&
	          store_retention_add_deliveries(db, *id, ids_json, &added, e);
	free(ids_json);
	if (!ok)
		return false;
	if ((size_t)added != json_array_size(ids)) {
		err_set(e, ERR_CONFLICT, "some deliveries are no longer orderable");
		return false;
	}
	json_t *details =
	    json_pack("{s:s,s:s,s:s,s:s,s:O}", "deliberation", o->deliberation, "recipient",
	              o->recipient, "trigger", o->trigger, "due_at", o->due_at, "deliveries", ids);
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

static bool step_cancellations(PGconn *db, const char *now, const char *actor, bool dry,
                               json_t *out, struct err *e)
{
	json_t *plan = store_retention_plan_cancellations(db, now, e);
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
		if (dry) {
			json_array_append_new(out, item);
			continue;
		}
		bool changed = false;
		bool step =
		    in_txn(db, e) && store_retention_cancel(db, id, now, reason, &changed, e);
		if (step && changed)
			step = audit_append_object(
			           db, actor, "destruction.cancelled", "destruction_order", id,
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
		if (!end_txn(db, step, e)) {
			json_decref(item);
			if (item_failed("cancellation", e))
				continue;
			ok = false;
			break;
		}
		if (changed) {
			log_info("retention: destruction order %" PRId64 " cancelled: %s", id,
			         reason);
			json_array_append_new(out, item);
		} else {
			json_decref(item);
		}
	}
	json_decref(plan);
	return ok;
}

static bool step_orders(PGconn *db, const char *now, const char *actor, bool dry, json_t *out,
                        struct err *e)
{
	json_t *plan = store_retention_plan_orders(db, now, e);
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
		    .ordered_at = now,
		    .ordered_by = actor,
		};
		json_t *ids = json_object_get(p, "deliveries");
		json_t *item = json_pack("{s:s,s:s,s:s,s:i,s:s,s:s,s:O}", "deliberation",
		                         o.deliberation, "recipient", o.recipient, "trigger",
		                         trigger, "version", o.version, "retention_until",
		                         o.retention_until, "due_at", o.due_at, "deliveries", ids);
		if (dry) {
			json_object_set_new(item, "order", json_null());
			json_array_append_new(out, item);
			continue;
		}
		int64_t id = 0;
		bool step = in_txn(db, e) && order_create(db, &o, ids, &id, e);
		if (step)
			retention_failpoint("round.ordered");
		if (!end_txn(db, step, e)) {
			json_decref(item);
			if (item_failed("order", e))
				continue;
			ok = false;
			break;
		}
		log_info("retention: destruction order %" PRId64 " for %s of %s: %zu deliveries, "
		         "%s %s passed",
		         id, o.recipient, o.deliberation, json_array_size(ids), trigger,
		         o.retention_until);
		metrics_add_counter("deliberd_retention_orders_created_total", "", 1,
		                    "Destruction orders created");
		json_object_set_new(item, "order", json_integer(id));
		json_array_append_new(out, item);
		retention_failpoint("round.committed");
	}
	json_decref(plan);
	return ok;
}

static bool step_escalations(PGconn *db, const struct config *c, const char *now, const char *actor,
                             bool dry, json_t *out, struct err *e)
{
	json_t *plan = store_retention_plan_escalations(db, now, c->grace_days, e);
	if (plan == NULL)
		return false;
	size_t i;
	json_t *p;
	bool ok = true;
	json_array_foreach(plan, i, p)
	{
		int64_t id = jint(p, "id");
		json_t *item =
		    json_pack("{s:I,s:s,s:s,s:s,s:I}", "order", (json_int_t)id, "deliberation",
		              jstr(p, "deliberation"), "recipient", jstr(p, "recipient"), "due_at",
		              jstr(p, "due_at"), "days_late", (json_int_t)jint(p, "days_late"));
		if (dry) {
			json_array_append_new(out, item);
			continue;
		}
		bool changed = false;
		bool step = in_txn(db, e) && store_retention_escalate(db, id, now, &changed, e);
		if (step && changed)
			step =
			    audit_append_object(db, actor, "destruction.escalated",
			                        "destruction_order", id, json_deep_copy(item), e) &&
			    notify(db, "governance", NULL, "destruction.escalated", id,
			           json_deep_copy(item), e) &&
			    notify(db, "recipient", jstr(p, "recipient"), "destruction.overdue", id,
			           json_deep_copy(item), e);
		if (!end_txn(db, step, e)) {
			json_decref(item);
			if (item_failed("escalation", e))
				continue;
			ok = false;
			break;
		}
		if (changed) {
			log_warn("retention: destruction order %" PRId64 " for %s of %s is overdue "
			         "(%" PRId64 " days after it fell due): escalated to governance",
			         id, jstr(p, "recipient"), jstr(p, "deliberation"),
			         jint(p, "days_late"));
			metrics_add_counter("deliberd_retention_escalations_total", "", 1,
			                    "Destruction orders escalated to governance");
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

static bool remind(PGconn *db, const struct store_reminder_new *r, const char *actor, json_t *item,
                   bool *sent, struct err *e)
{
	int64_t rid = 0;
	*sent = false;
	bool step = in_txn(db, e) && store_retention_insert_reminder(db, r, &rid, e);
	if (step && rid > 0) {
		step = audit_append_object(db, actor, "destruction.reminded",
		                           "destruction_reminder", rid, json_deep_copy(item), e);
		json_t *payload = json_deep_copy(item);
		if (step && payload != NULL)
			step = outbox_enqueue(db, "recipient", r->recipient, "destruction.reminder",
			                      payload, e);
		json_decref(payload);
		*sent = step;
	}
	return end_txn(db, step, e);
}

/* One planned reminder: recorded and sent unless dry, and listed in out when it was
 * (or would be) sent; item is stolen.  False ends the round (e set); a conflict
 * only skips the reminder. */
static bool remind_item(PGconn *db, const struct store_reminder_new *r, const char *actor, bool dry,
                        json_t *item, json_t *out, struct err *e)
{
	if (item == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	bool sent = false;
	if (!dry && !remind(db, r, actor, item, &sent, e)) {
		json_decref(item);
		return item_failed("reminder", e);
	}
	if (dry || sent)
		json_array_append_new(out, item);
	else
		json_decref(item);
	return true;
}

static bool step_reminders(PGconn *db, const struct config *c, const char *now, const char *actor,
                           bool dry, json_t *out, struct err *e)
{
	json_t *before = store_retention_plan_before(db, now, e);
	if (before == NULL)
		return false;
	json_t *after = store_retention_plan_after(db, now, e);
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
		int t = before_threshold(c, left);
		if (t < 0)
			continue;
		struct store_reminder_new r = {
		    .kind = "before_deadline",
		    .deliberation = jstr(p, "deliberation"),
		    .recipient = jstr(p, "recipient"),
		    .retention_until = jstr(p, "retention_until"),
		    .days = t,
		    .days_left = (int)left,
		    .created_at = now,
		};
		json_t *item = json_pack(
		    "{s:s,s:s,s:s,s:s,s:i,s:i,s:O}", "kind", r.kind, "deliberation", r.deliberation,
		    "recipient", r.recipient, "retention_until", r.retention_until, "days", t,
		    "days_left", r.days_left, "deliveries", json_object_get(p, "deliveries"));
		if (!remind_item(db, &r, actor, dry, item, out, e)) {
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
		    .created_at = now,
		};
		json_t *item = json_pack("{s:s,s:s,s:s,s:I,s:s,s:i,s:i}", "kind", r.kind,
		                         "deliberation", r.deliberation, "recipient", r.recipient,
		                         "order", (json_int_t)r.order_id, "due_at",
		                         jstr(p, "due_at"), "days", t, "days_left", r.days_left);
		if (!remind_item(db, &r, actor, dry, item, out, e)) {
			ok = false;
			break;
		}
	}
	if (ok && !dry)
		for (i = 0; i < json_array_size(out); i++)
			metrics_add_counter("deliberd_retention_reminders_total", "", 1,
			                    "Destruction reminders recorded");
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
	json_t *r = json_pack("{s:s,s:b,s:b,s:[],s:[],s:[],s:[]}", "at", at, "dry_run", dry_run,
	                      "skipped", 0, "cancelled", "ordered", "escalated", "reminders");
	if (r == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	bool ok;
	if (dry_run) {
		/* Read-only: the database itself refuses any write by mistake. */
		PGresult *res = db_exec(db, e, "BEGIN READ ONLY", 0, NULL);
		ok = res != NULL;
		PQclear(res);
		ok = ok &&
		     step_cancellations(db, at, actor, true, json_object_get(r, "cancelled"), e) &&
		     step_orders(db, at, actor, true, json_object_get(r, "ordered"), e) &&
		     step_escalations(db, c, at, actor, true, json_object_get(r, "escalated"), e) &&
		     step_reminders(db, c, at, actor, true, json_object_get(r, "reminders"), e);
		db_rollback(db);
	} else {
		bool got = false;
		ok = round_lock(db, wait, &got, e);
		if (ok && !got) {
			json_object_set_new(r, "skipped", json_true());
		} else if (ok) {
			ok = step_cancellations(db, at, actor, false,
			                        json_object_get(r, "cancelled"), e) &&
			     step_orders(db, at, actor, false, json_object_get(r, "ordered"), e) &&
			     step_escalations(db, c, at, actor, false,
			                      json_object_get(r, "escalated"), e) &&
			     step_reminders(db, c, at, actor, false,
			                    json_object_get(r, "reminders"), e);
			store_retention_unlock(db);
		}
	}
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
			return store_retention_order(db, id, recipient, c->grace_days, false, e);
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
	if (ok) {
		inforce = store_retention_in_force(db, ref, at, e);
		ok = inforce != NULL;
	}
	if (ok) {
		struct store_order_new o = {
		    .deliberation = ref,
		    .recipient = recipient,
		    .trigger = "no_longer_needed",
		    .version = json_is_object(inforce) ? (int)jint(inforce, "version") : 0,
		    .retention_until = NULL,
		    .due_at = at,
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
	return store_retention_order(db, id, recipient, c->grace_days, false, e);
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

/* Prometheus gauges read from the database on every scrape, so that every
 * deliberd process sharing it reports the same numbers. */
static void retention_collect(struct evbuffer *out, PGconn *db, void *arg)
{
	(void)arg;
	if (db == NULL)
		return;
	struct err e = {0};
	int64_t counts[4], oldest = 0, pending = 0, pending_age = 0;
	if (!store_retention_gauges(db, counts, &oldest, &e) ||
	    !store_outbox_pending(db, &pending, &pending_age, &e))
		return;
	static const char *const names[] = {"open", "overdue", "confirmed", "cancelled"};
	evbuffer_add_printf(out, "# HELP deliberd_destruction_orders Destruction orders by status\n"
	                         "# TYPE deliberd_destruction_orders gauge\n");
	for (int i = 0; i < 4; i++) {
		char labels[32];
		snprintf(labels, sizeof(labels), "status=\"%s\"", names[i]);
		metrics_write(out, "deliberd_destruction_orders", labels, (double)counts[i]);
	}
	evbuffer_add_printf(out, "# HELP deliberd_destruction_oldest_overdue_seconds Seconds since "
	                         "the oldest overdue destruction order fell due (0: none)\n"
	                         "# TYPE deliberd_destruction_oldest_overdue_seconds gauge\n");
	metrics_write(out, "deliberd_destruction_oldest_overdue_seconds", "", (double)oldest);
	evbuffer_add_printf(out, "# HELP deliberd_outbox_pending Notifications not yet delivered\n"
	                         "# TYPE deliberd_outbox_pending gauge\n");
	metrics_write(out, "deliberd_outbox_pending", "", (double)pending);
	evbuffer_add_printf(out, "# HELP deliberd_outbox_oldest_pending_seconds Age of the oldest "
	                         "undelivered notification\n"
	                         "# TYPE deliberd_outbox_oldest_pending_seconds gauge\n");
	metrics_write(out, "deliberd_outbox_oldest_pending_seconds", "", (double)pending_age);
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
	log_info("retention: configuration reloaded: scheduler every %d s (0: off), grace %d days",
	         secs, c->grace_days);
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
	metrics_add_collector(retention_collect, NULL);
	log_info("retention: scheduler every %d s, grace %d days", secs, c->grace_days);
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
