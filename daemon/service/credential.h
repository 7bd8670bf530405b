/*
 * credential: API bearer tokens.  A token is 256 random bits shown once; only its
 * SHA-256 is stored.  Each credential has one role (and a recipient for the
 * recipient role).
 */
#ifndef DELIBERD_CREDENTIAL_H
#define DELIBERD_CREDENTIAL_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "role.h"

/* Looks the token up by its hash; ERR_UNAUTHENTICATED if unknown or revoked. */
bool credential_authenticate(PGconn *db, const char *token, struct principal *out, struct err *e)
    __attribute__((warn_unused_result));

/* The principal of the one row of a credential lookup (columns 0 id, 1 name, 2 role,
 * 3 recipient or NULL), as store_credentials_by_hash answers; shared with session.
 * No row: ERR_UNAUTHENTICATED with the message none. */
bool credential_principal(PGresult *r, struct principal *out, const char *none, struct err *e)
    __attribute__((warn_unused_result));

/* A token is "dlb_" followed by the unpadded base64url of 32 random bytes. */
#define CREDENTIAL_TOKEN_PREFIX "dlb_"
#define CREDENTIAL_TOKEN_LEN 47

/* Fills out with a new token; false if the random generator failed. */
bool credential_token_generate(char out[CREDENTIAL_TOKEN_LEN + 1])
    __attribute__((warn_unused_result));
/* Lower-case hex SHA-256 of the token string as presented (prefix included). */
void credential_token_hash(const char *token, char out[65]);

/* Creates a credential in its own transaction with its audit event; the token is
 * returned once in token_out and never stored.  recipient: required for (and
 * only for) ROLE_RECIPIENT.  ERR_CONFLICT if an active credential has the name. */
bool credential_add(PGconn *db, const char *actor, enum role role, const char *recipient,
                    const char *name, char token_out[CREDENTIAL_TOKEN_LEN + 1], int64_t *id_out,
                    struct err *e) __attribute__((warn_unused_result));

/* credential_add with an expiry: expires NULL (never), "YYYY-MM-DD" (valid through
 * that Europe/Brussels day) or an RFC 3339 instant; a past or malformed one is
 * ERR_INVALID (field expires_at).  A recipient credential's recipient must be
 * registered (else ERR_INVALID, field recipient).  Audited as credential.add. */
bool credential_create(PGconn *db, const char *actor, enum role role, const char *recipient,
                       const char *name, const char *expires,
                       char token_out[CREDENTIAL_TOKEN_LEN + 1], int64_t *id_out, struct err *e)
    __attribute__((warn_unused_result));

/* The audit actor ("credential:<id>") of the active, unexpired credential named
 * name, which must have role; ERR_NOT_FOUND / ERR_FORBIDDEN otherwise.  For the
 * command line's --as NAME. */
bool credential_actor_by_name(PGconn *db, const char *name, enum role role, char actor[48],
                              struct err *e) __attribute__((warn_unused_result));

/* Revokes by id (ERR_NOT_FOUND, ERR_CONFLICT if already revoked) or by the name
 * of an active credential; audited.  *id_out (may be NULL) gets the id. */
bool credential_revoke(PGconn *db, const char *actor, int64_t id, struct err *e)
    __attribute__((warn_unused_result));
bool credential_revoke_name(PGconn *db, const char *actor, const char *name, int64_t *id_out,
                            struct err *e) __attribute__((warn_unused_result));

/* All credentials (never tokens or hashes) as a JSON array of
 * {id, name, role, recipient, created_at, created_by, revoked_at, revoked_by,
 * expires_at, last_used_at, status: active|revoked|expired}. */
json_t *credential_list(PGconn *db, struct err *e) __attribute__((warn_unused_result));

#endif
