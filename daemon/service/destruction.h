/*
 * destruction: what recipients, governance and auditors do with destruction
 * orders once they exist: list and read them, confirm a destruction (which
 * issues the signed destruction certificate in the same transaction), and
 * fetch certificates and the keys that signed them.  recipient_scope is the
 * caller's recipient for the recipient role (it sees only its own orders:
 * another's is ERR_NOT_FOUND) and NULL for roles that see all.
 */
#ifndef DELIBERD_DESTRUCTION_H
#define DELIBERD_DESTRUCTION_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

#define DESTRUCTION_LIST_MAX 1000

/* status: open, overdue, confirmed, cancelled or NULL (all). */
json_t *destruction_list(PGconn *db, const struct config *c, const char *recipient_scope,
                         const char *status, const char *deliberation, int64_t after, int limit,
                         struct err *e) __attribute__((warn_unused_result));
json_t *destruction_get(PGconn *db, const struct config *c, const char *recipient_scope, int64_t id,
                        struct err *e) __attribute__((warn_unused_result));

/* The recipient's confirmation of order id (body as in docs/api.md).  Refused
 * with ERR_INVALID naming the field, or the deliveries (id and sha256) it does
 * not cover; ERR_CONFLICT when the order is no longer open or overdue;
 * ERR_UNAVAILABLE when no signing key is configured.  Returns {order,
 * certificate: {id, key_id, issued_at, links}}. */
json_t *destruction_confirm(PGconn *db, const struct config *c, const char *recipient,
                            const char *actor, int64_t id, const json_t *body, int64_t now,
                            struct err *e) __attribute__((warn_unused_result));

/* The exact signed JSON bytes and the DER CMS signature of a certificate
 * (malloc'd; free()). */
bool destruction_certificate(PGconn *db, const char *recipient_scope, const char *id,
                             char **document, unsigned char **signature, size_t *signature_len,
                             struct err *e) __attribute__((warn_unused_result));

/* Every key that signed a certificate, plus the configured one:
 * [{key_id, certificate (PEM), current, first_used_at}]. */
json_t *destruction_signers(PGconn *db, const struct config *c, struct err *e)
    __attribute__((warn_unused_result));

/* The certificate key of the configuration (signing.key, signing.certificate),
 * which signs destruction certificates and output releases alike; ERR_UNAVAILABLE
 * when none is configured or it does not load. */
struct certs_signer;
struct certs_signer *destruction_load_signer(const struct config *c, struct err *e)
    __attribute__((warn_unused_result));

#endif
