/*
 * cache: the response cache of immutable resources.  A recorded version's terms and
 * its ODRL, and a destruction certificate, never change once recorded, so their JSON
 * is built once and later answers are served from memory (zero-copy references into
 * the cached bytes), with a strong ETag and If-None-Match -> 304.  Keyed by what the
 * resource is (deliberation, version number, terms SHA-256; certificate id and the
 * recipient scope it was read with), never by the query, so nothing ever invalidates
 * an entry; the size bound evicts the least recently used.  One cache per server,
 * shared by the workers under a mutex.  Authentication, the role and the
 * data-dependent visibility checks still run on every request, before these hooks.
 */
#ifndef DELIBERD_CACHE_H
#define DELIBERD_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "route.h"

/* Default bound of the cached bytes (all workers together). */
#define CACHE_DEFAULT_BYTES (16u * 1024u * 1024u)

struct cache;

/* NULL on out of memory (the server then runs without a cache). */
struct cache *cache_new(size_t max_bytes);
void cache_free(struct cache *c);

/* What the cache holds: entries and bytes (for tests and the benchmark). */
void cache_stats(struct cache *c, size_t *entries, size_t *bytes);

/*
 * The route hooks: answer the request as the uncached handler would, byte for byte
 * (ctx->raw, Content-Type application/json, ctx->etag), or set e.  Without a cache
 * (ctx->cache NULL) they build the answer every time.
 */
/* GET /v1/deliberations/{ref}/terms?at=date; ref as "21/128". */
void cache_terms(struct http_ctx *ctx, const char *ref, int32_t date, struct err *e);
/* GET /v1/deliberations/{ref}/odrl?at=date. */
void cache_odrl(struct http_ctx *ctx, const char *ref, int32_t date, struct err *e);
/* GET /v1/certificates/{id} (signature false: the signed JSON) and .../signature
 * (the DER CMS signature); scope is the recipient a recipient credential is bound
 * to (NULL for the other roles). */
void cache_certificate(struct http_ctx *ctx, const char *scope, const char *id, bool signature,
                       struct err *e);

#endif
