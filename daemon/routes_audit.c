/*
 * routes_audit: GET /v1/audit?after=SEQ&limit=N, the audit trail for auditors and
 * governance, oldest first, paginated by seq.  The answer carries "next": the
 * cursor to pass as after= for the next page, or null on the last page.
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

static bool query_int(struct http_ctx *ctx, const char *name, int64_t min, int64_t max,
                      int64_t *out, struct err *e)
{
	const char *s = http_query(ctx, name);
	if (s == NULL)
		return true;
	char *end = NULL;
	long long v = 0;
	bool digits = s[0] >= '0' && s[0] <= '9' && strlen(s) <= 19;
	if (digits)
		v = strtoll(s, &end, 10);
	if (!digits || *end != '\0' || v < min || v > max) {
		err_set_field(e, ERR_INVALID, name,
		              "%s must be an integer from %" PRId64 " to %" PRId64, name, min, max);
		return false;
	}
	*out = v;
	return true;
}

static void audit_get(struct http_ctx *ctx, struct err *e)
{
	int64_t after = 0, limit = AUDIT_PAGE_DEFAULT;

	if (!query_int(ctx, "after", 0, INT64_MAX, &after, e) ||
	    !query_int(ctx, "limit", 1, AUDIT_PAGE_MAX, &limit, e))
		return;
	/* One more than asked says whether another page exists. */
	json_t *events = audit_list(ctx->db, after, (int)limit + 1, e);
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

const struct route routes_audit[] = {
    {"GET", "/v1/audit", ROLE_AUDITOR | ROLE_GOVERNANCE, audit_get, "audit"},
    {NULL, NULL, 0, NULL, NULL},
};
