/*
 * session: the web console's sign-in sessions.  Signing in exchanges a credential
 * token (already authenticated by the caller) for a random session token that the
 * browser keeps in an HttpOnly cookie; the session carries the credential's role and
 * recipient, lasts a bounded time, ends on logout, and dies with its credential.
 * Its CSRF token is derived from the session token (a hash of it), so nothing more
 * is stored and only the holder of the cookie's value can know it.
 */
#ifndef DELIBERD_SESSION_H
#define DELIBERD_SESSION_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "err.h"
#include "role.h"

#define SESSION_TOKEN_LEN 68 /* "dls_" + 64 hex digits */
#define SESSION_CSRF_LEN 64  /* hex */

struct session_info {
	char csrf[SESSION_CSRF_LEN + 1];
	char expires_at[32]; /* RFC 3339 UTC */
};

/* Starts a session for who lasting minutes, with its audit event (session.start);
 * token_out gets the session token (shown once: it goes into the cookie). */
bool session_start(PGconn *db, const struct principal *who, int minutes,
                   char token_out[SESSION_TOKEN_LEN + 1], struct session_info *info, struct err *e)
    __attribute__((warn_unused_result));

/* The principal of a live session; ERR_UNAUTHENTICATED if the token is malformed,
 * unknown, expired, ended, or its credential revoked. */
bool session_authenticate(PGconn *db, const char *token, struct principal *who,
                          struct session_info *info, struct err *e)
    __attribute__((warn_unused_result));

/* Ends the session (logout), audited as session.end; ERR_UNAUTHENTICATED if it is not live. */
bool session_end(PGconn *db, const char *token, const char *actor, struct err *e)
    __attribute__((warn_unused_result));

/* Constant-time comparison of a presented CSRF token with the session's. */
bool session_csrf_ok(const struct session_info *info, const char *presented);

#endif
