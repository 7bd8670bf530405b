/*
 * store_checks: the SQL of checks and deliveries (tables deliveries,
 * delivered_persons, person_key of migrations/0003_checks.sql).  Callers own the
 * transaction; nothing here begins or commits one.
 */
#ifndef DELIBERD_STORE_CHECKS_H
#define DELIBERD_STORE_CHECKS_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

/* One check as recorded: hash, counts and rule counts, never a value. */
struct store_check_row {
	int64_t id;
	const char *deliberation; /* "21/128" */
	int version;              /* 0: no terms version in force (NULL) */
	const char *recipient;
	const char *group;
	int phase;
	const char *destination; /* NULL when not given */
	int32_t date;            /* YYYYMMDD */
	bool passed;
	const char *sha256;
	uint64_t rows, persons, bytes;
	const char *error_counts; /* JSON object text: rule id -> count */
	const char *checked_by;
	const char *checked_at; /* RFC 3339, the service's clock */
};

/* The scope of a cross-delivery cap. */
struct store_cap_key {
	const char *recipient;
	const char *deliberation;
	const char *group;
	int phase;
};

/* Which deliveries GET /v1/deliveries lists; NULL fields do not filter. */
struct store_checks_filter {
	const char *recipient;
	const char *deliberation;
	const char *verdict; /* "pass", "fail" */
	int64_t after;       /* ids greater than this */
	int limit;
};

/* Records the person key's fingerprint if none is; *matches says whether the
 * recorded one equals fp, *recorded whether this call recorded it. */
bool store_checks_key_fingerprint(PGconn *db, const char *fp, bool *matches, bool *recorded,
                                  struct err *e) __attribute__((warn_unused_result));

/* Creates the scope's row if new and locks it until the transaction ends (which
 * serialises the cap decisions of the scope); *id and *persons receive its id and
 * the number of distinct persons recorded in it. */
bool store_checks_scope_lock(PGconn *db, const struct store_cap_key *k, int64_t *id,
                             int64_t *persons, struct err *e) __attribute__((warn_unused_result));
/* Sets the scope's person count (only ever up). */
bool store_checks_scope_set(PGconn *db, int64_t id, int64_t persons, struct err *e)
    __attribute__((warn_unused_result));
/* How many of hashes (a text[] literal of lowercase hex, "{ab..,cd..}", no
 * duplicates) the scope does not hold yet. */
bool store_checks_count_new(PGconn *db, int64_t scope, const char *hashes, int64_t *count,
                            struct err *e) __attribute__((warn_unused_result));
/* Records those of hashes the scope does not hold yet; *added says how many.  Only
 * under the scope's lock (no concurrent insert can race the NOT EXISTS). */
bool store_checks_add_persons(PGconn *db, int64_t scope, const char *hashes, int64_t delivery_id,
                              int64_t *added, struct err *e) __attribute__((warn_unused_result));

/* A savepoint "cap" in the current transaction, and the way back to it. */
bool store_checks_savepoint(PGconn *db, struct err *e) __attribute__((warn_unused_result));
bool store_checks_rollback_savepoint(PGconn *db, struct err *e) __attribute__((warn_unused_result));

/* The id the next recorded check will have (persons are recorded before it). */
bool store_checks_next_id(PGconn *db, int64_t *id, struct err *e)
    __attribute__((warn_unused_result));
/* Inserts the check with the id from store_checks_next_id. */
bool store_checks_insert(PGconn *db, const struct store_check_row *row, struct err *e)
    __attribute__((warn_unused_result));

/* A delivery as JSON; NULL with ERR_NOT_FOUND when there is none. */
json_t *store_checks_get(PGconn *db, int64_t id, bool for_update, struct err *e)
    __attribute__((warn_unused_result));
/* {"deliveries": [...], "next_after": id or null}. */
json_t *store_checks_list(PGconn *db, const struct store_checks_filter *f, struct err *e)
    __attribute__((warn_unused_result));
/* Sets shipped_at = at (RFC 3339) and shipped_by on a passed, unshipped delivery;
 * returns the updated row.  The caller has checked state under FOR UPDATE. */
json_t *store_checks_ship(PGconn *db, int64_t id, const char *actor, const char *at, struct err *e)
    __attribute__((warn_unused_result));
/* Distinct persons recorded in the cap scope k whose first delivery is shipped or
 * is delivery id: what the recipient holds once id ships. */
bool store_checks_shipped_persons(PGconn *db, const struct store_cap_key *k, int64_t id,
                                  int64_t *persons, struct err *e)
    __attribute__((warn_unused_result));

/* A delivery made before deliberd, registered by governance (source "imported"). */
struct store_import_row {
	const char *deliberation, *recipient, *group, *destination; /* destination may be NULL */
	int phase;
	int version;            /* 0: none in force on delivered_on */
	int32_t delivered_on;   /* YYYYMMDD */
	const char *shipped_at; /* RFC 3339: 00:00 Brussels of delivered_on */
	const char *sha256, *note, *actor, *now;
	uint64_t rows, persons;
};
/* Inserts it, passed and shipped; returns the row as GET /v1/deliveries shows it. */
json_t *store_checks_import(PGconn *db, const struct store_import_row *row, struct err *e)
    __attribute__((warn_unused_result));

/* The report of check id as answered (migrations/0009_check_reports.sql), with the
 * Idempotency-Key and request fingerprint it came with (both NULL or both set). */
bool store_checks_report_insert(PGconn *db, int64_t id, const char *actor, const char *key,
                                const char *fingerprint, const char *report, struct err *e)
    __attribute__((warn_unused_result));
/* The check recorded by actor under key: *found false when none; else its id, its
 * request fingerprint (fp, 65 bytes) and its report (*report, a new reference). */
bool store_checks_report_by_key(PGconn *db, const char *actor, const char *key, bool *found,
                                int64_t *id, char fp[65], json_t **report, struct err *e)
    __attribute__((warn_unused_result));
/* The report of check id and the recipient it was for (recipient, 64 bytes); NULL
 * with ERR_NOT_FOUND when there is none. */
json_t *store_checks_report_get(PGconn *db, int64_t id, char recipient[64], struct err *e)
    __attribute__((warn_unused_result));

#endif
