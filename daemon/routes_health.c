/*
 * routes_health: GET /healthz (public: is the process up and can it reach the
 * database?) and GET /metrics (Prometheus text, any authenticated role).
 */
#include "route.h"

#include "db.h"
#include "metrics.h"

static void health_get(struct http_ctx *ctx, struct err *e)
{
	if (ctx->db == NULL) {
		err_set(e, ERR_UNAVAILABLE, "the database is unreachable");
		return;
	}
	PGresult *r = db_exec(ctx->db, e, "SELECT 1", 0, NULL);
	if (r == NULL) {
		metrics_count_db_error();
		if (e->kind != ERR_UNAVAILABLE) {
			/* any failure of SELECT 1 means the database is not usable */
			struct err why = *e;
			err_clear(e);
			err_set(e, ERR_UNAVAILABLE, "the database does not answer: %s",
			        why.message);
		}
		return;
	}
	PQclear(r);
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
    {"GET", "/healthz", ROLE_PUBLIC, health_get, "healthz"},
    {"GET", "/metrics", ROLE_ANY, metrics_get, "metrics"},
    {NULL, NULL, 0, NULL, NULL},
};
