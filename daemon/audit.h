/*
 * audit: the tamper-evident trail.  Each event is chained to the previous one by
 * hash = SHA-256(previous hash || canonical encoding of the event).  audit_append
 * must be called inside the transaction of the change it records, so that the
 * change and its event commit together or not at all.
 */
#ifndef DELIBERD_AUDIT_H
#define DELIBERD_AUDIT_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

/* actor: "credential:<id>", "cli:<unix user>" or "system"; details is borrowed and
 * must not contain tokens or extract cell values. */
bool audit_append(PGconn *conn, const char *actor, const char *action, const char *object,
		  json_t *details, struct err *e) __attribute__((warn_unused_result));

/* Walks the chain; on a broken link returns false and sets *bad_seq to it. */
bool audit_verify(PGconn *conn, int64_t *checked, int64_t *bad_seq, struct err *e)
	__attribute__((warn_unused_result));

/* Events with seq > after, at most limit, as a JSON array. */
json_t *audit_list(PGconn *conn, int64_t after, int limit, struct err *e);

#endif
