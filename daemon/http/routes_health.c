/*
 * routes_health: GET /healthz (public: is the process up and can it reach the
 * database?) and GET /metrics (Prometheus text, governance and auditor credentials only).
 */
#include "route.h"

#include "db.h"
#include "metrics.h"

static void health_get(struct http_ctx *ctx, struct err *e)
{
	if (!db_ping(ctx->db, e)) {
		if (ctx->db != NULL)
			metrics_count_db_error();
		return;
	}
	ctx->body = json_pack("{s:s,s:s}", "status", "ok", "database", "ok");
}

static void metrics_get(struct http_ctx *ctx, struct err *e)
{
	(void)e;
	ctx->raw = evbuffer_new();
	metrics_render(ctx->raw, ctx->db);
	ctx->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

const struct route routes_health[] = {
    {"GET", "/healthz", ROLE_PUBLIC, health_get, "healthz", NULL},
    /* deployment-wide counts: not for recipients, delivery or output checkers */
    {"GET", "/metrics", ROLE_GOVERNANCE | ROLE_AUDITOR, metrics_get, "metrics", NULL},
    ROUTE_END,
};
