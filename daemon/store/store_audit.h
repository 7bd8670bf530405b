/*
 * store_audit: the SQL of the audit trail (table audit_events, 0001_core).
 * Timestamps cross this boundary as text in the one format that is hashed:
 * UTC, ISO 8601 with microseconds, "2025-11-20T08:15:00.123456Z".
 */
#ifndef DELIBERD_STORE_AUDIT_H
#define DELIBERD_STORE_AUDIT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

#define STORE_AUDIT_AT_MAX 40

/* Serialises appends until the end of the caller's transaction. */
bool store_audit_lock(PGconn *conn, struct err *e) __attribute__((warn_unused_result));

/* The last event's seq and hash (0 and "" when the trail is empty), and the
 * current time in the hashed format. Call after store_audit_lock. */
bool store_audit_head(PGconn *conn, int64_t *seq, char hash[65], char at[STORE_AUDIT_AT_MAX],
                      struct err *e) __attribute__((warn_unused_result));

/* mac: NULL when the process has no audit MAC key. */
bool store_audit_insert(PGconn *conn, int64_t seq, const char *at, const char *actor,
                        const char *action, const char *object, const char *details_json,
                        const char *prev_hash, const char *hash, const char *mac, struct err *e)
    __attribute__((warn_unused_result));

/* Events with seq > after in seq order, at most limit.  Columns:
 * 0 seq, 1 at (hashed format), 2 actor, 3 action, 4 object, 5 details (text as
 * stored), 6 prev_hash, 7 hash.  Caller PQclear()s. */
PGresult *store_audit_page(PGconn *conn, int64_t after, int limit, struct err *e)
    __attribute__((warn_unused_result));

/* A filtered page: NULL members do not filter.  action and object match exactly,
 * or by prefix when they end in '*'; from and to are a Europe/Brussels date
 * ("YYYY-MM-DD": from its first instant, to its last) or an RFC 3339 instant
 * (from inclusive, to inclusive).  The caller has checked their form. */
struct store_audit_filter {
	int64_t after;
	int limit;
	const char *action;
	const char *object;
	const char *actor;
	const char *from;
	const char *to;
};
PGresult *store_audit_search(PGconn *conn, const struct store_audit_filter *f, struct err *e)
    __attribute__((warn_unused_result));

/* seq, hash and mac ("" when NULL) of the events with seq > after, at most limit,
 * in seq order.  Caller PQclear()s. */
PGresult *store_audit_macs(PGconn *conn, int64_t after, int limit, struct err *e)
    __attribute__((warn_unused_result));

/* Makes the caller's just-begun transaction a read-only snapshot (REPEATABLE READ). */
bool store_audit_snapshot(PGconn *conn, struct err *e) __attribute__((warn_unused_result));

/* The hash of the event seq; *found false when there is none. */
bool store_audit_hash_at(PGconn *conn, int64_t seq, char hash[65], bool *found, struct err *e)
    __attribute__((warn_unused_result));

enum {
	STORE_AUDIT_COL_SEQ,
	STORE_AUDIT_COL_AT,
	STORE_AUDIT_COL_ACTOR,
	STORE_AUDIT_COL_ACTION,
	STORE_AUDIT_COL_OBJECT,
	STORE_AUDIT_COL_DETAILS,
	STORE_AUDIT_COL_PREV_HASH,
	STORE_AUDIT_COL_HASH,
};

#endif
