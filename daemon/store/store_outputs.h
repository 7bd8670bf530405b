/*
 * store_outputs: the SQL of output checking (migration 0007): supervision
 * sessions, outputs submitted from the secure room, their reviews and signed
 * releases.  Rows come back as JSON objects built by the database.
 */
#ifndef DELIBERD_STORE_OUTPUTS_H
#define DELIBERD_STORE_OUTPUTS_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct store_session_new {
	const char *recipient, *deliberation; /* deliberation may be NULL */
	const char *supervisor, *researchers; /* researchers: a JSON array as text */
	const char *starts_at, *ends_at;      /* RFC 3339 */
	const char *created_by;
};
/* The new session as {id, recipient, deliberation, supervisor, researchers,
 * starts_at, ends_at, created_by, created_at}. */
json_t *store_outputs_session_insert(PGconn *db, const struct store_session_new *s, struct err *e)
    __attribute__((warn_unused_result));
/* One session (ERR_NOT_FOUND when none, or not of recipient when it is not NULL). */
json_t *store_outputs_session(PGconn *db, int64_t id, const char *recipient, struct err *e)
    __attribute__((warn_unused_result));

struct store_output_new {
	int64_t session_id;
	const char *recipient, *deliberation, *evidence;
	const char *spec, *report, *published; /* JSON texts */
	const char *submitted_by;
};
bool store_outputs_insert(PGconn *db, const struct store_output_new *o, int64_t *id, struct err *e)
    __attribute__((warn_unused_result));
/* {id, session, recipient, deliberation, evidence, spec, report, published, status,
 * submitted_by, submitted_at, decided_at, release_sha256, release_key_id, reviews:
 * [...]}; lock: SELECT ... FOR UPDATE of the output row.  ERR_NOT_FOUND when none
 * (or not of recipient when it is not NULL). */
json_t *store_outputs_get(PGconn *db, int64_t id, const char *recipient, bool lock, struct err *e)
    __attribute__((warn_unused_result));
/* [{id, session, recipient, deliberation, evidence, spec, verdict, status,
 * submitted_at, decided_at, approvals}] by id; status and recipient may be NULL. */
json_t *store_outputs_list(PGconn *db, const char *status, const char *recipient, struct err *e)
    __attribute__((warn_unused_result));

struct store_review_new {
	int64_t output_id, credential_id;
	const char *checker, *decision, *comment, *exceptions; /* exceptions: JSON text */
};
/* ERR_CONFLICT (unique violation) when this credential already reviewed it. */
bool store_outputs_review_insert(PGconn *db, const struct store_review_new *r, struct err *e)
    __attribute__((warn_unused_result));
bool store_outputs_set_rejected(PGconn *db, int64_t id, struct err *e)
    __attribute__((warn_unused_result));
bool store_outputs_set_released(PGconn *db, int64_t id, const char *document, const char *sha256,
                                const char *signature_hex, const char *key_id, struct err *e)
    __attribute__((warn_unused_result));
/* The signed release: document bytes and DER signature (malloc'd). */
bool store_outputs_release(PGconn *db, int64_t id, const char *recipient, char **document,
                           unsigned char **signature, size_t *signature_len, char **key_id,
                           struct err *e) __attribute__((warn_unused_result));

#endif
