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
#include <stdio.h>

#include "config.h"
#include "err.h"
#include "role.h"

#define ROUTE_MAX_PARAMS 4

struct cache; /* cache.h: the response cache of immutable resources */
struct checkpool;

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
	struct checkpool *checks; /* the check pool (checks.threads) */
};

typedef void (*route_fn)(struct http_ctx *ctx, struct err *e);

struct route {
	const char *method;  /* "GET", "POST" */
	const char *pattern; /* "/v1/deliberations/{ref}/terms": {x} captures one segment */
	unsigned roles;      /* ROLE_* mask allowed; ROLE_PUBLIC for none */
	route_fn fn;
	const char *name; /* metrics label, e.g. "deliberations_terms" */
	/*
	 * The query parameters this route accepts, comma-separated without spaces
	 * ("deliberation,recipient,after,limit"); NULL or "" when it takes none.  route.c
	 * enforces it before the handler runs (strict input, contract "Authority"):
	 *   - a parameter not listed, given twice, or with an empty name: 400
	 *     invalid_parameter naming it (error.field);
	 *   - a "%00", a control character (U+0000-U+001F, U+007F-U+009F) or invalid
	 *     UTF-8 in any name or value: 400 invalid_parameter;
	 *   - well-known names are checked against the registry, whatever the route:
	 *     recipient (a registered recipient; for a recipient credential its own, else
	 *     403 forbidden), group (a group code of some recorded version), phase (a
	 *     phase of some recorded version), destination (a destination of some
	 *     recorded version): unknown values are 400 invalid_parameter.  Empty
	 *     values are left to the handler.
	 * `deliberd routes` prints the table, and tests/integration/test_strict_input.sh
	 * derives its cases from that listing.
	 */
	const char *query;
};

/* The empty value every route table ends with. */
#define ROUTE_END                                                                                  \
	{                                                                                          \
		NULL, NULL, 0, NULL, NULL, NULL                                                    \
	}

/* Is value a known one for the well-known parameter name ("recipient", "group",
 * "phase", "destination"; any other name: true)?  False with e set (400
 * invalid_parameter naming name, or 403 when a recipient credential names another
 * recipient).  route.c applies it to query parameters; handlers use it for JSON
 * body members of those names. */
bool http_check_value(struct http_ctx *ctx, const char *name, const char *value, struct err *e)
    __attribute__((warn_unused_result));

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
 * and byte position) otherwise.  Every string in it (object keys too) is free of
 * control characters (U+0000-U+001F, U+007F-U+009F), else 400 invalid_parameter
 * naming the member: a note or reason is one line of text.  Borrowed: the server frees it after the handler
 * (json_incref to keep it); calling it twice returns the same object. */
json_t *http_body_json(struct http_ctx *ctx, struct err *e);
/* The raw request body (at most limits.max_body_bytes); the handler may drain it. */
struct evbuffer *http_body(struct http_ctx *ctx);
/* A request header (case-insensitive name); NULL when absent.  Authorization and
 * Cookie (credentials) are deliberately not available to handlers. */
const char *http_header(struct http_ctx *ctx, const char *name);

/*
 * Answering later, for a handler whose work runs off the event loop (a check on the
 * pool).  The handler calls http_defer as its last step, without setting an error:
 * the server then sends nothing when it returns.  Later, on the worker thread (woken
 * e.g. with event_active), the handler sets ctx->status/body (or an error) and calls
 * http_resume, which answers as the server would have.  Either way fin(arg) is called
 * exactly once when the request is over (answered, or the client gone first): the
 * handler frees its own state there and must not touch ctx afterwards.  false: this
 * server cannot defer (the handler answers at once).
 */
typedef void (*http_fin_fn)(void *arg);
bool http_defer(struct http_ctx *ctx, http_fin_fn fin, void *arg)
    __attribute__((warn_unused_result));
void http_resume(struct http_ctx *ctx, const struct err *e);
/* The worker's event loop, for the handler's own events. */
struct event_base *http_base(struct http_ctx *ctx);
/* Adds a response header (after http_defer too). */
void http_set_header(struct http_ctx *ctx, const char *name, const char *value);

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
	struct checkpool *checks;
	/* deferred answers (NULL hooks: none): the server's connection, told which request
	 * it holds (NULL: none); whether evhttp still has it; brackets of a later answer */
	void *conn;
	void (*hold)(void *conn, struct http_ctx *ctx);
	bool (*alive)(void *conn);
	void (*sending)(void *conn, bool on);
};
int route_dispatch(struct evhttp_request *req, const struct route_env *env);
/* The connection of a held request is being freed: the request is over unanswered. */
void route_gone(struct http_ctx *ctx);

/* Prints every route, one per line, tab-separated: method, pattern, metrics name,
 * roles (comma-separated, "public"), accepted query parameters ("-" for none).  For
 * `deliberd routes` and the strict-input test. */
void route_print_table(FILE *out);

#endif
