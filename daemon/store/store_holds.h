/*
 * store_holds: the SQL of legal holds (table legal_holds, migrations/0005_time.sql).
 * Callers own the transaction.  Instants are RFC 3339 text.
 */
#ifndef DELIBERD_STORE_HOLDS_H
#define DELIBERD_STORE_HOLDS_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

struct store_hold_new {
	const char *deliberation;
	const char *recipient; /* NULL: every recipient */
	const char *reason;
	const char *reference;
	const char *at;
	const char *by;
};
bool store_holds_insert(PGconn *db, const struct store_hold_new *h, int64_t *id, struct err *e)
    __attribute__((warn_unused_result));
/* A hold as the API shows it; NULL with ERR_NOT_FOUND when absent.  lock: FOR UPDATE. */
json_t *store_holds_get(PGconn *db, int64_t id, bool lock, struct err *e)
    __attribute__((warn_unused_result));
/* Holds, newest first; only_recipient (not NULL) keeps those covering it. */
json_t *store_holds_list(PGconn *db, const char *only_recipient, struct err *e)
    __attribute__((warn_unused_result));
/* Releases a live hold; ERR_CONFLICT when it was released already. */
bool store_holds_release(PGconn *db, int64_t id, const char *at, const char *by, const char *reason,
                         struct err *e) __attribute__((warn_unused_result));
/* The live orders a hold covers: [{id, recipient, due_at}]. */
json_t *store_holds_orders(PGconn *db, int64_t id, struct err *e)
    __attribute__((warn_unused_result));
/* The recipients with shipped deliveries that the hold covers: [ids]. */
json_t *store_holds_recipients(PGconn *db, int64_t id, struct err *e)
    __attribute__((warn_unused_result));
/* After release at `at`: live orders the hold covered, no longer held by another
 * hold, whose due_at has passed, are due days (Brussels) after at.  Returns
 * [{id, recipient, due_at}] of the re-planned orders. */
json_t *store_holds_replan(PGconn *db, int64_t id, const char *at, int days, struct err *e)
    __attribute__((warn_unused_result));

#endif
