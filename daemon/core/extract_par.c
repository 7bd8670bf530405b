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

#define SLICE (4u << 20)   /* bytes fed per call, between progress updates */
#define PAR_MIN (8u << 20) /* below this, one stream */
#define MAX_SEGMENTS 16

struct runner;

struct segment {
	struct runner *run;
	struct extract_validator *v;
	const char *buf;
	size_t len;
	bool final;
	bool started;
	pthread_t thread;
};

struct runner {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int running;
	atomic_uint_fast64_t done; /* bytes validated, for progress */
	const char *buf;
	size_t len;
	char hex[65];
	bool hashed;
};

static void feed_slices(struct runner *run, struct extract_validator *v, const char *buf,
                        size_t len)
{
	for (size_t pos = 0; pos < len; pos += SLICE) {
		size_t n = len - pos < SLICE ? len - pos : SLICE;
		extract_priv_consume(v, buf + pos, n);
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
	feed_slices(s->run, s->v, s->buf, s->len);
	if (s->final)
		extract_priv_end_input(s->v);
	thread_done(s->run);
	return NULL;
}

static void hash_buffer(struct runner *run)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	    EVP_DigestUpdate(ctx, run->buf, run->len) && EVP_DigestFinal_ex(ctx, md, &mdlen)) {
		for (int i = 0; i < 32; i++)
			snprintf(run->hex + 2 * i, 3, "%02x", md[i]);
		run->hashed = true;
	}
	EVP_MD_CTX_free(ctx);
}

static void *hash_main(void *arg)
{
	hash_buffer(arg);
	return NULL;
}

/* After a record boundary at b, skips blank lines (a segment must start with a
 * non-blank record); 0 if only blank lines follow. */
static size_t skip_blank(const char *buf, size_t len, size_t b)
{
	while (b < len) {
		if (buf[b] == '\n')
			b++;
		else if (buf[b] == '\r' && (b + 1 == len || buf[b + 1] == '\n'))
			b += 2; /* CRLF, or a last line holding only CR */
		else
			return b;
	}
	return 0;
}

/* A candidate split: the line after the first LF at or after target, past any
 * blank lines.  It is only a guess (the LF may lie inside a quoted field): the
 * join checks that the previous segment's validator ended exactly there,
 * between two records, and otherwise re-reads the segment.  0 if none. */
static size_t guess_split(const char *buf, size_t len, size_t target)
{
	const char *lf = memchr(buf + target, '\n', len - target);
	return lf ? skip_blank(buf, len, (size_t)(lf - buf) + 1) : 0;
}

static void progress_tick(struct runner *run, void (*progress)(void *, uint64_t, uint64_t),
                          void *arg)
{
	if (progress)
		progress(arg, atomic_load(&run->done), run->len);
}

struct extract_validator *
extract_run_buffer(const struct terms_deliberation *d, const struct extract_params *p,
                   const char *buf, size_t len, int nthreads,
                   void (*progress)(void *arg, uint64_t done, uint64_t total), void *arg,
                   struct extract_report *r, struct err *e)
{
	struct extract_validator *v = extract_new(d, p, e);
	if (!v)
		return NULL;
	if (nthreads < 2 || len < PAR_MIN) {
		for (size_t pos = 0; pos < len; pos += SLICE) {
			size_t n = len - pos < SLICE ? len - pos : SLICE;
			extract_feed(v, buf + pos, n);
			if (progress)
				progress(arg, pos + n, len);
		}
		extract_finish(v, r);
		return v;
	}

	struct runner run = {.buf = buf, .len = len};
	pthread_mutex_init(&run.lock, NULL);
	pthread_cond_init(&run.cond, NULL);
	atomic_init(&run.done, 0);
	extract_priv_set_hash(v, false, NULL);
	pthread_t hasher;
	bool hash_thread = pthread_create(&hasher, NULL, hash_main, &run) == 0;

	/* The header on this thread, then the split points. */
	size_t probe = len < CSV_MAX_RECORD + 4 ? len : CSV_MAX_RECORD + 4;
	size_t h = csv_first_line_end(buf, probe);
	struct segment seg[MAX_SEGMENTS];
	size_t nseg = 0;
	char delim = ',';
	if (h) {
		extract_priv_consume(v, buf, h);
		atomic_fetch_add(&run.done, h);
	}
	if (h && extract_priv_header_ok(v, &delim) && extract_priv_at_boundary(v)) {
		size_t want = (size_t)nthreads < MAX_SEGMENTS ? (size_t)nthreads : MAX_SEGMENTS;
		size_t start = h;
		for (size_t k = 1; k <= want; k++) {
			size_t end = len;
			if (k < want) {
				size_t target = h + (len - h) / want * k;
				end = target > start ? guess_split(buf, len, target) : 0;
				if (end == 0)
					end = len;
			}
			seg[nseg++] = (struct segment){.run = &run,
			                               .buf = buf + start,
			                               .len = end - start,
			                               .final = end == len};
			start = end;
			if (end == len)
				break;
		}
	}
	if (nseg < 2) {
		/* One stream (on this thread, the hasher still in parallel). */
		feed_slices(&run, v, buf + h, len - h);
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
		for (size_t pos = 0; pos < seg[0].len; pos += SLICE) {
			size_t n = seg[0].len - pos < SLICE ? seg[0].len - pos : SLICE;
			extract_priv_consume(v, seg[0].buf + pos, n);
			atomic_fetch_add(&run.done, n);
			progress_tick(&run, progress, arg);
		}
		/* Segments whose thread could not start run here. */
		for (size_t k = 1; k < nseg; k++) {
			if (!seg[k].started) {
				feed_slices(&run, seg[k].v, seg[k].buf, seg[k].len);
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
				extract_priv_consume(v, seg[k].buf, seg[k].len);
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
		hash_buffer(&run);
	if (!run.hashed) {
		err_set(e, ERR_INTERNAL, "could not compute the SHA-256 of the extract");
		extract_free(v);
		pthread_mutex_destroy(&run.lock);
		pthread_cond_destroy(&run.cond);
		return NULL;
	}
	extract_priv_set_hash(v, false, run.hex);
	extract_priv_add_bytes(v, len);
	progress_tick(&run, progress, arg);
	extract_priv_report(v, r);
	pthread_mutex_destroy(&run.lock);
	pthread_cond_destroy(&run.cond);
	return v;
}
