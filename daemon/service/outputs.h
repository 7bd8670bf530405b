/*
 * outputs: output checking over HTTP (phase 2, docs/output-checking.md).  A
 * recipient credential submits a table from the secure room, naming a
 * supervision session: built here from a staged microdata file, or a finished
 * table with its per-cell evidence.  Two different output checkers review it;
 * it is released, signed with the certificate key, only after two approvals
 * under which every failing cell is suppressed or excepted by both.  Every
 * state change is audited in its transaction.  Nothing returned or logged holds
 * a microdata value.
 */
#ifndef DELIBERD_OUTPUTS_H
#define DELIBERD_OUTPUTS_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "role.h"

/* POST /v1/sessions: {recipient (not for a recipient credential: its own),
 * deliberation?, supervisor, researchers: [..], start, end}. */
json_t *outputs_session_create(PGconn *db, const struct principal *who, const json_t *body,
                               struct err *e) __attribute__((warn_unused_result));
json_t *outputs_session_get(PGconn *db, const struct principal *who, int64_t id, struct err *e)
    __attribute__((warn_unused_result));

/* POST /v1/outputs: {session, table: {by, stat?, value?}, staged_file, suppress?}
 * or {session, evidence: "submitted", table: {by, stat?, value?, cells: [...]},
 * suppress?}. */
json_t *outputs_submit(PGconn *db, const struct config *c, const struct principal *who,
                       const json_t *body, struct err *e) __attribute__((warn_unused_result));
/* status: NULL, pending, released, rejected; recipient: NULL or a filter. */
json_t *outputs_list(PGconn *db, const struct principal *who, const char *status,
                     const char *recipient, struct err *e) __attribute__((warn_unused_result));
json_t *outputs_get(PGconn *db, const struct principal *who, int64_t id, struct err *e)
    __attribute__((warn_unused_result));
/* POST /v1/outputs/{id}/reviews: {decision: approve|reject, comment, exceptions:
 * [{index | cell, grant: true|false}]}. */
json_t *outputs_review(PGconn *db, const struct config *c, const struct principal *who, int64_t id,
                       const json_t *body, struct err *e) __attribute__((warn_unused_result));
/* The signed release: the document's exact bytes and its DER signature. */
bool outputs_release(PGconn *db, const struct principal *who, int64_t id, char **document,
                     unsigned char **signature, size_t *signature_len, char **key_id, struct err *e)
    __attribute__((warn_unused_result));

#endif
