/*
 * routes_health: GET /healthz (public: is the process up and can it reach the
 * database?) and GET /metrics (Prometheus text, governance and auditor credentials only).
 */
#include "route.h"

#include <stdio.h>

#include "db.h"
#include "metrics.h"
#include "retention.h"
#include "routes.h"

static void health_get(struct http_ctx *ctx, struct err *e)
{
	if (!db_ping(ctx->db, e)) {
		if (ctx->db != NULL)
			metrics_count_db_error();
		return;
	}
	ctx->body = json_pack("{s:s,s:s}", "status", "ok", "database", "ok");
}

/* The retention gauges in Prometheus text: the service gives numbers, this face
 * names and formats them (registered by serve as a scrape collector). */
void routes_health_retention_collect(struct evbuffer *out, PGconn *db, void *arg)
{
	(void)arg;
	struct retention_gauges g;
	struct err e = {0};
	if (db == NULL || !retention_gauges(db, &g, &e))
		return;
	static const char *const names[] = {"open", "overdue", "confirmed", "cancelled"};
	evbuffer_add_printf(out, "# HELP deliberd_destruction_orders Destruction orders by status\n"
	                         "# TYPE deliberd_destruction_orders gauge\n");
	for (int i = 0; i < 4; i++) {
		char labels[32];
		snprintf(labels, sizeof(labels), "status=\"%s\"", names[i]);
		metrics_write(out, "deliberd_destruction_orders", labels, (double)g.orders[i]);
	}
	evbuffer_add_printf(out, "# HELP deliberd_destruction_oldest_overdue_seconds Seconds since "
	                         "the oldest overdue destruction order fell due (0: none)\n"
	                         "# TYPE deliberd_destruction_oldest_overdue_seconds gauge\n");
	metrics_write(out, "deliberd_destruction_oldest_overdue_seconds", "",
	              (double)g.oldest_overdue_seconds);
	evbuffer_add_printf(out, "# HELP deliberd_outbox_pending Notifications not yet delivered\n"
	                         "# TYPE deliberd_outbox_pending gauge\n");
	metrics_write(out, "deliberd_outbox_pending", "", (double)g.outbox_pending);
	evbuffer_add_printf(out, "# HELP deliberd_outbox_oldest_pending_seconds Age of the oldest "
	                         "undelivered notification\n"
	                         "# TYPE deliberd_outbox_oldest_pending_seconds gauge\n");
	metrics_write(out, "deliberd_outbox_oldest_pending_seconds", "",
	              (double)g.outbox_oldest_seconds);
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
