/*
 * store_attest: the SQL of still-needed attestations (migrations/0011_attestations.sql).
 * Callers own the transaction.  Instants are RFC 3339 text.
 */
#ifndef DELIBERD_STORE_ATTEST_H
#define DELIBERD_STORE_ATTEST_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

/* (recipient, deliberation) pairs whose latest anniversary of the first shipment
 * (Brussels date) has come by now, not yet asked, while retention runs:
 * [{recipient, deliberation, anniversary}].  Reads shipment_scopes, not deliveries. */
json_t *store_attest_plan_ask(PGconn *db, const char *now, struct err *e)
    __attribute__((warn_unused_result));
/* Records the question asked at now, due days later; *id 0 when asked already. */
bool store_attest_insert(PGconn *db, const char *recipient, const char *deliberation,
                         const char *anniversary, const char *now, int days, int64_t *id,
                         struct err *e) __attribute__((warn_unused_result));
/* Unanswered, not yet escalated, due by now: [{id, recipient, deliberation,
 * anniversary, due_at}]. */
json_t *store_attest_plan_escalate(PGconn *db, const char *now, struct err *e)
    __attribute__((warn_unused_result));
bool store_attest_escalate(PGconn *db, int64_t id, const char *now, bool *changed, struct err *e)
    __attribute__((warn_unused_result));
/* [attestation...]; recipient (not NULL) keeps its own. */
json_t *store_attest_list(PGconn *db, const char *recipient, struct err *e)
    __attribute__((warn_unused_result));
/* One attestation; ERR_NOT_FOUND when absent or (recipient not NULL) another's. */
json_t *store_attest_get(PGconn *db, int64_t id, const char *recipient, bool lock, struct err *e)
    __attribute__((warn_unused_result));
/* Records the answer; ERR_CONFLICT when answered already. */
bool store_attest_answer(PGconn *db, int64_t id, bool still_needed, const char *note,
                         const char *by, const char *at, int64_t order_id, struct err *e)
    __attribute__((warn_unused_result));

#endif
