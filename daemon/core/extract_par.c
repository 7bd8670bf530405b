/*
 * extract_par: extract_run_buffer(), the validator on several cores for an
 * extract held in memory.  SHA-256 cannot be split, so one thread hashes the whole
 * buffer while the others validate segments.  Segments start after a newline
 * near equal fractions of the buffer, a guess made without reading what precedes
 * it.  The guess is checked when segments are joined, in order: the validator
 * that read everything before a segment must have ended exactly at its start,
 * between two records (so the newline was not inside a quoted field, nor inside a
 * record cut by the length bound); if not, that segment is simply re-read by it.
 * Joining (extract_priv_absorb) adds counts, renumbers lines, keeps the first
 * error examples and merges person sets, so the result is the single-stream report
 * exactly; when the sample cap is crossed inside a later segment, that segment is
 * re-read too, to find the exact row.
 *
 * The extract is read through an extract_reader: a buffer in memory (the CLI's
 * mapping) is handed out in place; a staged file is read with pread into a buffer
 * per thread, so that the daemon never maps a file someone else could truncate.
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csv.h"
#include "extract.h"
#include "extract_priv.h"
#include "hex.h"

#define SLICE (4u << 20)   /* bytes fed per call, between progress updates */
#define PAR_MIN (8u << 20) /* below this, one stream */
#define MAX_SEGMENTS 16
#define WINDOW (CSV_MAX_RECORD + 4) /* what the header and a split guess look at */

struct runner;

struct segment {
	struct runner *run;
	struct extract_validator *v;
	uint64_t off, len;
	bool final;
	bool started;
	pthread_t thread;
};

struct runner {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int running;
	atomic_uint_fast64_t done; /* bytes validated, for progress */
	const struct extract_reader *rd;
	atomic_bool failed; /* a read failed: everyone stops */
	struct err err;     /* the first read error, under lock */
	char hex[65];
	bool hashed;
};

/* The n bytes at off (n <= SLICE), in place or in scratch; NULL once any read failed. */
static const char *runner_at(struct runner *run, uint64_t off, size_t n, char *scratch)
{
	if (atomic_load(&run->failed))
		return NULL;
	struct err e = {0};
	const char *p = run->rd->at(run->rd->arg, off, n, scratch, &e);
	if (p == NULL) {
		pthread_mutex_lock(&run->lock);
		if (!atomic_load(&run->failed)) {
			if (e.kind == ERR_NONE)
				err_set(&e, ERR_INTERNAL, "cannot read the extract");
			run->err = e;
			atomic_store(&run->failed, true);
		}
		pthread_mutex_unlock(&run->lock);
	}
	return p;
}

/* A buffer for a reader that copies (one per thread), else none is needed. */
static char *scratch_new(const struct extract_reader *rd)
{
	return rd->copies ? malloc(SLICE) : NULL;
}

static void feed_slices(struct runner *run, struct extract_validator *v, uint64_t off, uint64_t len,
                        char *scratch)
{
	for (uint64_t pos = 0; pos < len; pos += SLICE) {
		size_t n = len - pos < SLICE ? (size_t)(len - pos) : SLICE;
		const char *p = runner_at(run, off + pos, n, scratch);
		if (p == NULL)
			return;
		extract_priv_consume(v, p, n);
		atomic_fetch_add(&run->done, n);
	}
}

static void thread_done(struct runner *run)
{
	pthread_mutex_lock(&run->lock);
	run->running--;
	pthread_cond_broadcast(&run->cond);
	pthread_mutex_unlock(&run->lock);
}

static void *segment_main(void *arg)
{
	struct segment *s = arg;
	char *scratch = scratch_new(s->run->rd);
	if (s->run->rd->copies && scratch == NULL) {
		pthread_mutex_lock(&s->run->lock);
		err_set(&s->run->err, ERR_INTERNAL, "out of memory");
		atomic_store(&s->run->failed, true);
		pthread_mutex_unlock(&s->run->lock);
	} else {
		feed_slices(s->run, s->v, s->off, s->len, scratch);
		if (s->final)
			extract_priv_end_input(s->v);
	}
	free(scratch);
	thread_done(s->run);
	return NULL;
}

static void hash_all(struct runner *run)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	uint64_t len = run->rd->len;
	char *scratch = scratch_new(run->rd);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx != NULL && (scratch != NULL || !run->rd->copies) &&
	          EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (uint64_t pos = 0; ok && pos < len; pos += SLICE) {
		size_t n = len - pos < SLICE ? (size_t)(len - pos) : SLICE;
		const char *p = runner_at(run, pos, n, scratch);
		ok = p != NULL && EVP_DigestUpdate(ctx, p, n);
	}
	if (ok && EVP_DigestFinal_ex(ctx, md, &mdlen)) {
		hex_encode(md, sizeof(md), run->hex);
		run->hashed = true;
	}
	EVP_MD_CTX_free(ctx);
	free(scratch);
}

static void *hash_main(void *arg)
{
	hash_all(arg);
	return NULL;
}

/* After a record boundary at b, skips blank lines (a segment must start with a
 * non-blank record); 0 if only blank lines follow (in the window: whether more
 * follow beyond it is not known, and no split is made there). */
static size_t skip_blank(const char *buf, size_t len, size_t b)
{
	while (b < len) {
		if (buf[b] == '\n')
			b++;
		else if (buf[b] == '\r' && b + 1 < len && buf[b + 1] == '\n')
			b += 2;
		else if (buf[b] == '\r' && b + 1 == len)
			return 0;
		else
			return b;
	}
	return 0;
}

/* A candidate split: the line after the first LF at or after target, past any
 * blank lines.  It is only a guess (the LF may lie inside a quoted field): the
 * join checks that the previous segment's validator ended exactly there,
 * between two records, and otherwise re-reads the segment.  0 if none. */
static uint64_t guess_split(struct runner *run, uint64_t target, char *scratch)
{
	uint64_t len = run->rd->len;
	size_t n = len - target < WINDOW ? (size_t)(len - target) : WINDOW;
	const char *w = runner_at(run, target, n, scratch);
	const char *lf = w != NULL ? memchr(w, '\n', n) : NULL;
	if (lf == NULL)
		return 0;
	size_t b = skip_blank(w, n, (size_t)(lf - w) + 1);
	return b != 0 ? target + b : 0;
}

static void progress_tick(struct runner *run, void (*progress)(void *, uint64_t, uint64_t),
                          void *arg)
{
	if (progress)
		progress(arg, atomic_load(&run->done), run->rd->len);
}

static struct extract_validator *
run_reader(const struct terms_deliberation *d, const struct extract_params *p,
           const struct extract_reader *rd, int nthreads,
           void (*progress)(void *arg, uint64_t done, uint64_t total), void *arg,
           struct extract_report *r, struct err *e)
{
	uint64_t len = rd->len;
	struct extract_validator *v = extract_new(d, p, e);
	if (!v)
		return NULL;
	struct runner run = {.rd = rd};
	pthread_mutex_init(&run.lock, NULL);
	pthread_cond_init(&run.cond, NULL);
	atomic_init(&run.done, 0);
	atomic_init(&run.failed, false);
	char *scratch = scratch_new(rd);
	if (rd->copies && scratch == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		extract_free(v);
		return NULL;
	}

	if (nthreads < 2 || len < PAR_MIN) {
		/* One stream, hashing inline. */
		for (uint64_t pos = 0; pos < len; pos += SLICE) {
			size_t n = len - pos < SLICE ? (size_t)(len - pos) : SLICE;
			const char *b = runner_at(&run, pos, n, scratch);
			if (b == NULL)
				break;
			extract_feed(v, b, n);
			if (progress)
				progress(arg, pos + n, len);
		}
		if (atomic_load(&run.failed))
			goto failed;
		extract_finish(v, r);
		goto out;
	}

	extract_priv_set_hash(v, false, NULL);
	pthread_t hasher;
	bool hash_thread = pthread_create(&hasher, NULL, hash_main, &run) == 0;

	/* The header on this thread, then the split points. */
	size_t probe = len < WINDOW ? (size_t)len : WINDOW;
	const char *first = runner_at(&run, 0, probe, scratch);
	size_t h = first != NULL ? csv_first_line_end(first, probe) : 0;
	struct segment seg[MAX_SEGMENTS];
	size_t nseg = 0;
	char delim = ',';
	if (h) {
		extract_priv_consume(v, first, h);
		atomic_fetch_add(&run.done, h);
	}
	if (h && extract_priv_header_ok(v, &delim) && extract_priv_at_boundary(v)) {
		size_t want = (size_t)nthreads < MAX_SEGMENTS ? (size_t)nthreads : MAX_SEGMENTS;
		uint64_t start = h;
		for (size_t k = 1; k <= want; k++) {
			uint64_t end = len;
			if (k < want) {
				uint64_t target = h + (len - h) / want * k;
				end = target > start ? guess_split(&run, target, scratch) : 0;
				if (end == 0)
					end = len;
			}
			seg[nseg++] = (struct segment){
			    .run = &run, .off = start, .len = end - start, .final = end == len};
			start = end;
			if (end == len)
				break;
		}
	}
	if (nseg < 2) {
		/* One stream (on this thread, the hasher still in parallel). */
		feed_slices(&run, v, h, len - h, scratch);
		extract_priv_end_input(v);
	} else {
		seg[0].v = v;
		for (size_t k = 1; k < nseg; k++) {
			seg[k].v = extract_priv_clone(v);
			pthread_mutex_lock(&run.lock);
			run.running++;
			pthread_mutex_unlock(&run.lock);
			seg[k].started =
			    pthread_create(&seg[k].thread, NULL, segment_main, &seg[k]) == 0;
			if (!seg[k].started) {
				pthread_mutex_lock(&run.lock);
				run.running--;
				pthread_mutex_unlock(&run.lock);
			}
		}
		for (uint64_t pos = 0; pos < seg[0].len; pos += SLICE) {
			size_t n = seg[0].len - pos < SLICE ? (size_t)(seg[0].len - pos) : SLICE;
			const char *b = runner_at(&run, seg[0].off + pos, n, scratch);
			if (b == NULL)
				break;
			extract_priv_consume(v, b, n);
			atomic_fetch_add(&run.done, n);
			progress_tick(&run, progress, arg);
		}
		/* Segments whose thread could not start run here. */
		for (size_t k = 1; k < nseg; k++) {
			if (!seg[k].started) {
				feed_slices(&run, seg[k].v, seg[k].off, seg[k].len, scratch);
				if (seg[k].final)
					extract_priv_end_input(seg[k].v);
			}
		}
		pthread_mutex_lock(&run.lock);
		while (run.running > 0) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 100 * 1000 * 1000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&run.cond, &run.lock, &ts);
			pthread_mutex_unlock(&run.lock);
			progress_tick(&run, progress, arg);
			pthread_mutex_lock(&run.lock);
		}
		pthread_mutex_unlock(&run.lock);
		for (size_t k = 1; k < nseg; k++) {
			if (seg[k].started)
				pthread_join(seg[k].thread, NULL);
			bool ok = extract_priv_at_boundary(v) &&
			          (seg[k].final || extract_priv_at_boundary(seg[k].v)) &&
			          extract_priv_absorb(v, seg[k].v);
			if (!ok) {
				feed_slices(&run, v, seg[k].off, seg[k].len, scratch);
				if (seg[k].final)
					extract_priv_end_input(v);
			}
			extract_free(seg[k].v);
		}
		extract_priv_end_input(v);
	}
	if (hash_thread)
		pthread_join(hasher, NULL);
	else
		hash_all(&run);
	if (atomic_load(&run.failed))
		goto failed;
	if (!run.hashed) {
		err_set(e, ERR_INTERNAL, "could not compute the SHA-256 of the extract");
		goto fail;
	}
	extract_priv_set_hash(v, false, run.hex);
	extract_priv_add_bytes(v, len);
	progress_tick(&run, progress, arg);
	extract_priv_report(v, r);
out:
	free(scratch);
	pthread_mutex_destroy(&run.lock);
	pthread_cond_destroy(&run.cond);
	return v;
failed:
	*e = run.err;
fail:
	extract_free(v);
	v = NULL;
	goto out;
}

/* An extract_reader over one buffer in memory: always in place. */
static const char *buffer_at(void *arg, uint64_t off, size_t n, char *scratch, struct err *e)
{
	(void)n;
	(void)scratch;
	(void)e;
	return (const char *)arg + off;
}

struct extract_validator *
extract_run_buffer(const struct terms_deliberation *d, const struct extract_params *p,
                   const char *buf, size_t len, int nthreads,
                   void (*progress)(void *arg, uint64_t done, uint64_t total), void *arg,
                   struct extract_report *r, struct err *e)
{
	struct extract_reader rd = {.len = len, .at = buffer_at, .arg = (void *)buf};
	return run_reader(d, p, &rd, nthreads, progress, arg, r, e);
}

struct extract_validator *extract_run_reader(const struct terms_deliberation *d,
                                             const struct extract_params *p,
                                             const struct extract_reader *rd, int nthreads,
                                             struct extract_report *r, struct err *e)
{
	return run_reader(d, p, rd, nthreads, NULL, NULL, r, e);
}

/* ---- a stream, hashed on a thread of its own ------------------------------------- */

#define STREAM_BUFS 3
#define STREAM_BUF (4u << 20)

struct stream {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char *buf[STREAM_BUFS];
	size_t len[STREAM_BUFS];
	bool full[STREAM_BUFS];   /* read, not yet hashed */
	bool hashed[STREAM_BUFS]; /* the hasher is done with it */
	bool end;                 /* no more buffers */
	EVP_MD_CTX *sha;
	bool ok;
};

static void *stream_hash_main(void *arg)
{
	struct stream *s = arg;
	for (size_t i = 0;; i = (i + 1) % STREAM_BUFS) {
		pthread_mutex_lock(&s->lock);
		while (!s->full[i] && !s->end)
			pthread_cond_wait(&s->cond, &s->lock);
		if (!s->full[i]) {
			pthread_mutex_unlock(&s->lock);
			break;
		}
		pthread_mutex_unlock(&s->lock);
		if (!EVP_DigestUpdate(s->sha, s->buf[i], s->len[i]))
			s->ok = false;
		pthread_mutex_lock(&s->lock);
		s->full[i] = false;
		s->hashed[i] = true;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

struct extract_validator *extract_run_stream(const struct terms_deliberation *d,
                                             const struct extract_params *p, extract_read_fn rd,
                                             void *arg, struct extract_report *r, struct err *e)
{
	struct extract_validator *v = extract_new(d, p, e);
	if (!v)
		return NULL;
	struct stream s = {.ok = true};
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.cond, NULL);
	s.sha = EVP_MD_CTX_new();
	bool ok = s.sha != NULL && EVP_DigestInit_ex(s.sha, EVP_sha256(), NULL);
	for (int i = 0; ok && i < STREAM_BUFS; i++) {
		s.buf[i] = malloc(STREAM_BUF);
		s.hashed[i] = true;
		ok = s.buf[i] != NULL;
	}
	pthread_t hasher;
	if (!ok || pthread_create(&hasher, NULL, stream_hash_main, &s) != 0) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	extract_priv_set_hash(v, false, NULL);
	bool failed = false;
	for (size_t i = 0;; i = (i + 1) % STREAM_BUFS) {
		pthread_mutex_lock(&s.lock);
		while (!s.hashed[i])
			pthread_cond_wait(&s.cond, &s.lock);
		pthread_mutex_unlock(&s.lock);
		size_t n = 0;
		if (!rd(arg, s.buf[i], STREAM_BUF, &n, e)) {
			failed = true;
			n = 0;
		}
		pthread_mutex_lock(&s.lock);
		if (n == 0) {
			s.end = true;
		} else {
			s.len[i] = n;
			s.hashed[i] = false;
			s.full[i] = true;
		}
		pthread_cond_broadcast(&s.cond);
		pthread_mutex_unlock(&s.lock);
		if (n == 0)
			break;
		extract_feed(v, s.buf[i], n); /* counts the bytes; the hasher hashes them */
	}
	pthread_join(hasher, NULL);
	unsigned char md[32];
	unsigned int mdlen = 0;
	ok = !failed && s.ok && EVP_DigestFinal_ex(s.sha, md, &mdlen) && mdlen == sizeof(md);
	if (ok) {
		char hex[65];
		hex_encode(md, sizeof(md), hex);
		extract_priv_set_hash(v, false, hex);
		extract_finish(v, r);
	} else if (!failed) {
		err_set(e, ERR_INTERNAL, "could not compute the SHA-256 of the extract");
	}
out:
	for (int i = 0; i < STREAM_BUFS; i++)
		free(s.buf[i]);
	EVP_MD_CTX_free(s.sha);
	pthread_mutex_destroy(&s.lock);
	pthread_cond_destroy(&s.cond);
	if (!ok) {
		extract_free(v);
		return NULL;
	}
	return v;
}
