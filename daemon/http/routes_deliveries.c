/*
 * routes_deliveries: the recorded checks as deliveries.  POST
 * /v1/deliveries/{id}/shipped marks a passed check as delivered; GET
 * /v1/deliveries lists them and GET /v1/deliveries/{id} shows one.  A recipient
 * credential sees only deliveries to its own recipient.
 */
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "clock.h"
#include "route.h"
#include "terms.h"

#define ROUTES_DELIVERIES_LIMIT_DEFAULT 100
#define ROUTES_DELIVERIES_LIMIT_MAX 1000

/* A positive decimal int64 of at most 18 digits; false otherwise. */
static bool routes_deliveries_int(const char *s, int64_t *out)
{
	size_t n = 0;
	int64_t v = 0;
	if (s == NULL)
		return false;
	for (; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 18)
			return false;
		v = v * 10 + (s[n] - '0');
	}
	*out = v;
	return n > 0;
}

static bool routes_deliveries_id(struct http_ctx *ctx, int64_t *id, struct err *e)
{
	if (ctx->nparams < 1 || !routes_deliveries_int(ctx->params[0], id) || *id < 1) {
		err_set_field(e, ERR_INVALID, "id", "a delivery id is a positive integer");
		return false;
	}
	return true;
}

static void routes_deliveries_ship(struct http_ctx *ctx, struct err *e)
{
	int64_t id;
	if (!routes_deliveries_id(ctx, &id, e))
		return;
	ctx->body = checks_ship(ctx->db, ctx->config, id, ctx->who->actor, clock_now(), e);
}

static const char *routes_deliveries_own(const struct http_ctx *ctx)
{
	return ctx->who->role == ROLE_RECIPIENT ? ctx->who->recipient : NULL;
}

static void routes_deliveries_get(struct http_ctx *ctx, struct err *e)
{
	int64_t id;
	if (!routes_deliveries_id(ctx, &id, e))
		return;
	ctx->body = checks_get(ctx->db, id, routes_deliveries_own(ctx), e);
}

static void routes_deliveries_list(struct http_ctx *ctx, struct err *e)
{
	struct checks_filter f = {.limit = ROUTES_DELIVERIES_LIMIT_DEFAULT};
	char ref[TERMS_REFERENCE_SIZE];
	const char *own = routes_deliveries_own(ctx);
	const char *v;

	f.recipient = http_query(ctx, "recipient");
	if (f.recipient != NULL && !terms_id_valid(f.recipient)) {
		err_set_field(e, ERR_INVALID, "recipient", "recipient must be a recipient id");
		return;
	}
	if (own != NULL) {
		if (f.recipient != NULL && strcmp(f.recipient, own) != 0) {
			err_set(e, ERR_FORBIDDEN,
			        "a recipient credential may list only its own deliveries");
			return;
		}
		f.recipient = own;
	}
	if ((v = http_query(ctx, "deliberation")) != NULL) {
		if (!terms_reference_parse(v, "deliberation", ref, e))
			return;
		f.deliberation = ref;
	}
	if ((v = http_query(ctx, "verdict")) != NULL) {
		if (strcmp(v, "pass") != 0 && strcmp(v, "fail") != 0) {
			err_set_field(e, ERR_INVALID, "verdict", "verdict must be pass or fail");
			return;
		}
		f.verdict = v;
	}
	if ((v = http_query(ctx, "after")) != NULL && !routes_deliveries_int(v, &f.after)) {
		err_set_field(e, ERR_INVALID, "after", "after must be a delivery id");
		return;
	}
	if ((v = http_query(ctx, "limit")) != NULL) {
		int64_t n;
		if (!routes_deliveries_int(v, &n) || n < 1 || n > ROUTES_DELIVERIES_LIMIT_MAX) {
			err_set_field(e, ERR_INVALID, "limit",
			              "limit must be a number from 1 to %d",
			              ROUTES_DELIVERIES_LIMIT_MAX);
			return;
		}
		f.limit = (int)n;
	}
	ctx->body = checks_list(ctx->db, &f, e);
}

static void routes_deliveries_import(struct http_ctx *ctx, struct err *e)
{
	json_t *body = http_body_json(ctx, e);
	if (body == NULL)
		return;
	ctx->body = checks_import(ctx->db, body, ctx->who->actor, clock_now(), e);
	if (ctx->body != NULL)
		ctx->status = 201;
}

const struct route routes_deliveries[] = {
    {"POST", "/v1/deliveries/import", ROLE_GOVERNANCE, routes_deliveries_import,
     "deliveries_import", NULL},
    {"POST", "/v1/deliveries/{id}/shipped", ROLE_DELIVERY, routes_deliveries_ship,
     "deliveries_shipped", NULL},
    {"GET", "/v1/deliveries", ROLE_ANY, routes_deliveries_list, "deliveries_list",
     "deliberation,recipient,verdict,after,limit"},
    {"GET", "/v1/deliveries/{id}", ROLE_ANY, routes_deliveries_get, "deliveries_get", NULL},
    ROUTE_END,
};
