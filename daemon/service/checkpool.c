/*
 * checkpool: the check pool (see checkpool.h).  One mutex guards the queues, the
 * list of jobs the pool still knows, and every job's state; notify callbacks run
 * under it and only wake their caller.  Threads are detached and counted: a
 * shrinking pool lets a thread above the new size leave after its check, and
 * checkpool_free waits until the count is zero.
 */
#include "checkpool.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "hex.h"
#include "log.h"

#define CHECKPOOL_KEEP_FAILED 256 /* failed checks kept for GET /v1/checks/{id} */
#define CHECKPOOL_MAX_VALIDATORS 8

struct checkpool_job {
	struct checkpool *pool;
	int refs; /* the pool's (until it is done with the job) and the submitter's */
	enum checkpool_state state;
	int64_t id;
	json_t *result;
	struct err err;
	void (*notify)(void *arg);
	void *notify_arg;
	struct config *config;
	struct checks_request rq; /* its strings are the job's own copies */
	char *key, *staged;
	char fp[65];
	struct checks_source src;
	void (*release)(void *arg);
	void *release_arg;
	struct checkpool_job *qnext;       /* intake or run queue */
	struct checkpool_job *prev, *next; /* the pool's list */
	bool listed;
	struct checkpool_job *leader; /* a retry following the same running check */
	struct checkpool_job *followers, *fnext;
	bool follower;
};

struct checkpool {
	pthread_mutex_t lock;
	pthread_cond_t work;   /* a queue got a job, the size changed, or stopping */
	pthread_cond_t gone;   /* a thread left */
	struct config *config; /* in force */
	int target, live;      /* check threads wanted and running */
	bool intake_live;
	int waiting; /* jobs in either queue */
	int running; /* checks on a thread */
	bool stopping;
	struct checkpool_job *intake_head, *intake_tail, *run_head, *run_tail;
	struct checkpool_job *jobs; /* known: queued, running, failed (bounded) */
	int nfailed;
};

static char *checkpool_strdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* ---- jobs ------------------------------------------------------------------------ */

static void checkpool_src_release(struct checkpool_job *j)
{
	if (j->src.fd >= 0)
		close(j->src.fd);
	j->src.fd = -1;
	if (j->release != NULL)
		j->release(j->release_arg);
	j->release = NULL;
	j->src.iov = NULL;
	j->src.niov = 0;
}

static void checkpool_job_free(struct checkpool_job *j)
{
	checkpool_src_release(j);
	json_decref(j->result);
	config_unref(j->config);
	free((char *)j->rq.deliberation);
	free((char *)j->rq.recipient);
	free((char *)j->rq.group);
	free((char *)j->rq.destination);
	free((char *)j->rq.actor);
	free(j->key);
	free(j->staged);
	free(j);
}

/* Lock held. */
static void checkpool_unref(struct checkpool_job *j)
{
	if (--j->refs == 0)
		checkpool_job_free(j);
}

static void checkpool_unlist(struct checkpool *p, struct checkpool_job *j)
{
	if (!j->listed)
		return;
	if (j->prev != NULL)
		j->prev->next = j->next;
	else
		p->jobs = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
	j->listed = false;
	if (j->state == CHECKPOOL_DONE && j->err.kind != ERR_NONE)
		p->nfailed--;
}

static void checkpool_notify(struct checkpool_job *j)
{
	if (j->notify != NULL)
		j->notify(j->notify_arg);
}

/* Lock held.  The job is answered; the pool forgets it unless it failed with an id
 * (kept for GET, the oldest such dropped beyond CHECKPOOL_KEEP_FAILED), and drops
 * its reference. */
static void checkpool_finish(struct checkpool *p, struct checkpool_job *j, json_t *result,
                             const struct err *e)
{
	j->state = CHECKPOOL_DONE;
	j->result = result;
	if (result == NULL)
		j->err = *e;
	checkpool_notify(j);
	for (struct checkpool_job *f = j->followers, *next; f != NULL; f = next) {
		next = f->fnext;
		checkpool_finish(p, f, result != NULL ? json_deep_copy(result) : NULL, e);
		checkpool_unref(j); /* the follower's hold on its leader */
	}
	j->followers = NULL;
	bool keep = result == NULL && j->id > 0 && !j->follower && j->listed;
	if (keep) {
		p->nfailed++;
		if (p->nfailed > CHECKPOOL_KEEP_FAILED) {
			struct checkpool_job *old = NULL;
			for (struct checkpool_job *k = p->jobs; k != NULL; k = k->next)
				if (k != j && k->state == CHECKPOOL_DONE && k->err.kind != ERR_NONE)
					old = k; /* the list is newest first */
			if (old != NULL) {
				checkpool_unlist(p, old);
				checkpool_unref(old);
			}
		}
	} else {
		checkpool_unlist(p, j);
		checkpool_unref(j);
	}
}

/* ---- intake ------------------------------------------------------------------------ */

static void checkpool_hash_str(EVP_MD_CTX *ctx, const char *s)
{
	/* NULL and "" differ: a NULL is a lone 0x01 */
	if (s == NULL)
		EVP_DigestUpdate(ctx, "\x01", 2);
	else
		EVP_DigestUpdate(ctx, s, strlen(s) + 1);
}

/* The request's fingerprint: its parameters and its extract (a body's bytes, or a
 * staged file's name and identity: device, inode, size, modification time). */
static bool checkpool_fingerprint(struct checkpool_job *j)
{
	unsigned char md[32];
	char num[96];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	if (ok) {
		checkpool_hash_str(ctx, "deliberd check request v1");
		checkpool_hash_str(ctx, j->rq.deliberation);
		checkpool_hash_str(ctx, j->rq.recipient);
		checkpool_hash_str(ctx, j->rq.group);
		checkpool_hash_str(ctx, j->rq.destination);
		snprintf(num, sizeof(num), "%d %d %" PRId32, j->rq.phase, j->rq.dry_run,
		         j->rq.date_given ? j->rq.date : 0);
		checkpool_hash_str(ctx, num);
		if (j->staged != NULL) {
			struct stat st;
			ok = fstat(j->src.fd, &st) == 0;
			snprintf(num, sizeof(num), "%ju %ju %jd %jd.%09ld", (uintmax_t)st.st_dev,
			         (uintmax_t)st.st_ino, (intmax_t)st.st_size,
			         (intmax_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
			checkpool_hash_str(ctx, "staged");
			checkpool_hash_str(ctx, j->staged);
			checkpool_hash_str(ctx, num);
		} else {
			checkpool_hash_str(ctx, "body");
			for (size_t i = 0; ok && i < j->src.niov; i++)
				ok = EVP_DigestUpdate(ctx, j->src.iov[i].iov_base,
				                      j->src.iov[i].iov_len);
		}
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen == sizeof(md);
	EVP_MD_CTX_free(ctx);
	if (ok)
		hex_encode(md, sizeof(md), j->fp);
	return ok;
}

/* Keeps a thread's connection on the job's configured database. */
static bool checkpool_db(PGconn **db, char **conninfo, const struct config *c, struct err *e)
{
	if (*conninfo == NULL || strcmp(*conninfo, c->database_conninfo) != 0) {
		db_close(*db);
		*db = NULL;
		free(*conninfo);
		*conninfo = strdup(c->database_conninfo);
	}
	return db_ensure(db, c, e);
}

static void checkpool_key_reused(struct err *e)
{
	err_set_code(e, ERR_CONFLICT, "idempotency_key_reused", "Idempotency-Key",
	             "this Idempotency-Key was already used by this credential for a different "
	             "check (other parameters or another extract)");
}

/* Resolves the Idempotency-Key and reserves the id; queues the check to run, or
 * answers it at once (a retry of a recorded check, an error). */
static void checkpool_intake(struct checkpool *p, struct checkpool_job *j, PGconn **db,
                             char **conninfo)
{
	struct err e = {0};
	json_t *found = NULL;
	int64_t id = 0;
	bool keyed = j->key != NULL && !j->rq.dry_run;

	if (keyed && !checkpool_fingerprint(j)) {
		err_set(&e, ERR_INTERNAL, "cannot compute the request fingerprint");
		goto answer;
	}
	if (keyed) {
		pthread_mutex_lock(&p->lock);
		struct checkpool_job *l = p->jobs;
		for (; l != NULL; l = l->next)
			if (l != j && l->state == CHECKPOOL_ACCEPTED && l->leader == NULL &&
			    l->key != NULL && strcmp(l->key, j->key) == 0 &&
			    strcmp(l->rq.actor, j->rq.actor) == 0)
				break;
		if (l != NULL && strcmp(l->fp, j->fp) != 0) {
			checkpool_key_reused(&e);
		} else if (l != NULL) {
			/* A retry of a check still running: it follows that one. */
			l->refs++;
			j->leader = l;
			j->follower = true;
			j->id = l->id;
			j->fnext = l->followers;
			l->followers = j;
			j->state = CHECKPOOL_ACCEPTED;
			checkpool_notify(j);
			pthread_mutex_unlock(&p->lock);
			checkpool_src_release(j);
			return;
		}
		pthread_mutex_unlock(&p->lock);
		if (e.kind != ERR_NONE)
			goto answer;
	}
	if (!checkpool_db(db, conninfo, j->config, &e))
		goto answer;
	if (keyed) {
		bool hit = false;
		char fp[65] = "";
		if (!checks_find_key(*db, j->rq.actor, j->key, &hit, &id, fp, &found, &e))
			goto answer;
		if (hit && strcmp(fp, j->fp) != 0) {
			json_decref(found);
			found = NULL;
			checkpool_key_reused(&e);
			goto answer;
		}
		if (hit) {
			j->id = id;
			goto answer; /* the recorded check's answer, not a second check */
		}
	}
	if (!j->rq.dry_run && !checks_reserve_id(*db, &id, &e))
		goto answer;
	pthread_mutex_lock(&p->lock);
	j->id = id;
	j->state = CHECKPOOL_ACCEPTED;
	checkpool_notify(j);
	if (p->run_tail != NULL)
		p->run_tail->qnext = j;
	else
		p->run_head = j;
	p->run_tail = j;
	p->waiting++;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	return;
answer:
	checkpool_src_release(j);
	pthread_mutex_lock(&p->lock);
	checkpool_finish(p, j, found, &e);
	pthread_mutex_unlock(&p->lock);
}

static void *checkpool_intake_main(void *arg)
{
	struct checkpool *p = arg;
	PGconn *db = NULL;
	char *conninfo = NULL;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->intake_head == NULL && !p->stopping)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stopping)
			break;
		struct checkpool_job *j = p->intake_head;
		p->intake_head = j->qnext;
		if (p->intake_head == NULL)
			p->intake_tail = NULL;
		j->qnext = NULL;
		p->waiting--;
		pthread_mutex_unlock(&p->lock);
		checkpool_intake(p, j, &db, &conninfo);
		pthread_mutex_lock(&p->lock);
	}
	p->intake_live = false;
	pthread_cond_broadcast(&p->gone);
	pthread_mutex_unlock(&p->lock);
	db_close(db);
	free(conninfo);
	return NULL;
}

/* ---- running ----------------------------------------------------------------------- */

static int checkpool_validators(const struct config *c)
{
	long n = c->validator_threads > 0 ? c->validator_threads : sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return n > CHECKPOOL_MAX_VALIDATORS ? CHECKPOOL_MAX_VALIDATORS : (int)n;
}

static void checkpool_run(struct checkpool *p, struct checkpool_job *j, PGconn **db,
                          char **conninfo)
{
	struct err e = {0};
	json_t *out = NULL;
	struct checks_plan plan = {
	    .id = j->id,
	    .idempotency_key = j->key != NULL && !j->rq.dry_run ? j->key : NULL,
	    .fingerprint = j->fp,
	    .threads = checkpool_validators(j->config),
	};
	if (checkpool_db(db, conninfo, j->config, &e))
		out = checks_run_source(*db, j->config, &j->rq, &j->src, &plan, &e);
	checkpool_src_release(j);
	pthread_mutex_lock(&p->lock);
	checkpool_finish(p, j, out, &e);
	pthread_mutex_unlock(&p->lock);
}

static void *checkpool_main(void *arg)
{
	struct checkpool *p = arg;
	PGconn *db = NULL;
	char *conninfo = NULL;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->run_head == NULL && !p->stopping && p->live <= p->target)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stopping || p->live > p->target)
			break;
		struct checkpool_job *j = p->run_head;
		p->run_head = j->qnext;
		if (p->run_head == NULL)
			p->run_tail = NULL;
		j->qnext = NULL;
		p->waiting--;
		p->running++;
		pthread_mutex_unlock(&p->lock);
		checkpool_run(p, j, &db, &conninfo);
		pthread_mutex_lock(&p->lock);
		p->running--;
	}
	p->live--;
	pthread_cond_broadcast(&p->gone);
	pthread_cond_broadcast(&p->work); /* another may be above the size too */
	pthread_mutex_unlock(&p->lock);
	db_close(db);
	free(conninfo);
	return NULL;
}

static bool checkpool_spawn(struct checkpool *p, void *(*fn)(void *))
{
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	bool ok = pthread_create(&t, &attr, fn, p) == 0;
	pthread_attr_destroy(&attr);
	return ok;
}

/* Lock held: threads up to the target size. */
static void checkpool_grow(struct checkpool *p)
{
	while (p->live < p->target && !p->stopping) {
		p->live++;
		if (!checkpool_spawn(p, checkpool_main)) {
			p->live--;
			log_error("cannot start a check pool thread");
			break;
		}
	}
	pthread_cond_broadcast(&p->work);
}

/* ---- the pool ---------------------------------------------------------------------- */

struct checkpool *checkpool_new(const struct config *c)
{
	struct checkpool *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->gone, NULL);
	p->config = config_ref((struct config *)c);
	p->target = c->check_threads;
	pthread_mutex_lock(&p->lock);
	p->intake_live = checkpool_spawn(p, checkpool_intake_main);
	checkpool_grow(p);
	pthread_mutex_unlock(&p->lock);
	if (!p->intake_live) {
		checkpool_free(p);
		return NULL;
	}
	return p;
}

void checkpool_configure(struct checkpool *p, const struct config *c)
{
	pthread_mutex_lock(&p->lock);
	config_unref(p->config);
	p->config = config_ref((struct config *)c);
	if (p->target != c->check_threads)
		log_info("check pool: %d thread(s), was %d", c->check_threads, p->target);
	p->target = c->check_threads;
	checkpool_grow(p);
	pthread_mutex_unlock(&p->lock);
}

void checkpool_quiesce(struct checkpool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	for (struct checkpool_job *j = p->jobs; j != NULL; j = j->next)
		j->notify = NULL;
	pthread_mutex_unlock(&p->lock);
}

void checkpool_free(struct checkpool *p)
{
	if (p == NULL)
		return;
	struct err e = {0};
	err_set(&e, ERR_UNAVAILABLE, "deliberd is shutting down: the check did not run");
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->work);
	/* Queued checks are answered now; running ones finish. */
	for (struct checkpool_job **q = &p->intake_head; q != NULL;
	     q = q == &p->intake_head ? &p->run_head : NULL) {
		while (*q != NULL) {
			struct checkpool_job *j = *q;
			*q = j->qnext;
			j->qnext = NULL;
			p->waiting--;
			checkpool_src_release(j);
			checkpool_finish(p, j, NULL, &e);
		}
	}
	p->intake_tail = p->run_tail = NULL;
	while (p->live > 0 || p->intake_live)
		pthread_cond_wait(&p->gone, &p->lock);
	while (p->jobs != NULL) {
		struct checkpool_job *j = p->jobs;
		checkpool_unlist(p, j);
		checkpool_unref(j);
	}
	pthread_mutex_unlock(&p->lock);
	config_unref(p->config);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->gone);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

struct checkpool_job *checkpool_submit(struct checkpool *p, const struct config *c,
                                       const struct checkpool_order *o, struct err *e)
{
	struct checkpool_job *j = calloc(1, sizeof(*j));
	if (j == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	j->pool = p;
	j->refs = 2;
	j->rq = *o->rq;
	j->rq.deliberation = checkpool_strdup(o->rq->deliberation);
	j->rq.recipient = checkpool_strdup(o->rq->recipient);
	j->rq.group = checkpool_strdup(o->rq->group);
	j->rq.destination = checkpool_strdup(o->rq->destination);
	j->rq.actor = checkpool_strdup(o->rq->actor);
	j->key = checkpool_strdup(o->idempotency_key);
	j->staged = checkpool_strdup(o->staged_name);
	j->src = o->src;
	j->notify = o->notify;
	j->notify_arg = o->notify_arg;
	j->config = config_ref((struct config *)c);

	pthread_mutex_lock(&p->lock);
	if (p->stopping || p->waiting + p->running >= p->target + p->config->check_queue) {
		pthread_mutex_unlock(&p->lock);
		err_set(e, ERR_UNAVAILABLE, "%s: retry later",
		        p->stopping ? "deliberd is shutting down"
		                    : "every check thread is busy and the queue is full "
		                      "(checks.threads, checks.queue)");
		j->src.fd = -1; /* the caller keeps its extract */
		checkpool_job_free(j);
		return NULL;
	}
	j->release = o->release;
	j->release_arg = o->release_arg;
	j->next = p->jobs;
	if (p->jobs != NULL)
		p->jobs->prev = j;
	p->jobs = j;
	j->listed = true;
	if (p->intake_tail != NULL)
		p->intake_tail->qnext = j;
	else
		p->intake_head = j;
	p->intake_tail = j;
	p->waiting++;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	return j;
}

enum checkpool_state checkpool_job_state(struct checkpool_job *j, int64_t *id, json_t **result,
                                         struct err *e)
{
	struct checkpool *p = j->pool;
	pthread_mutex_lock(&p->lock);
	enum checkpool_state s = j->state;
	*id = j->id;
	*result = NULL;
	if (s == CHECKPOOL_DONE) {
		if (j->result != NULL)
			*result = json_deep_copy(j->result);
		else
			*e = j->err;
	}
	pthread_mutex_unlock(&p->lock);
	return s;
}

void checkpool_job_release(struct checkpool_job *j)
{
	struct checkpool *p = j->pool;
	pthread_mutex_lock(&p->lock);
	j->notify = NULL;
	checkpool_unref(j);
	pthread_mutex_unlock(&p->lock);
}

bool checkpool_lookup(struct checkpool *p, int64_t id, enum checkpool_state *state, struct err *e)
{
	bool found = false;
	pthread_mutex_lock(&p->lock);
	for (struct checkpool_job *j = p->jobs; j != NULL; j = j->next) {
		if (j->id == id && !j->follower && j->state != CHECKPOOL_QUEUED) {
			*state = j->state;
			if (j->state == CHECKPOOL_DONE)
				*e = j->err;
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&p->lock);
	return found;
}
