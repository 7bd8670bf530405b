/*
 * registry: deliberations, their versions (original and amendments) and recipients,
 * as recorded in PostgreSQL.  Versions are immutable once recorded; a change of
 * terms is a new version.  Every change writes its audit event in its transaction.
 */
#ifndef DELIBERD_REGISTRY_H
#define DELIBERD_REGISTRY_H

#include <libpq-fe.h>

#include "err.h"
#include "terms.h"

/* Rebuilds the whole deliberation (all versions, terms of those on record) from
 * the registry; ERR_NOT_FOUND if the reference ("21/128") is unknown. */
struct terms_deliberation *registry_load(PGconn *db, const char *reference, struct err *e)
	__attribute__((warn_unused_result));

#endif
