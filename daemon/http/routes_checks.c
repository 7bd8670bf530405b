/*
 * routes_checks: POST /v1/checks.  Adapts the request to the check service: query
 * parameters to a checks_request, and the extract either from the request body
 * (handed to the validator chunk by chunk, in place, without copying it into one
 * string) or from a file of the staging directory named by {"staged_file": NAME}.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "checks.h"
#include "clock.h"
#include "route.h"
#include "terms.h"

#define ROUTES_CHECKS_IOV 64

/* Walks an evbuffer's chain without draining or copying it. */
struct routes_checks_body {
	struct evbuffer *buf;
	struct evbuffer_ptr ptr;
	size_t left; /* bytes not yet handed out */
	struct evbuffer_iovec iov[ROUTES_CHECKS_IOV];
	int niov, next;
};

static bool routes_checks_body_next(void *arg, const char **buf, size_t *len, struct err *e)
{
	struct routes_checks_body *b = arg;
	for (;;) {
		while (b->next < b->niov) {
			struct evbuffer_iovec *v = &b->iov[b->next++];
			size_t n = v->iov_len < b->left ? v->iov_len : b->left;
			if (n == 0)
				continue; /* a chain boundary can show as an empty piece */
			b->left -= n;
			*buf = v->iov_base;
			*len = n;
			return true;
		}
		if (b->left == 0) {
			*len = 0;
			return true;
		}
		/* The next window of pieces, starting where the last one ended. */
		size_t got = 0;
		b->niov =
		    evbuffer_peek(b->buf, (ev_ssize_t)b->left, &b->ptr, b->iov, ROUTES_CHECKS_IOV);
		if (b->niov > ROUTES_CHECKS_IOV)
			b->niov = ROUTES_CHECKS_IOV;
		for (int i = 0; i < b->niov; i++)
			got += b->iov[i].iov_len;
		if (b->niov <= 0 || got == 0 ||
		    evbuffer_ptr_set(b->buf, &b->ptr, got, EVBUFFER_PTR_ADD) != 0) {
			err_set(e, ERR_INTERNAL, "cannot read the request body");
			return false;
		}
		b->next = 0;
	}
}

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

static void routes_checks_post(struct http_ctx *ctx, struct err *e)
{
	struct checks_request rq;
	memset(&rq, 0, sizeof(rq));
	if (!routes_checks_request(ctx, &rq, e))
		return;

	/* A JSON body names a staged file; any other body is the extract itself (curl
	 * sends --data-binary as form-urlencoded unless told otherwise). */
	const char *type = http_header(ctx, "Content-Type");
	json_t *out;
	if (type != NULL && strncasecmp(type, "application/json", 16) == 0) {
		int fd = routes_checks_staged(ctx, e);
		if (fd < 0)
			return;
		out = checks_run_fd(ctx->db, ctx->config, &rq, fd, e);
		close(fd);
	} else {
		struct routes_checks_body b;
		memset(&b, 0, sizeof(b));
		b.buf = http_body(ctx);
		if (b.buf != NULL) {
			b.left = evbuffer_get_length(b.buf);
			evbuffer_ptr_set(b.buf, &b.ptr, 0, EVBUFFER_PTR_SET);
		}
		out = checks_run(ctx->db, ctx->config, &rq, routes_checks_body_next, &b, e);
	}
	if (out == NULL)
		return;
	ctx->status = 200;
	ctx->body = out;
}

const struct route routes_checks[] = {
    {"POST", "/v1/checks", ROLE_DELIVERY, routes_checks_post, "checks_run",
     "deliberation,recipient,group,phase,destination,date,dry_run"},
    ROUTE_END,
};
