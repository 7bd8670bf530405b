/*
 * routes_checks: POST /v1/checks and GET /v1/checks/{id}.  Adapts the request to the
 * check service: query parameters to a checks_request, and the extract either from
 * the request body (its chain moved out of the request, not copied, and read in
 * place by the parallel validator) or from a file of the staging directory named by
 * {"staged_file": NAME}.  The check runs on the check pool, off this event loop: the
 * handler defers its answer (http_defer) and the pool wakes it.  Idempotency-Key and
 * Prefer: respond-async (202 with a Location) as in docs/api.md.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>

#include "checkpool.h"
#include "checks.h"
#include "clock.h"
#include "route.h"
#include "terms.h"

/* A query parameter, NULL when absent or empty. */
static const char *routes_checks_param(struct http_ctx *ctx, const char *name)
{
	const char *v = http_query(ctx, name);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* Query parameters to a checks_request, validated by the service alone: a phase or
 * date that is not a number becomes a value it refuses (0), naming the field.  A
 * recorded check is dated today by the server's clock; `date` only serves a dry run. */
static bool routes_checks_request(struct http_ctx *ctx, struct checks_request *rq, struct err *e)
{
	rq->deliberation = routes_checks_param(ctx, "deliberation");
	rq->recipient = routes_checks_param(ctx, "recipient");
	rq->group = routes_checks_param(ctx, "group");
	const char *phase = routes_checks_param(ctx, "phase");
	rq->phase = 0;
	if (phase != NULL && strlen(phase) <= 2 && strspn(phase, "0123456789") == strlen(phase))
		rq->phase = atoi(phase);
	rq->destination = routes_checks_param(ctx, "destination");
	const char *dry = routes_checks_param(ctx, "dry_run");
	if (dry != NULL && strcmp(dry, "true") != 0 && strcmp(dry, "false") != 0) {
		err_set_code(e, ERR_INVALID, "invalid_parameter", "dry_run",
		             "dry_run must be true or false");
		return false;
	}
	rq->dry_run = dry != NULL && strcmp(dry, "true") == 0;
	const char *date = routes_checks_param(ctx, "date");
	rq->now = clock_now();
	rq->date = clock_brussels_date(rq->now);
	rq->date_given = date != NULL;
	if (date != NULL && !terms_date_parse(date, &rq->date))
		rq->date = 0;
	rq->actor = ctx->who->actor;
	return true;
}

/* The staged file named by a JSON body, opened inside the staging directory. */
static int routes_checks_staged(struct http_ctx *ctx, struct err *e)
{
	json_t *body = http_body_json(ctx, e);
	if (body == NULL)
		return -1;
	json_t *name = json_object_get(body, "staged_file");
	int fd = -1;
	if (!json_is_string(name) || json_object_size(body) != 1) {
		err_set_field(e, ERR_INVALID, "staged_file",
		              "a JSON body must be {\"staged_file\": NAME}");
	} else if (strlen(json_string_value(name)) != json_string_length(name)) {
		err_set_field(e, ERR_INVALID, "staged_file",
		              "staged_file must not contain NUL characters");
	} else {
		fd = checks_open_staged(ctx->config, json_string_value(name), e);
	}
	return fd; /* body is the request's, freed with it */
}

/* ---- on the check pool ------------------------------------------------------------ */

/* The extract handed to the pool: a staged file, or the body moved out of the request
 * (its chain, not copied) with the pieces the validator reads. */
struct routes_checks_extract {
	struct evbuffer *body;
	struct iovec *iov;
	uint64_t *offsets;
	size_t niov;
};

static void routes_checks_extract_free(void *arg)
{
	struct routes_checks_extract *x = arg;
	if (x == NULL)
		return;
	if (x->body != NULL)
		evbuffer_free(x->body);
	free(x->iov);
	free(x->offsets);
	free(x);
}

/* A POST waiting for its check: woken by the pool, answering 202 with a Location
 * when asked to (Prefer: respond-async) or before the request deadline. */
struct routes_checks_wait {
	struct http_ctx *ctx;
	struct checkpool_job *job;
	struct event *wake;     /* activated from a pool thread */
	struct event *deadline; /* before limits.request_timeout_ms */
	bool async;
};

static void routes_checks_fin(void *arg)
{
	struct routes_checks_wait *w = arg;
	if (w->job != NULL)
		checkpool_job_release(w->job);
	if (w->wake != NULL)
		event_free(w->wake);
	if (w->deadline != NULL)
		event_free(w->deadline);
	free(w);
}

static void routes_checks_notify(void *arg)
{
	struct routes_checks_wait *w = arg;
	event_active(w->wake, EV_READ, 1);
}

/* 202: the check runs on; GET Location gives its answer. */
static void routes_checks_accepted(struct http_ctx *ctx, int64_t id, bool preferred)
{
	char where[64];
	snprintf(where, sizeof(where), "/v1/checks/%" PRId64, id);
	http_set_header(ctx, "Location", where);
	http_set_header(ctx, "Retry-After", "1");
	if (preferred)
		http_set_header(ctx, "Preference-Applied", "respond-async");
	ctx->status = 202;
	ctx->body = json_pack("{s:I, s:s, s:s}", "check_id", (json_int_t)id, "status", "running",
	                      "location", where);
}

/* Answers when the check is done, or at once with 202 once it has an id and the
 * client asked for that (late: the deadline does it). */
static void routes_checks_step(struct routes_checks_wait *w, bool late)
{
	struct err e = {0};
	int64_t id = 0;
	json_t *result = NULL;
	struct http_ctx *ctx = w->ctx;
	enum checkpool_state st = checkpool_job_state(w->job, &id, &result, &e);
	if (st == CHECKPOOL_DONE) {
		ctx->status = 200;
		ctx->body = result;
		http_resume(ctx, &e);
	} else if (st == CHECKPOOL_ACCEPTED && id > 0 && (w->async || late)) {
		routes_checks_accepted(ctx, id, w->async);
		http_resume(ctx, &e);
	} else if (late) {
		/* not through intake yet, or a dry run (nothing to point to): look again */
		struct timeval tv = {0, 100 * 1000};
		evtimer_add(w->deadline, &tv);
	}
}

static void routes_checks_wake(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	routes_checks_step(arg, false);
}

static void routes_checks_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	routes_checks_step(arg, true);
}

/* Idempotency-Key: 1 to 255 visible ASCII characters; NULL when absent. */
static bool routes_checks_key(struct http_ctx *ctx, const char **key, struct err *e)
{
	const char *k = http_header(ctx, "Idempotency-Key");
	size_t n = k != NULL ? strlen(k) : 0;
	*key = k;
	if (k == NULL)
		return true;
	bool ok = n >= 1 && n <= 255;
	for (size_t i = 0; ok && i < n; i++)
		ok = k[i] >= 0x21 && k[i] <= 0x7e;
	if (!ok)
		err_set_code(e, ERR_INVALID, "invalid_parameter", "Idempotency-Key",
		             "Idempotency-Key must be 1 to 255 visible ASCII characters");
	return ok;
}

/* Prefer: respond-async (RFC 7240), among other preferences. */
static bool routes_checks_prefers_async(struct http_ctx *ctx)
{
	const char *p = http_header(ctx, "Prefer");
	for (; p != NULL && *p != '\0'; p++) {
		p += strspn(p, " \t,");
		if (strncasecmp(p, "respond-async", 13) == 0 &&
		    (p[13] == '\0' || p[13] == ',' || p[13] == ';' || p[13] == ' '))
			return true;
		p = strchr(p, ',');
		if (p == NULL)
			break;
	}
	return false;
}

/* The body, moved out of the request into an evbuffer of its own (no copy), and its
 * pieces for the parallel validator. */
static struct routes_checks_extract *
routes_checks_take_body(struct http_ctx *ctx, struct checks_source *src, struct err *e)
{
	struct routes_checks_extract *x = calloc(1, sizeof(*x));
	struct evbuffer *in = http_body(ctx);
	if (x == NULL || (x->body = evbuffer_new()) == NULL ||
	    (in != NULL && evbuffer_add_buffer(x->body, in) != 0)) {
		routes_checks_extract_free(x);
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	int n = evbuffer_peek(x->body, -1, NULL, NULL, 0);
	if (n > 0) {
		x->iov = calloc((size_t)n, sizeof(*x->iov));
		x->offsets = calloc((size_t)n, sizeof(*x->offsets));
		if (x->iov == NULL || x->offsets == NULL) {
			routes_checks_extract_free(x);
			err_set(e, ERR_INTERNAL, "out of memory");
			return NULL;
		}
		struct evbuffer_iovec *v = (struct evbuffer_iovec *)x->iov;
		n = evbuffer_peek(x->body, -1, NULL, v, n);
		x->niov = (size_t)n;
	}
	uint64_t at = 0;
	for (size_t i = 0; i < x->niov; i++) {
		x->offsets[i] = at;
		at += x->iov[i].iov_len;
	}
	*src = (struct checks_source){
	    .fd = -1, .size = at, .iov = x->iov, .offsets = x->offsets, .niov = x->niov};
	return x;
}

static void routes_checks_post(struct http_ctx *ctx, struct err *e)
{
	struct checks_request rq;
	const char *key = NULL;
	memset(&rq, 0, sizeof(rq));
	if (!routes_checks_request(ctx, &rq, e) || !routes_checks_key(ctx, &key, e))
		return;

	struct routes_checks_wait *w = calloc(1, sizeof(*w));
	struct event_base *base = http_base(ctx);
	if (w == NULL || base == NULL) {
		free(w);
		err_set(e, ERR_INTERNAL, "cannot wait for the check");
		return;
	}
	w->ctx = ctx;
	w->async = routes_checks_prefers_async(ctx);
	w->wake = event_new(base, -1, 0, routes_checks_wake, w);
	w->deadline = evtimer_new(base, routes_checks_deadline, w);
	if (w->wake == NULL || w->deadline == NULL || !http_defer(ctx, routes_checks_fin, w)) {
		routes_checks_fin(w);
		err_set(e, ERR_INTERNAL, "cannot wait for the check");
		return;
	}
	/* From here on an error is answered at once and fin frees w. */

	/* A JSON body names a staged file; any other body is the extract itself (curl
	 * sends --data-binary as form-urlencoded unless told otherwise). */
	const char *type = http_header(ctx, "Content-Type");
	struct checkpool_order o = {
	    .rq = &rq,
	    .idempotency_key = key,
	    .notify = routes_checks_notify,
	    .notify_arg = w,
	};
	struct routes_checks_extract *x = NULL;
	if (type != NULL && strncasecmp(type, "application/json", 16) == 0) {
		int fd = routes_checks_staged(ctx, e);
		if (fd < 0)
			return;
		struct stat st;
		if (fstat(fd, &st) != 0) {
			close(fd);
			err_set(e, ERR_INTERNAL, "cannot read the staged file");
			return;
		}
		o.staged_name =
		    json_string_value(json_object_get(http_body_json(ctx, e), "staged_file"));
		o.src = (struct checks_source){.fd = fd, .size = (uint64_t)st.st_size};
	} else {
		x = routes_checks_take_body(ctx, &o.src, e);
		if (x == NULL)
			return;
		o.release = routes_checks_extract_free;
		o.release_arg = x;
	}
	w->job = checkpool_submit(ctx->checks, ctx->config, &o, e);
	if (w->job == NULL) {
		if (o.src.fd >= 0)
			close(o.src.fd);
		routes_checks_extract_free(x);
		return;
	}
	int ms = ctx->config->request_timeout_ms;
	ms -= ms / 5 < 1000 ? ms / 5 : 1000; /* answer 202 before the deadline closes it */
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	evtimer_add(w->deadline, &tv);
}

/* GET /v1/checks/{id}: the answer of a recorded check; 202 while it runs. */
static void routes_checks_get(struct http_ctx *ctx, struct err *e)
{
	int64_t id;
	if (!http_path_id(ctx, 0, &id, e))
		return;
	const char *own = ctx->who->role == ROLE_RECIPIENT ? ctx->who->recipient : NULL;
	enum checkpool_state st;
	struct err failed = {0};
	if (own == NULL && ctx->checks != NULL && checkpool_lookup(ctx->checks, id, &st, &failed)) {
		if (st == CHECKPOOL_DONE)
			*e = failed; /* what the POST answered */
		else
			routes_checks_accepted(ctx, id, false);
		return;
	}
	ctx->body = checks_report(ctx->db, id, own, e);
}

const struct route routes_checks[] = {
    {"POST", "/v1/checks", ROLE_DELIVERY, routes_checks_post, "checks_run",
     "deliberation,recipient,group,phase,destination,date,dry_run"},
    {"GET", "/v1/checks/{id}", ROLE_DELIVERY | ROLE_AUDITOR | ROLE_GOVERNANCE | ROLE_RECIPIENT,
     routes_checks_get, "checks_get", ""},
    ROUTE_END,
};
