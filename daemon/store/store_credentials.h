/*
 * store_credentials: the SQL of table credentials (0001_core).  Tokens never
 * reach this layer, only their SHA-256 (hex).
 */
#ifndef DELIBERD_STORE_CREDENTIALS_H
#define DELIBERD_STORE_CREDENTIALS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

/* ERR_CONFLICT if an active credential already has that name. */
bool store_credentials_insert(PGconn *conn, const char *name, const char *role,
                              const char *recipient, const char *token_sha256,
                              const char *created_by, int64_t *id, struct err *e)
    __attribute__((warn_unused_result));

/* Locks the row and says whether it exists and is active.  *found, *active. */
/* The same with an expiry: expires NULL (never), a date "YYYY-MM-DD" (valid through
 * that Europe/Brussels day) or an RFC 3339 instant; expired[0] is 't' when it is
 * already past (the caller rolls back). */
bool store_credentials_insert_expiring(PGconn *conn, const char *name, const char *role,
                                       const char *recipient, const char *expires,
                                       const char *token_sha256, const char *created_by,
                                       int64_t *id, char expired[1], struct err *e)
    __attribute__((warn_unused_result));

bool store_credentials_lock(PGconn *conn, int64_t id, bool *found, bool *active, char name[128],
                            struct err *e) __attribute__((warn_unused_result));

/* The id of the active credential with that name; *found false if none. */
bool store_credentials_active_by_name(PGconn *conn, const char *name, int64_t *id, bool *found,
                                      struct err *e) __attribute__((warn_unused_result));

bool store_credentials_revoke(PGconn *conn, int64_t id, const char *revoked_by, struct err *e)
    __attribute__((warn_unused_result));

/* The active (not revoked, not expired) credential with that token hash: columns
 * 0 id, 1 name, 2 role, 3 recipient (NULL unless role recipient); zero rows if
 * none.  Notes the use (last_used_at, to the minute). */
PGresult *store_credentials_by_hash(PGconn *conn, const char *token_sha256, struct err *e)
    __attribute__((warn_unused_result));

/* All credentials, by id: 0 id, 1 name, 2 role, 3 recipient, 4 created_at,
 * 5 created_by, 6 revoked_at, 7 revoked_by, 8 expires_at, 9 last_used_at
 * (timestamps RFC 3339 UTC, NULL when none), 10 expired ('t'/'f'). */
PGresult *store_credentials_list(PGconn *conn, struct err *e) __attribute__((warn_unused_result));

#endif
