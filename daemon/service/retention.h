/*
 * retention: when data must be destroyed, and making sure it is.  The
 * scheduler round orders destruction of every shipped delivery whose deadline
 * (of the deliberation version in force at `now`) has passed, one order per
 * recipient and deliberation; cancels deadline orders that an amendment has
 * postponed; reminds recipients before the deadline and after it; and
 * escalates orders left unconfirmed after the grace period.  Recipients may
 * also declare data no longer needed, which orders it at once.  Every step is
 * audited in its own transaction and announced through the outbox; database
 * constraints (migrations/0004_retention.sql) keep it idempotent whatever runs
 * concurrently or crashes.  docs/retention.md tells the whole story.
 */
#ifndef DELIBERD_RETENTION_H
#define DELIBERD_RETENTION_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

struct event_base;
struct retention_service;

/* One scheduler round as if it were `now`.  Without dry_run it acts (each
 * order, cancellation, escalation, reminder in its own audited transaction);
 * with dry_run it only reads, in a read-only transaction, and reports what it
 * would do.  wait: wait (up to ~30 s) for another process's round to end
 * instead of skipping.  *report receives {at, dry_run, skipped, cancelled,
 * ordered, escalated, reminders}.  actor is the audit actor ("system",
 * "cli:<user>"). */
bool retention_round(PGconn *db, const struct config *c, int64_t now, const char *actor,
                     bool dry_run, bool wait, json_t **report, struct err *e)
    __attribute__((warn_unused_result));

/* The recipient declares a delivery (delivery_id > 0) or all its shipped
 * deliveries of a deliberation (delivery_id == 0, deliberation set) no longer
 * needed: a destruction order due at once.  Only its own deliveries (another
 * recipient's is ERR_NOT_FOUND); an unshipped delivery is ERR_CONFLICT.  A
 * delivery already in a live order returns that order with *created false.
 * Returns the order as the API shows it. */
json_t *retention_no_longer_needed(PGconn *db, const struct config *c, const char *recipient,
                                   const char *actor, int64_t delivery_id, const char *deliberation,
                                   const char *note, int64_t now, bool *created, struct err *e)
    __attribute__((warn_unused_result));

/* Sets where governance receives escalations (audited). */
bool retention_set_governance_webhook(PGconn *db, const char *url, const char *secret,
                                      const char *actor, struct err *e)
    __attribute__((warn_unused_result));

/* deliberd serve: runs a round a second after start and then every
 * c->retention_interval_seconds (skipping when another process holds the round
 * lock), drives the outbox, and adds the retention metrics.  It all runs on a
 * thread of its own with its own event loop (base, the main loop, is not
 * used), so a slow database never delays signal handling.  Returns NULL only
 * when it could not start at all (logged). */
/* Test hook: when the environment variable DELIBERD_FAILPOINT equals name, the
 * process kills itself with SIGKILL here (crash-safety tests stop it at exact
 * steps: round.ordered, round.committed, confirm.recorded, certificate.stored,
 * certificate.committed).  Does nothing otherwise. */
void retention_failpoint(const char *name);

/* The numbers behind the retention gauges of /metrics, read from the database (so
 * that every process sharing it reports the same); the HTTP face formats them.
 * orders: open, overdue, confirmed, cancelled. */
struct retention_gauges {
	int64_t orders[4];
	int64_t oldest_overdue_seconds; /* since the oldest overdue order fell due; 0: none */
	int64_t outbox_pending;
	int64_t outbox_oldest_seconds;
};
bool retention_gauges(PGconn *db, struct retention_gauges *out, struct err *e)
    __attribute__((warn_unused_result));

struct retention_service *retention_setup(struct event_base *base, const struct config *c);
/* A server_reload_fn (server.h): the service takes the reloaded configuration
 * (interval, reminders, grace, webhook timeout); arg is the service. */
void retention_reload(const struct config *c, void *arg);
void retention_stop(struct retention_service *s);

#endif
