/*
 * routes_sessions: supervision sessions in the secure room (phase 2), which
 * every output submitted for release names (docs/output-checking.md).
 * POST /v1/sessions records one; GET /v1/sessions/{id} reads it (a recipient
 * only its own).
 */
#include "outputs.h"
#include "route.h"

static void sessions_create(struct http_ctx *ctx, struct err *e)
{
	json_t *body = http_body_json(ctx, e);
	if (body == NULL)
		return;
	ctx->body = outputs_session_create(ctx->db, ctx->who, body, e);
	if (ctx->body != NULL)
		ctx->status = 201;
}

static void sessions_get(struct http_ctx *ctx, struct err *e)
{
	int64_t id;
	if (http_path_id(ctx, 0, &id, e))
		ctx->body = outputs_session_get(ctx->db, ctx->who, id, e);
}

const struct route routes_sessions[] = {
    {"POST", "/v1/sessions", ROLE_GOVERNANCE | ROLE_DELIVERY | ROLE_OUTPUT_CHECKER | ROLE_RECIPIENT,
     sessions_create, "sessions_create", NULL},
    {"GET", "/v1/sessions/{id}", ROLE_ANY, sessions_get, "sessions_get", NULL},
    ROUTE_END,
};
