/*
 * routes_holds: legal holds.  POST /v1/holds (governance) places one, GET
 * /v1/holds lists them (a recipient credential: those covering it), POST
 * /v1/holds/{id}/release (governance) releases one.  See service/holds.h.
 */
#include "clock.h"
#include "holds.h"
#include "route.h"

static void routes_holds_place(struct http_ctx *ctx, struct err *e)
{
	json_t *body = http_body_json(ctx, e);
	if (body == NULL)
		return;
	ctx->body = holds_place(ctx->db, body, ctx->who->actor, clock_now(), e);
	if (ctx->body != NULL)
		ctx->status = 201;
}

static void routes_holds_list(struct http_ctx *ctx, struct err *e)
{
	const char *own = ctx->who->role == ROLE_RECIPIENT ? ctx->who->recipient : NULL;
	ctx->body = holds_list(ctx->db, own, e);
}

static void routes_holds_release(struct http_ctx *ctx, struct err *e)
{
	int64_t id;
	if (!http_path_id(ctx, 0, &id, e))
		return;
	json_t *body = http_body_json(ctx, e);
	if (body == NULL)
		return;
	ctx->body = holds_release(ctx->db, ctx->config, id, body, ctx->who->actor, clock_now(), e);
}

const struct route routes_holds[] = {
    {"POST", "/v1/holds", ROLE_GOVERNANCE, routes_holds_place, "holds_place", NULL},
    {"GET", "/v1/holds", ROLE_GOVERNANCE | ROLE_AUDITOR | ROLE_RECIPIENT, routes_holds_list,
     "holds_list", NULL},
    {"POST", "/v1/holds/{id}/release", ROLE_GOVERNANCE, routes_holds_release, "holds_release",
     NULL},
    ROUTE_END,
};
