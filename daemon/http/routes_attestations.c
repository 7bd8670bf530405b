/*
 * routes_attestations: "still needed?".  GET /v1/attestations lists them (a
 * recipient credential: its own); POST /v1/attestations/{id} is the recipient's
 * answer {"still_needed": true|false, "note"}.  See service/attest.h.
 */
#include "attest.h"
#include "clock.h"
#include "route.h"

static void routes_attestations_list(struct http_ctx *ctx, struct err *e)
{
	const char *own = ctx->who->role == ROLE_RECIPIENT ? ctx->who->recipient : NULL;
	ctx->body = attest_list(ctx->db, own, e);
}

static void routes_attestations_answer(struct http_ctx *ctx, struct err *e)
{
	int64_t id;
	if (!http_path_id(ctx, 0, &id, e))
		return;
	json_t *body = http_body_json(ctx, e);
	if (body == NULL)
		return;
	ctx->body = attest_answer(ctx->db, ctx->config, ctx->who->recipient, ctx->who->actor, id,
	                          body, clock_now(), e);
}

const struct route routes_attestations[] = {
    {"GET", "/v1/attestations", ROLE_GOVERNANCE | ROLE_AUDITOR | ROLE_RECIPIENT,
     routes_attestations_list, "attestations_list", NULL},
    {"POST", "/v1/attestations/{id}", ROLE_RECIPIENT, routes_attestations_answer,
     "attestations_answer", NULL},
    ROUTE_END,
};
