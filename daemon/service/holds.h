/*
 * holds: legal holds (contract "Authority").  Governance places a hold on a
 * deliberation (optionally one recipient) with a reason and a reference (the
 * court order, the supervisor's letter): while it lasts, the live destruction
 * orders it covers show "on_hold", are neither escalated nor reminded, and a
 * confirmation of one is 409 on_hold; the recipients are told not to destroy
 * (destruction.held).  Releasing it (with a reason) resumes them: an order whose
 * due_at passed during the hold is due retention.no_longer_needed_days after the
 * release.  Every change is audited in its transaction.
 */
#ifndef DELIBERD_HOLDS_H
#define DELIBERD_HOLDS_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

/* body {deliberation, recipient (optional), reason, reference (optional)};
 * returns the hold with "orders" (the live orders it holds). */
json_t *holds_place(PGconn *db, const json_t *body, const char *actor, int64_t now, struct err *e)
    __attribute__((warn_unused_result));
/* {"holds": [...]}; only_recipient (not NULL) sees the holds that cover it. */
json_t *holds_list(PGconn *db, const char *only_recipient, struct err *e)
    __attribute__((warn_unused_result));
/* body {reason}; returns the hold with "resumed" (orders) and "replanned" (orders
 * whose due_at moved).  ERR_NOT_FOUND, ERR_CONFLICT when released already. */
json_t *holds_release(PGconn *db, const struct config *c, int64_t id, const json_t *body,
                      const char *actor, int64_t now, struct err *e)
    __attribute__((warn_unused_result));

#endif
