/*
 * store_retention: the SQL of retention (migrations/0004_retention.sql):
 * destruction orders and their deliveries, reminders, confirmations,
 * certificates, signing certificates, the governance webhook and the outbox.
 * Callers own the transaction; nothing here begins or commits one.  Instants
 * are passed and returned as RFC 3339 text ("2031-01-31T23:00:00Z"); sets of
 * rows come back as jansson values built by PostgreSQL (json_agg), so that
 * every column keeps its type without hand-written conversions.
 */
#ifndef DELIBERD_STORE_RETENTION_H
#define DELIBERD_STORE_RETENTION_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

/* Scheduler plans, each as of `now` and as a JSON array of objects.
 *
 * Deliveries that no live order covers and whose deadline order is issued by now
 * (00:00 Brussels, lead_days before due_at, the day after retention_until),
 * grouped by (recipient, deliberation): {recipient, deliberation, version,
 * retention_until, due_at, shortened, join, deliveries: [ids]}.  shortened: an
 * amendment brought the deadline before the one the deliveries were checked
 * under; join: the open deadline order of that deadline they join, or null. */
json_t *store_retention_plan_orders(PGconn *db, const char *now, int lead_days, struct err *e)
    __attribute__((warn_unused_result));
/* Live orders triggered by a deadline that an amendment in force now has moved
 * later: {id, recipient, deliberation, retention_until, new_version,
 * new_retention_until}. */
json_t *store_retention_plan_cancellations(PGconn *db, const char *now, struct err *e)
    __attribute__((warn_unused_result));
/* Open orders, not held, whose due_at has come: {id, recipient, deliberation,
 * due_at, days_late}. */
json_t *store_retention_plan_escalations(PGconn *db, const char *now, struct err *e)
    __attribute__((warn_unused_result));
/* Open orders, not held, still ahead of their due_at, with the Brussels days left:
 * {id, recipient, deliberation, due_at, days_left}.  Reads the live-order index. */
json_t *store_retention_plan_before(PGconn *db, const char *now, struct err *e)
    __attribute__((warn_unused_result));
/* Live orders, not held, past their due_at with how many Brussels days:
 * {id, recipient, deliberation, status, due_at, days_late}. */
json_t *store_retention_plan_after(PGconn *db, const char *now, struct err *e)
    __attribute__((warn_unused_result));
/* The due_at of a no-longer-needed order made at now: days later, never after the
 * due_at of the deadline in force. */
bool store_retention_nln_due(PGconn *db, const char *deliberation, const char *now, int days,
                             char out[32], struct err *e) __attribute__((warn_unused_result));

/* A new open order, without its deliveries yet. */
struct store_order_new {
	const char *deliberation;
	const char *recipient;
	const char *trigger;         /* deadline, amendment, no_longer_needed */
	int version;                 /* 0: none */
	const char *retention_until; /* "YYYY-MM-DD" or NULL */
	const char *due_at;
	const char *note;
	const char *ordered_at;
	const char *ordered_by;
};
bool store_retention_insert_order(PGconn *db, const struct store_order_new *o, int64_t *id,
                                  struct err *e) __attribute__((warn_unused_result));
/* Puts the deliveries (a JSON array of ids, as text) in the order; ERR_CONFLICT
 * when one of them is already in a live order. */
bool store_retention_add_deliveries(PGconn *db, int64_t order_id, const char *ids_json, int *added,
                                    struct err *e) __attribute__((warn_unused_result));
/* Status changes; *changed is false when the order was no longer in the
 * expected status (another process got there first). */
bool store_retention_cancel(PGconn *db, int64_t id, const char *now, const char *reason,
                            bool *changed, struct err *e) __attribute__((warn_unused_result));
bool store_retention_escalate(PGconn *db, int64_t id, const char *now, bool *changed, struct err *e)
    __attribute__((warn_unused_result));
bool store_retention_set_confirmed(PGconn *db, int64_t id, const char *now, struct err *e)
    __attribute__((warn_unused_result));

/* Records a reminder once; *id is 0 when it was already recorded. */
struct store_reminder_new {
	const char *kind; /* before_due, after_due (before_deadline: before 0005) */
	const char *deliberation;
	const char *recipient;
	const char *retention_until; /* before_deadline */
	int64_t order_id;            /* after_due, else 0 */
	int days;
	int days_left;
	const char *created_at;
};
bool store_retention_insert_reminder(PGconn *db, const struct store_reminder_new *r, int64_t *id,
                                     struct err *e) __attribute__((warn_unused_result));

/* Orders as the API shows them.  recipient (NULL: all) restricts to one
 * recipient's; status and deliberation filter when not NULL. */
json_t *store_retention_list(PGconn *db, const char *recipient, const char *status,
                             const char *deliberation, int64_t after, int limit, struct err *e)
    __attribute__((warn_unused_result));
/* One order with its deliveries, reminders, confirmation and certificate id;
 * NULL with ERR_NOT_FOUND when absent or not the recipient's (recipient NULL:
 * any).  lock: SELECT ... FOR UPDATE on the order row. */
json_t *store_retention_order(PGconn *db, int64_t id, const char *recipient, bool lock,
                              struct err *e) __attribute__((warn_unused_result));

/* The deliberation's header {reference, chamber, title, legal_basis} and the
 * recipient's {id, name, organisation}, for certificates. */
json_t *store_retention_parties(PGconn *db, const char *deliberation, const char *recipient,
                                struct err *e) __attribute__((warn_unused_result));

bool store_retention_insert_confirmation(PGconn *db, int64_t order_id, const char *performed_at,
                                         const char *category, const char *confirmation_json,
                                         const char *by, struct err *e)
    __attribute__((warn_unused_result));
bool store_retention_record_signer(PGconn *db, const char *key_id, const char *pem, struct err *e)
    __attribute__((warn_unused_result));
struct store_certificate_new {
	const char *id;
	int64_t order_id;
	const char *document;
	const char *document_sha256;
	const char *signature_hex;
	const char *key_id;
	const char *issued_at;
};
bool store_retention_insert_certificate(PGconn *db, const struct store_certificate_new *c,
                                        struct err *e) __attribute__((warn_unused_result));
/* The stored document and DER signature (malloc'd) of a certificate; ERR_NOT_FOUND
 * when absent or (recipient not NULL) not that recipient's. */
bool store_retention_certificate(PGconn *db, const char *id, const char *recipient, char **document,
                                 unsigned char **signature, size_t *signature_len, struct err *e)
    __attribute__((warn_unused_result));
/* [{key_id, certificate (PEM), first_used_at}] */
json_t *store_retention_signers(PGconn *db, struct err *e) __attribute__((warn_unused_result));

/* A delivery as no-longer-needed sees it: {id, recipient, deliberation,
 * shipped, order_id (live order or null)}; NULL with ERR_NOT_FOUND if absent or
 * (recipient not NULL) another recipient's. */
json_t *store_retention_delivery(PGconn *db, int64_t id, const char *recipient, struct err *e)
    __attribute__((warn_unused_result));
/* Shipped deliveries of a recipient and deliberation that no live order covers,
 * as a JSON array of ids; *any_shipped says whether it has any shipped at all. */
json_t *store_retention_unordered(PGconn *db, const char *recipient, const char *deliberation,
                                  bool *any_shipped, struct err *e)
    __attribute__((warn_unused_result));
/* The version in force at now, with its deadline: {version, retention_until};
 * JSON null when none. */
json_t *store_retention_in_force(PGconn *db, const char *deliberation, const char *now,
                                 struct err *e) __attribute__((warn_unused_result));

/* The id of a live no-longer-needed order of recipient and deliberation, 0: none. */
bool store_retention_nln_live(PGconn *db, const char *recipient, const char *deliberation,
                              int64_t *order_id, struct err *e) __attribute__((warn_unused_result));
/* Puts a just shipped delivery into the open deadline order of its recipient and
 * deliberation, if there is one; *order_id is that order or 0. */
bool store_retention_join_open(PGconn *db, int64_t delivery_id, int64_t *order_id, struct err *e)
    __attribute__((warn_unused_result));

/* Orders by status and the age in seconds of the oldest overdue one (0: none),
 * measured at the database's clock. */
bool store_retention_gauges(PGconn *db, int64_t counts[4], int64_t *oldest_overdue_s, struct err *e)
    __attribute__((warn_unused_result));

/* Tries (without waiting) the session-level advisory lock of scheduler rounds. */
bool store_retention_try_lock(PGconn *db, bool *got, struct err *e)
    __attribute__((warn_unused_result));
void store_retention_unlock(PGconn *db);

bool store_retention_set_governance_webhook(PGconn *db, const char *url, const char *secret,
                                            const char *by, struct err *e)
    __attribute__((warn_unused_result));

/* Outbox. */
bool store_outbox_insert(PGconn *db, const char *audience, const char *recipient, const char *event,
                         const char *body, int64_t *id, struct err *e)
    __attribute__((warn_unused_result));
/* Claims up to limit due events for lease_s seconds (so that another process
 * leaves them alone meanwhile) and counts the attempt: [{id, key, event, body,
 * attempts, audience, recipient, url, secret}]; url/secret are null when no
 * webhook is configured. */
json_t *store_outbox_claim(PGconn *db, int limit, int lease_s, struct err *e)
    __attribute__((warn_unused_result));
bool store_outbox_delivered(PGconn *db, int64_t id, int status, struct err *e)
    __attribute__((warn_unused_result));
bool store_outbox_failed(PGconn *db, int64_t id, int status, const char *error, int delay_s,
                         struct err *e) __attribute__((warn_unused_result));
/* Events not yet delivered, and the age in seconds of the oldest of them. */
bool store_outbox_pending(PGconn *db, int64_t *pending, int64_t *oldest_s, struct err *e)
    __attribute__((warn_unused_result));

#endif
