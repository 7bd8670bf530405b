/*
 * cache: built-once JSON of immutable resources (see cache.h).  A hash table of
 * reference-counted entries with a least-recently-used list, under one mutex held only
 * for a lookup or an insertion.  Answers hand the cached bytes to libevent as
 * references (evbuffer_add_reference), each holding a reference on its entry, so an
 * entry evicted while a response is still being written stays alive until it is sent.
 *
 * A terms answer echoes the date asked about ("at") and whether the version's
 * retention has ended on it ("retention_ended"); everything else is the version's.  Its
 * entry is the answer built for the first date asked, with the byte ranges of those
 * two values, which are spliced in per request.  An entry is only stored when its
 * bytes are proved equal to what the uncached handler sends (json_dumps, compact,
 * plus "\n"), member by member, so that an answer never changes by being cached.
 */
#include "cache.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "destruction.h"
#include "hex.h"
#include "log.h"
#include "registry.h"
#include "terms.h"

#define BUCKETS 256
#define KEY_MAX 256
/* An entry larger than this share of the bound is served but not kept. */
#define ENTRY_SHARE 4
#define ETAG_HEX 32

enum slot { SLOT_ENDED, SLOT_AT, NSLOTS };

struct entry {
	atomic_int refs;
	struct entry *hnext;         /* hash chain */
	struct entry *newer, *older; /* LRU list, newest first */
	uint64_t hash;
	size_t keylen;
	char *key; /* both in this allocation */
	char *data;
	size_t len;
	bool templated; /* a terms answer: the slots are spliced per request */
	size_t slot_off[NSLOTS], slot_len[NSLOTS];
	char etag[ETAG_HEX + 1]; /* hex SHA-256 prefix of the bytes (slots excluded) */
};

struct cache {
	pthread_mutex_t lock;
	size_t max_bytes, bytes, entries;
	struct entry *buckets[BUCKETS];
	struct entry *newest, *oldest;
};

static uint64_t key_hash(const char *k, size_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)k[i]) * 1099511628211ull;
	return h;
}

static size_t entry_cost(const struct entry *en)
{
	return sizeof(*en) + en->keylen + 1 + en->len;
}

static void entry_release(struct entry *en)
{
	if (en != NULL && atomic_fetch_sub(&en->refs, 1) == 1)
		free(en);
}

/* A new entry holding a copy of key and data, one reference (the caller's). */
static struct entry *entry_new(const char *key, size_t keylen, const char *data, size_t len)
{
	struct entry *en = calloc(1, sizeof(*en) + keylen + 1 + len);
	if (en == NULL)
		return NULL;
	atomic_init(&en->refs, 1);
	en->key = (char *)(en + 1);
	memcpy(en->key, key, keylen);
	en->key[keylen] = '\0';
	en->keylen = keylen;
	en->hash = key_hash(key, keylen);
	en->data = en->key + keylen + 1;
	memcpy(en->data, data, len);
	en->len = len;
	return en;
}

/* The ETag: a SHA-256 prefix of the bytes outside the slots. */
static void entry_etag(struct entry *en)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	bool ok = m != NULL && EVP_DigestInit_ex(m, EVP_sha256(), NULL) == 1;
	size_t from = 0;
	for (int s = 0; ok && en->templated && s < NSLOTS; s++) {
		ok = EVP_DigestUpdate(m, en->data + from, en->slot_off[s] - from) == 1;
		from = en->slot_off[s] + en->slot_len[s];
	}
	ok = ok && EVP_DigestUpdate(m, en->data + from, en->len - from) == 1 &&
	     EVP_DigestFinal_ex(m, md, &mdlen) == 1 && mdlen >= ETAG_HEX / 2;
	EVP_MD_CTX_free(m);
	if (!ok) {
		en->etag[0] = '\0';
		return;
	}
	hex_encode(md, ETAG_HEX / 2, en->etag);
}

struct cache *cache_new(size_t max_bytes)
{
	struct cache *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return NULL;
	}
	c->max_bytes = max_bytes;
	return c;
}

void cache_free(struct cache *c)
{
	if (c == NULL)
		return;
	for (struct entry *en = c->newest, *next; en != NULL; en = next) {
		next = en->older;
		entry_release(en);
	}
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void cache_stats(struct cache *c, size_t *entries, size_t *bytes)
{
	pthread_mutex_lock(&c->lock);
	*entries = c->entries;
	*bytes = c->bytes;
	pthread_mutex_unlock(&c->lock);
}

/* --- the table (callers hold the lock) ----------------------------------------------- */

static void lru_unlink(struct cache *c, struct entry *en)
{
	if (en->newer != NULL)
		en->newer->older = en->older;
	else
		c->newest = en->older;
	if (en->older != NULL)
		en->older->newer = en->newer;
	else
		c->oldest = en->newer;
	en->newer = en->older = NULL;
}

static void lru_push(struct cache *c, struct entry *en)
{
	en->older = c->newest;
	en->newer = NULL;
	if (c->newest != NULL)
		c->newest->newer = en;
	c->newest = en;
	if (c->oldest == NULL)
		c->oldest = en;
}

static struct entry **slot_of(struct cache *c, const char *key, size_t keylen, uint64_t hash)
{
	struct entry **p = &c->buckets[hash % BUCKETS];
	while (*p != NULL && ((*p)->hash != hash || (*p)->keylen != keylen ||
	                      memcmp((*p)->key, key, keylen) != 0))
		p = &(*p)->hnext;
	return p;
}

static void evict_oldest(struct cache *c)
{
	struct entry *en = c->oldest;
	struct entry **p = slot_of(c, en->key, en->keylen, en->hash);
	*p = en->hnext;
	lru_unlink(c, en);
	c->bytes -= entry_cost(en);
	c->entries--;
	entry_release(en);
}

/* A reference to the entry under key, or NULL. */
static struct entry *cache_get(struct cache *c, const char *key, size_t keylen)
{
	uint64_t h = key_hash(key, keylen);
	pthread_mutex_lock(&c->lock);
	struct entry *en = *slot_of(c, key, keylen, h);
	if (en != NULL) {
		atomic_fetch_add(&en->refs, 1);
		lru_unlink(c, en);
		lru_push(c, en);
	}
	pthread_mutex_unlock(&c->lock);
	return en;
}

/* Keeps en (the caller keeps its reference), unless another worker stored the same key
 * first or en is too large; returns the entry now cached under the key (a reference),
 * or en itself. */
static struct entry *cache_put(struct cache *c, struct entry *en)
{
	size_t cost = entry_cost(en);
	if (cost > c->max_bytes / ENTRY_SHARE)
		return en;
	pthread_mutex_lock(&c->lock);
	struct entry **p = slot_of(c, en->key, en->keylen, en->hash);
	if (*p != NULL) {
		struct entry *old = *p;
		atomic_fetch_add(&old->refs, 1);
		pthread_mutex_unlock(&c->lock);
		entry_release(en);
		return old;
	}
	atomic_fetch_add(&en->refs, 1); /* the cache's own */
	en->hnext = NULL;
	*p = en;
	lru_push(c, en);
	c->bytes += cost;
	c->entries++;
	while (c->bytes > c->max_bytes && c->oldest != en)
		evict_oldest(c);
	pthread_mutex_unlock(&c->lock);
	return en;
}

/* --- answers --------------------------------------------------------------------------- */

static void unref_cb(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	entry_release(arg);
}

/* Appends [off, off + len) of the entry as a reference (no copy). */
static bool add_range(struct evbuffer *out, struct entry *en, size_t off, size_t len)
{
	if (len == 0)
		return true;
	atomic_fetch_add(&en->refs, 1);
	if (evbuffer_add_reference(out, en->data + off, len, unref_cb, en) != 0) {
		entry_release(en);
		return false;
	}
	return true;
}

/* The ETag of an answer: the entry's, and for a terms answer the date it echoes. */
static void set_etag(struct http_ctx *ctx, const struct entry *en, const char *date)
{
	if (en == NULL || en->etag[0] == '\0')
		return;
	if (date != NULL)
		snprintf(ctx->etag, sizeof(ctx->etag), "\"%s-%s\"", en->etag, date);
	else
		snprintf(ctx->etag, sizeof(ctx->etag), "\"%s\"", en->etag);
}

/* The answer from an entry; for a terms entry, with the values of the date spliced in
 * (ended: "true" or "false"; date: YYYY-MM-DD). */
static void respond(struct http_ctx *ctx, struct entry *en, const char *content_type,
                    const char *ended, const char *date, struct err *e)
{
	struct evbuffer *out = evbuffer_new();
	bool ok = out != NULL;
	size_t from = 0;
	char atq[16] = "";
	if (date != NULL)
		snprintf(atq, sizeof(atq), "\"%s\"", date);
	const char *value[NSLOTS] = {ended, atq};
	for (int s = 0; ok && en->templated && s < NSLOTS; s++) {
		ok = add_range(out, en, from, en->slot_off[s] - from) &&
		     evbuffer_add(out, value[s], strlen(value[s])) == 0;
		from = en->slot_off[s] + en->slot_len[s];
	}
	ok = ok && add_range(out, en, from, en->len - from);
	if (!ok) {
		if (out != NULL)
			evbuffer_free(out);
		err_set(e, ERR_INTERNAL, "out of memory");
		return;
	}
	ctx->raw = out;
	ctx->content_type = content_type;
	set_etag(ctx, en, date);
}

/* What the uncached handler would send for body: compact JSON and a newline. */
static char *dump_answer(const json_t *body, size_t *len, struct err *e)
{
	char *text = json_dumps(body, JSON_COMPACT);
	size_t n = text != NULL ? strlen(text) : 0;
	char *out = text != NULL ? realloc(text, n + 2) : NULL;
	if (out == NULL) {
		free(text);
		err_set(e, ERR_INTERNAL, "could not encode the response");
		return NULL;
	}
	out[n] = '\n';
	out[n + 1] = '\0';
	*len = n + 1;
	return out;
}

/* Is text[*off..] the compact dump of v?  Advances *off past it. */
static bool match_dump(const char *text, size_t len, size_t *off, const json_t *v)
{
	char *d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (d == NULL)
		return false;
	size_t n = strlen(d);
	bool ok = n <= len - *off && memcmp(text + *off, d, n) == 0;
	free(d);
	if (ok)
		*off += n;
	return ok;
}

/*
 * Finds the values of the top-level members retention_ended and at in text (the
 * answer for body), proving on the way that text is exactly the members' compact
 * dumps in order: false when it is not, or a member is missing.
 */
static bool find_slots(const json_t *body, const char *text, size_t len, struct entry *en)
{
	static const char *const names[NSLOTS] = {"retention_ended", "at"};
	bool found[NSLOTS] = {false, false};
	size_t off = 1;
	const char *k;
	json_t *v;
	if (len < 3 || text[0] != '{')
		return false;
	json_object_foreach((json_t *)body, k, v)
	{
		if (off > 1 && (off >= len || text[off++] != ','))
			return false;
		json_t *kj = json_string(k);
		bool ok = kj != NULL && match_dump(text, len, &off, kj);
		json_decref(kj);
		if (!ok || off >= len || text[off++] != ':')
			return false;
		size_t start = off;
		if (!match_dump(text, len, &off, v))
			return false;
		for (int s = 0; s < NSLOTS; s++)
			if (strcmp(k, names[s]) == 0) {
				en->slot_off[s] = start;
				en->slot_len[s] = off - start;
				found[s] = true;
			}
	}
	return off + 2 == len && text[off] == '}' && text[off + 1] == '\n' && found[SLOT_ENDED] &&
	       found[SLOT_AT] && en->slot_off[SLOT_ENDED] < en->slot_off[SLOT_AT];
}

static size_t version_key(char key[KEY_MAX], const char *kind, const char *ref,
                          const struct registry_version_id *id)
{
	int n =
	    snprintf(key, KEY_MAX, "%s\x1f%s\x1f%d\x1f%s", kind, ref, id->number, id->terms_sha256);
	return n > 0 && n < KEY_MAX ? (size_t)n : 0;
}

/* Serves text (fresh, uncached bytes) as the answer; the ETag from en when cached. */
static void respond_fresh(struct http_ctx *ctx, const char *text, size_t len,
                          const struct entry *en, const char *content_type, const char *date,
                          struct err *e)
{
	ctx->raw = evbuffer_new();
	if (ctx->raw == NULL || evbuffer_add(ctx->raw, text, len) != 0) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return;
	}
	ctx->content_type = content_type;
	set_etag(ctx, en, date);
}

/*
 * Looks up the version in force on date and answers from its cached answer of kind
 * when there is one: true.  Otherwise *keylen is the key to fill (0: keep nothing;
 * any failure of the lookup, such as no version in force or an unknown reference,
 * leaves the answer to the uncached path, which gives it exactly as before).
 */
static bool serve_version(struct http_ctx *ctx, const char *kind, const char *ref, int32_t date,
                          struct registry_version_id *id, char key[KEY_MAX], size_t *keylen,
                          struct err *e)
{
	struct err ie = {0};
	*keylen = 0;
	if (ctx->cache == NULL || !registry_version_at(ctx->db, ref, date, id, &ie))
		return false;
	*keylen = version_key(key, kind, ref, id);
	struct entry *en = *keylen > 0 ? cache_get(ctx->cache, key, *keylen) : NULL;
	if (en == NULL)
		return false;
	char at[11];
	terms_date_format(date, at);
	if (en->templated)
		respond(ctx, en, "application/json", id->retention_ended ? "true" : "false", at, e);
	else
		respond(ctx, en, "application/json", NULL, NULL, e);
	entry_release(en);
	return true;
}

void cache_terms(struct http_ctx *ctx, const char *ref, int32_t date, struct err *e)
{
	struct registry_version_id id;
	char key[KEY_MAX], at[11];
	size_t keylen = 0;
	if (serve_version(ctx, "terms", ref, date, &id, key, &keylen, e))
		return;
	json_t *body = registry_terms(ctx->db, ref, date, e);
	if (body == NULL)
		return;
	size_t len = 0;
	char *text = dump_answer(body, &len, e);
	if (text == NULL) {
		json_decref(body);
		return;
	}
	terms_date_format(date, at);
	struct entry *en = NULL;
	/* kept only when the answer is the version the lookup named (a version approved
	 * in between would otherwise be stored under the wrong key) */
	const char *sha = json_string_value(json_object_get(body, "terms_sha256"));
	if (keylen > 0 && json_integer_value(json_object_get(body, "version")) == id.number &&
	    sha != NULL && strcmp(sha, id.terms_sha256) == 0) {
		en = entry_new(key, keylen, text, len);
		if (en != NULL && find_slots(body, text, len, en)) {
			en->templated = true;
			entry_etag(en);
			en = cache_put(ctx->cache, en);
		} else {
			if (en != NULL)
				log_warn("terms of %s version %d: answer not cacheable", ref,
				         id.number);
			entry_release(en);
			en = NULL;
		}
	}
	respond_fresh(ctx, text, len, en, "application/json", at, e);
	entry_release(en);
	free(text);
	json_decref(body);
}

void cache_odrl(struct http_ctx *ctx, const char *ref, int32_t date, struct err *e)
{
	struct registry_version_id id, again;
	struct err ie = {0};
	char key[KEY_MAX];
	size_t keylen = 0;
	if (serve_version(ctx, "odrl", ref, date, &id, key, &keylen, e))
		return;
	json_t *body = registry_odrl(ctx->db, ref, date, e);
	if (body == NULL)
		return;
	size_t len = 0;
	char *text = dump_answer(body, &len, e);
	json_decref(body);
	if (text == NULL)
		return;
	/* the ODRL does not name its terms' hash: the version in force must be the same
	 * after it was built as before (versions are only ever added) */
	struct entry *en = NULL;
	if (keylen > 0 && registry_version_at(ctx->db, ref, date, &again, &ie) &&
	    again.number == id.number && strcmp(again.terms_sha256, id.terms_sha256) == 0) {
		en = entry_new(key, keylen, text, len);
		if (en != NULL) {
			entry_etag(en);
			en = cache_put(ctx->cache, en);
		}
	}
	respond_fresh(ctx, text, len, en, "application/json", NULL, e);
	entry_release(en);
	free(text);
}

void cache_certificate(struct http_ctx *ctx, const char *scope, const char *id, bool signature,
                       struct err *e)
{
	static const char *const types[2] = {"application/json", "application/pkcs7-signature"};
	char key[2][KEY_MAX];
	size_t keylen[2] = {0, 0};
	for (int k = 0; ctx->cache != NULL && k < 2; k++) {
		/* the scope is part of the key: what one recipient may read is never served
		 * to another from here */
		int n = snprintf(key[k], KEY_MAX, "%s\x1f%s\x1f%s", k == 0 ? "cert" : "certsig",
		                 scope != NULL ? scope : "*", id);
		keylen[k] = n > 0 && n < KEY_MAX ? (size_t)n : 0;
	}
	int want = signature ? 1 : 0;
	if (keylen[want] > 0) {
		struct entry *en = cache_get(ctx->cache, key[want], keylen[want]);
		if (en != NULL) {
			respond(ctx, en, types[want], NULL, NULL, e);
			entry_release(en);
			return;
		}
	}
	char *doc = NULL;
	unsigned char *sig = NULL;
	size_t siglen = 0;
	if (!destruction_certificate(ctx->db, scope, id, &doc, &sig, &siglen, e))
		return;
	const char *bytes[2] = {doc, (const char *)sig};
	size_t len[2] = {strlen(doc), siglen};
	struct entry *en[2] = {NULL, NULL};
	for (int k = 0; k < 2; k++) {
		if (keylen[k] == 0)
			continue;
		en[k] = entry_new(key[k], keylen[k], bytes[k], len[k]);
		if (en[k] != NULL) {
			entry_etag(en[k]);
			en[k] = cache_put(ctx->cache, en[k]);
		}
	}
	respond_fresh(ctx, bytes[want], len[want], en[want], types[want], NULL, e);
	entry_release(en[0]);
	entry_release(en[1]);
	free(doc);
	free(sig);
}
