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

/* audit_append for an event about object "<kind>:<id>" (credential:7,
 * destruction_order:12); details is stolen, and NULL (a failed json_pack) is an
 * out-of-memory error, so callers can pass json_pack(...) directly. */
bool audit_append_object(PGconn *conn, const char *actor, const char *action, const char *kind,
                         int64_t id, json_t *details, struct err *e)
    __attribute__((warn_unused_result));

/*
 * The audit MAC key: set once per process, before any append, by the wiring (serve
 * at start, a database subcommand once it has its configuration), from the
 * checkpoint key (checkpoint_mac_key).  From then on every event carries
 * mac = HMAC-SHA256(key, hash) in hex; without it, mac is NULL.  Process-wide on
 * purpose, like the log settings: every service appends events, and passing the key
 * down through each of their calls would burden all of them for one value.
 */
void audit_set_mac_key(const unsigned char key[32]);
/* HMAC-SHA256(key, hash) in lower-case hex. */
bool audit_mac(const unsigned char key[32], const char *hash, char out[65])
    __attribute__((warn_unused_result));

/* Walks the chain; on a broken link returns false and sets *bad_seq to it. */
bool audit_verify(PGconn *conn, int64_t *checked, int64_t *bad_seq, struct err *e)
    __attribute__((warn_unused_result));

/* Events with seq > after, at most limit, as a JSON array of objects
 * {seq, at, actor, action, object, details, prev_hash, hash}. */
json_t *audit_list(PGconn *conn, int64_t after, int limit, struct err *e);

/* audit_list with filters (NULL: none).  action and subject (the event's object)
 * match exactly, or by prefix with a trailing '*' ("deliberation.*"); actor exactly
 * ("credential:3"); from and to are dates YYYY-MM-DD (Europe/Brussels, whole days,
 * both inclusive) or RFC 3339 instants (inclusive).  A malformed from or to:
 * ERR_INVALID naming it. */
struct audit_filter {
	int64_t after;
	int limit;
	const char *action;
	const char *subject;
	const char *actor;
	const char *from;
	const char *to;
};
json_t *audit_search(PGconn *conn, const struct audit_filter *f, struct err *e);

/* The hash of the genesis link: 64 zeros. */
#define AUDIT_GENESIS_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* The canonical encoding of one event (docs/audit.md): compact JSON with sorted
 * keys and ASCII escapes of {seq, at, actor, action, object, details}, where
 * details_json must itself be canonical (as audit_append stores it).  NULL if
 * details_json is not a canonical JSON object.  Caller frees. */
char *audit_canonical(int64_t seq, const char *at, const char *actor, const char *action,
                      const char *object, const char *details_json)
    __attribute__((warn_unused_result));

/* hash = lower-case hex SHA-256(prev_hash || canonical); false if the details
 * are not canonical. */
bool audit_hash(const char *prev_hash, int64_t seq, const char *at, const char *actor,
                const char *action, const char *object, const char *details_json, char out[65])
    __attribute__((warn_unused_result));

#endif
