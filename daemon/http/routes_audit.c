/*
 * routes_audit: GET /v1/audit?action=&subject=&actor=&from=&to=&after=SEQ&limit=N,
 * the audit trail for auditors and governance, oldest first, filtered (see
 * audit_search), paginated by seq.  The answer carries "next": the
 * cursor to pass as after= for the next page, or null on the last page.
 * GET /v1/audit/verification says whether the hash chain is intact.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "route.h"

/* Declared where it is used: routes.c. */
extern const struct route routes_audit[];

#define AUDIT_PAGE_DEFAULT 100
#define AUDIT_PAGE_MAX 1000

static void audit_get(struct http_ctx *ctx, struct err *e)
{
	int64_t after, limit;

	if (!http_query_int(ctx, "after", 0, INT64_MAX / 2, 0, &after, e) ||
	    !http_query_int(ctx, "limit", 1, AUDIT_PAGE_MAX, AUDIT_PAGE_DEFAULT, &limit, e))
		return;
	/* One more than asked says whether another page exists. */
	struct audit_filter f = {
	    .after = after,
	    .limit = (int)limit + 1,
	    .action = http_query(ctx, "action"),
	    .subject = http_query(ctx, "subject"),
	    .actor = http_query(ctx, "actor"),
	    .from = http_query(ctx, "from"),
	    .to = http_query(ctx, "to"),
	};
	json_t *events = audit_search(ctx->db, &f, e);
	if (events == NULL)
		return;
	json_t *next = json_null();
	if (json_array_size(events) > (size_t)limit) {
		json_array_remove(events, (size_t)limit);
		json_t *last = json_array_get(events, (size_t)limit - 1);
		next = json_integer(json_integer_value(json_object_get(last, "seq")));
	}
	ctx->body = json_pack("{s:o,s:o}", "events", events, "next", next);
	if (ctx->body == NULL)
		err_set(e, ERR_INTERNAL, "out of memory");
}

/* GET /v1/audit/verification: walks the whole chain as `deliberd audit verify` does;
 * a broken link is an answer ("intact": false, "broken_at"), not an error. */
static void audit_verification(struct http_ctx *ctx, struct err *e)
{
	int64_t checked = 0, bad = 0;
	struct err ve = {0};
	bool ok = audit_verify(ctx->db, &checked, &bad, &ve);
	if (!ok && bad == 0) {
		*e = ve;
		return;
	}
	ctx->body = json_pack("{s:b,s:I,s:o,s:s?}", "intact", ok, "checked", (json_int_t)checked,
	                      "broken_at", ok ? json_null() : json_integer(bad), "message",
	                      ok ? NULL : ve.message);
	if (ctx->body == NULL)
		err_set(e, ERR_INTERNAL, "out of memory");
}

const struct route routes_audit[] = {
    {"GET", "/v1/audit", ROLE_AUDITOR | ROLE_GOVERNANCE, audit_get, "audit",
     "action,subject,actor,from,to,after,limit"},
    {"GET", "/v1/audit/verification", ROLE_AUDITOR | ROLE_GOVERNANCE, audit_verification,
     "audit_verification", NULL},
    ROUTE_END,
};
