/*
 * registry_priv: what registry.c and registry_recipients.c share, and nothing else
 * includes.
 */
#ifndef DELIBERD_REGISTRY_PRIV_H
#define DELIBERD_REGISTRY_PRIV_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "err.h"

/* audit_append inside the caller's transaction, taking details over (NULL: out of
 * memory, refused). */
bool registry_audit_event(PGconn *db, const char *actor, const char *action, const char *object,
                          json_t *details, struct err *e) __attribute__((warn_unused_result));

#endif
