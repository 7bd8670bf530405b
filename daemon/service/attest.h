/*
 * attest: "still needed?" (contract "Time").  Each year on the anniversary of a
 * recipient's first shipped delivery under a deliberation, the retention round asks
 * the recipient to attest that the data are still needed for the purpose
 * (attestation.requested); an answer false makes a no-longer-needed order; no answer
 * within ATTEST_ANSWER_DAYS days is escalated to governance (attestation.escalated).
 * Every change is audited in its transaction.
 */
#ifndef DELIBERD_ATTEST_H
#define DELIBERD_ATTEST_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

#define ATTEST_ANSWER_DAYS 30

/* Round steps (retention_round): each item in its own transaction, or a savepoint
 * when nested (a dry run's one transaction).  Append to out what was done. */
bool attest_step_ask(PGconn *db, const char *now, const char *actor, bool nested, json_t *out,
                     struct err *e) __attribute__((warn_unused_result));
bool attest_step_escalate(PGconn *db, const char *now, const char *actor, bool nested, json_t *out,
                          struct err *e) __attribute__((warn_unused_result));

/* {"attestations": [...]}; recipient (not NULL) sees its own only. */
json_t *attest_list(PGconn *db, const char *recipient, struct err *e)
    __attribute__((warn_unused_result));
/* The recipient answers {still_needed: bool, note}.  Another recipient's is
 * ERR_NOT_FOUND; answered already ERR_CONFLICT.  false: a no-longer-needed order of
 * its unordered shipped deliveries under that deliberation ("order"). */
json_t *attest_answer(PGconn *db, const struct config *c, const char *recipient, const char *actor,
                      int64_t id, const json_t *body, int64_t now, struct err *e)
    __attribute__((warn_unused_result));

#endif
