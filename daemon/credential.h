/*
 * credential: API bearer tokens.  A token is 256 random bits shown once; only its
 * SHA-256 is stored.  Each credential has one role (and a recipient for the
 * recipient role).
 */
#ifndef DELIBERD_CREDENTIAL_H
#define DELIBERD_CREDENTIAL_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "err.h"
#include "route.h"

/* Looks the token up by its hash; ERR_UNAUTHENTICATED if unknown or revoked. */
bool credential_authenticate(PGconn *db, const char *token, struct principal *out, struct err *e)
	__attribute__((warn_unused_result));

#endif
