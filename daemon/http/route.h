/*
 * route: what a resource file (routes_*.c) needs to declare its routes.  The
 * server matches method and path, authenticates, checks the declared roles, then
 * calls the handler; handlers never check roles themselves (except "own recipient
 * only" rules, which are data-dependent) and never write HTTP errors directly:
 * they set a struct err and the server maps it to a JSON body and status.
 */
#ifndef DELIBERD_ROUTE_H
#define DELIBERD_ROUTE_H

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "role.h"

#define ROUTE_MAX_PARAMS 4

struct cache; /* cache.h: the response cache of immutable resources */

/* One request as a handler sees it. */
struct http_ctx {
	struct evhttp_request *req;
	const struct config *config;
	PGconn *db;                  /* this worker's connection, checked before the call */
	const struct principal *who; /* NULL on public routes */
	struct cache *cache;         /* the server's response cache; NULL: none */
	const char *params[ROUTE_MAX_PARAMS]; /* path captures, URL-decoded */
	size_t nparams;
	/* response: a JSON body (default), or raw bytes with a content type */
	int status;   /* default 200 */
	json_t *body; /* a reference the server takes over and frees */
	struct evbuffer *raw;
	const char *content_type;
	/* a strong ETag ("\"...\"") of a 200 answer: sent, and If-None-Match matching it
	 * answers 304 without a body */
	char etag[80];
};

typedef void (*route_fn)(struct http_ctx *ctx, struct err *e);

struct route {
	const char *method;  /* "GET", "POST" */
	const char *pattern; /* "/v1/deliberations/{ref}/terms": {x} captures one segment */
	unsigned roles;      /* ROLE_* mask allowed; ROLE_PUBLIC for none */
	route_fn fn;
	const char *name; /* metrics label, e.g. "deliberations_terms" */
};

/* Query parameter, URL-decoded; NULL when absent.  (A malformed query string is
 * refused with 400 before the handler runs.) */
const char *http_query(struct http_ctx *ctx, const char *name);
/* Query parameter name as a decimal integer in [min, max]: def when absent; else false
 * with e set (400 naming the parameter and the range). */
bool http_query_int(struct http_ctx *ctx, const char *name, int64_t min, int64_t max, int64_t def,
                    int64_t *out, struct err *e) __attribute__((warn_unused_result));
/* Path capture idx as a positive decimal id; else false with e set (404: a path that
 * names nothing). */
bool http_path_id(struct http_ctx *ctx, size_t idx, int64_t *out, struct err *e)
    __attribute__((warn_unused_result));
/* The request body parsed as a JSON object; NULL with e set (400, naming line, column
 * and byte position) otherwise.  Borrowed: the server frees it after the handler
 * (json_incref to keep it); calling it twice returns the same object. */
json_t *http_body_json(struct http_ctx *ctx, struct err *e);
/* The raw request body (at most limits.max_body_bytes); the handler may drain it. */
struct evbuffer *http_body(struct http_ctx *ctx);
/* A request header (case-insensitive name); NULL when absent.  Authorization and
 * Cookie (credentials) are deliberately not available to handlers. */
const char *http_header(struct http_ctx *ctx, const char *name);

/*
 * For server.c only: answers one request end to end (request id, public routes, bearer
 * authentication, route match (404/405), role check, handler, the JSON error body built
 * from struct err, access log, metrics).  db is the worker's connection, (re)connected on demand.
 * closing adds "Connection: close" (draining).  Returns the status sent.
 */
struct route_env {
	const struct config *config;
	PGconn **db;
	struct cache *cache; /* may be NULL */
	bool closing;
};
int route_dispatch(struct evhttp_request *req, const struct route_env *env);

#endif
