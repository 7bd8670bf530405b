/*
 * checkpool: checks run on a pool of threads, off the HTTP event loops, so that a
 * long check never holds up another request.  A submitted check first goes through
 * intake (one thread of its own, never behind running checks): its Idempotency-Key
 * is resolved (the same credential, key and request give the check already
 * recorded or still running, never a second one; the same key with another request
 * is 409 idempotency_key_reused) and its id reserved, so that the caller can answer
 * 202 with a Location at once.  Then one of checks.threads threads runs it
 * (checks_run_source, the parallel validator) and records it.  The caller is told
 * of each step through a notify callback, called on a pool thread, which must only
 * wake the caller's own thread (event_active): nothing here touches HTTP.
 */
#ifndef DELIBERD_CHECKPOOL_H
#define DELIBERD_CHECKPOOL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "checks.h"
#include "config.h"
#include "err.h"

struct checkpool;
struct checkpool_job;

enum checkpool_state {
	CHECKPOOL_QUEUED,   /* waiting for intake */
	CHECKPOOL_ACCEPTED, /* id known (0 for a dry run), waiting for or on a thread */
	CHECKPOOL_DONE,     /* answered: a report, or an error */
};

/* What to check.  Everything is copied, except the extract: src.fd is the job's
 * (closed by it), and what src.iov points to stays valid until release(arg) is
 * called, on a pool thread, once the job no longer reads it. */
struct checkpool_order {
	const struct checks_request *rq;
	const char *idempotency_key; /* NULL: none (ignored for a dry run) */
	const char *staged_name;     /* a staged file's name (its fingerprint), else NULL */
	struct checks_source src;
	void (*release)(void *arg);
	void *release_arg;
	void (*notify)(void *arg); /* each state change; pool thread, lock held: only wake */
	void *notify_arg;
};

struct checkpool *checkpool_new(const struct config *c) __attribute__((warn_unused_result));
/* Follows a reloaded configuration: pool size (threads beyond it stop after their
 * check), queue bound, database. */
void checkpool_configure(struct checkpool *p, const struct config *c);
/* No more notifications to anyone (the event loops are about to go away): called
 * before the callers' threads and events are freed. */
void checkpool_quiesce(struct checkpool *p);
/* Lets the running checks finish (waiting for them), fails the queued ones with
 * ERR_UNAVAILABLE, stops the threads. */
void checkpool_free(struct checkpool *p);

/* Queues a check; NULL with e set (ERR_UNAVAILABLE) when checks.queue checks are
 * already waiting or the pool is stopping.  On failure nothing of the order is
 * kept: the caller still owns src (fd and buffers). */
struct checkpool_job *checkpool_submit(struct checkpool *p, const struct config *c,
                                       const struct checkpool_order *o, struct err *e)
    __attribute__((warn_unused_result));
/* The job's state; with CHECKPOOL_ACCEPTED or DONE its check id (0: dry run); with
 * DONE its answer (*result, a new reference) or its error (e set). */
enum checkpool_state checkpool_job_state(struct checkpool_job *j, int64_t *id, json_t **result,
                                         struct err *e);
/* The caller is done with the job: no more notifications, its reference dropped. */
void checkpool_job_release(struct checkpool_job *j);

/* Check id as the pool knows it: false when it does not (recorded, or never
 * existed: ask the database); else its state, and e set when it failed. */
bool checkpool_lookup(struct checkpool *p, int64_t id, enum checkpool_state *state, struct err *e);

#endif
