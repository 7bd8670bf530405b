/*
 * checks: the check service behind POST /v1/checks and the deliveries it records.
 * A check streams an extract through the validator (no transaction held while
 * reading), then, in one transaction, applies the cross-delivery sample cap,
 * records the check (hash, counts, rule counts, terms version: never a value),
 * reserves the persons of a passed capped delivery as keyed hashes, and writes
 * the audit event.  No HTTP types here: the extract arrives through a chunk
 * callback, so any face can feed it.
 */
#ifndef DELIBERD_CHECKS_H
#define DELIBERD_CHECKS_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "config.h"
#include "err.h"

/* Hands out the extract one chunk at a time: *len == 0 marks the end.  The chunk
 * stays valid until the next call.  false with e set on a read error. */
typedef bool (*checks_next_fn)(void *arg, const char **buf, size_t *len, struct err *e);

struct checks_request {
	const char *deliberation; /* "21/128" or "21-128" (see terms_reference_parse) */
	const char *recipient;
	const char *group;
	int phase;
	const char *destination; /* NULL: not given */
	int32_t date;            /* YYYYMMDD: today in Brussels, or the date asked for */
	bool date_given;         /* the caller chose the date: only with dry_run */
	bool dry_run;            /* judge, record nothing ("recorded": false) */
	int64_t now;             /* the server's clock: checked_at */
	const char *actor;       /* audit actor, "credential:<id>" */
};

/* Runs and records one check.  Returns the validator's report with "check_id",
 * "recorded": true, and "delivery_id" when it passed; a failing extract is a
 * result, not an error.  A dry run computes the same report (cap included, in a
 * transaction rolled back) and answers "recorded": false with no ids.  A date
 * chosen by the caller without dry_run, or no destination where the terms list
 * destinations for the phase, is 400 invalid_parameter.
 * NULL with e set when the check could not run (unknown deliberation, bad
 * parameters, read error, database).  The parameters are validated here, for every
 * face: a missing one (NULL, phase 0) is ERR_INVALID naming its field, as is a
 * date that is not a calendar date (0). */
json_t *checks_run(PGconn *db, const struct config *c, const struct checks_request *rq,
                   checks_next_fn next, void *arg, struct err *e)
    __attribute__((warn_unused_result));

/* The same, reading an already opened regular file in 1 MiB blocks (flat memory),
 * and no further than its size when the check begins: bytes appended meanwhile are
 * not read, and a file that shrinks fails ERR_CONFLICT. */
json_t *checks_run_fd(PGconn *db, const struct config *c, const struct checks_request *rq, int fd,
                      struct err *e) __attribute__((warn_unused_result));

/* How a check is recorded and read when it runs on the check pool. */
struct checks_plan {
	int64_t id;                  /* reserved with checks_reserve_id; 0: the next one */
	const char *idempotency_key; /* recorded with the check; NULL: none */
	const char *fingerprint;     /* with a key: the request's SHA-256, hex */
	int threads;                 /* validator threads (extract_run_reader); < 2: one */
};

/* An extract the parallel validator can read by offset: a staged file (fd >= 0,
 * read with pread up to size, never mapped) or a body in memory in pieces (fd -1;
 * offsets[i] is where iov[i] starts). */
struct checks_source {
	int fd;
	uint64_t size;
	const struct iovec *iov;
	const uint64_t *offsets;
	size_t niov;
};

/* checks_run on the parallel validator path (the CLI's), recording the answer
 * (GET /v1/checks/{id}) and the plan's Idempotency-Key with the check. */
json_t *checks_run_source(PGconn *db, const struct config *c, const struct checks_request *rq,
                          const struct checks_source *src, const struct checks_plan *plan,
                          struct err *e) __attribute__((warn_unused_result));

/* An id for a check about to run (Location of a 202 before the check ends). */
bool checks_reserve_id(PGconn *db, int64_t *id, struct err *e) __attribute__((warn_unused_result));

/* The check actor recorded under Idempotency-Key key: *found, its id, request
 * fingerprint and answer (*report, a new reference). */
bool checks_find_key(PGconn *db, const char *actor, const char *key, bool *found, int64_t *id,
                     char fingerprint[65], json_t **report, struct err *e)
    __attribute__((warn_unused_result));

/* The answer of recorded check id (as POST /v1/checks gave it); only_recipient
 * (non-NULL) hides other recipients' checks (ERR_NOT_FOUND). */
json_t *checks_report(PGconn *db, int64_t id, const char *only_recipient, struct err *e)
    __attribute__((warn_unused_result));

/* Reads the next block of at most size bytes of fd, and of at most *left more
 * bytes (decremented); *len == 0 once *left is 0.  An end of file before that is
 * ERR_CONFLICT ("staged file changed while being checked"). */
bool checks_read_bounded(int fd, char *buf, size_t size, uint64_t *left, size_t *len, struct err *e)
    __attribute__((warn_unused_result));

/* Opens NAME inside config->staging_dir for reading: a plain file name, no
 * directories, no symlinks, a regular file.  Returns the fd or -1 with e set
 * (ERR_INVALID for a refused name or disabled staging, ERR_NOT_FOUND). */
int checks_open_staged(const struct config *c, const char *name, struct err *e)
    __attribute__((warn_unused_result));

/* Marks a passed delivery as shipped at now (audited), judging again on the
 * server's clock what may have changed since the check.  ERR_NOT_FOUND, or
 * ERR_CONFLICT when the check failed or the delivery was already shipped, or a
 * refusal with its own code (audited as delivery.ship_refused, nothing else
 * changes): check_expired (older than checks.ship_within_days), retention_ended,
 * terms_changed (today's terms no longer allow recipient, group, phase or
 * destination), destruction_ordered (a live no-longer-needed order), cap_exceeded.
 * A shipped delivery joins the open deadline order of its recipient and
 * deliberation, if any ("destruction_order" in the answer). */
json_t *checks_ship(PGconn *db, const struct config *c, int64_t id, const char *actor, int64_t now,
                    struct err *e) __attribute__((warn_unused_result));

/* Registers a delivery made before deliberd (governance): body {deliberation,
 * recipient, group, phase, destination, delivered_on, sha256, rows, persons, note}.
 * Recorded as passed and shipped at 00:00 Brussels of delivered_on, "source":
 * "imported", audited (delivery.imported); retention covers it like any other (it
 * joins an open deadline order at once).  A bad or unknown member is 400
 * invalid_parameter naming it; recipient, group, phase and destination must be
 * ones the terms in force on delivered_on name, when they are on record. */
json_t *checks_import(PGconn *db, const json_t *body, const char *actor, int64_t now, struct err *e)
    __attribute__((warn_unused_result));

/* One delivery; only_recipient (non-NULL) hides those of other recipients
 * (ERR_NOT_FOUND). */
json_t *checks_get(PGconn *db, int64_t id, const char *only_recipient, struct err *e)
    __attribute__((warn_unused_result));

struct checks_filter {
	const char *recipient;    /* NULL: all */
	const char *deliberation; /* "21/128" or NULL */
	const char *verdict;      /* "pass", "fail" or NULL */
	int64_t after;            /* ids greater than this (paging) */
	int limit;                /* 1..1000 */
};
json_t *checks_list(PGconn *db, const struct checks_filter *f, struct err *e)
    __attribute__((warn_unused_result));

#endif
