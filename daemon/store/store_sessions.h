/*
 * store_sessions: the SQL of table ui_sessions (0010_ui_sessions), the web console's
 * sign-in sessions.  Session tokens never reach this layer, only their SHA-256 (hex).
 */
#ifndef DELIBERD_STORE_SESSIONS_H
#define DELIBERD_STORE_SESSIONS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

/* Records a session of credential_id lasting minutes; *id and expires_at (RFC 3339
 * UTC) get its id and end.  Also deletes sessions that ended over a day ago. */
bool store_sessions_insert(PGconn *conn, const char *token_sha256, int64_t credential_id,
                           int minutes, int64_t *id, char expires_at[32], struct err *e)
    __attribute__((warn_unused_result));

/* The live session with that token hash, with its active credential: columns 0
 * credential id, 1 name, 2 role, 3 recipient (NULL unless role recipient), 4 session
 * id, 5 expires_at; zero rows if none (unknown, expired, ended, or credential revoked). */
PGresult *store_sessions_by_hash(PGconn *conn, const char *token_sha256, struct err *e)
    __attribute__((warn_unused_result));

/* Ends the live session with that hash; *ended false if there was none. */
bool store_sessions_end(PGconn *conn, const char *token_sha256, int64_t *id, bool *ended,
                        struct err *e) __attribute__((warn_unused_result));

#endif
