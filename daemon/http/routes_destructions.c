/*
 * routes_destructions: destruction orders over HTTP.  Governance and auditors
 * see every order; a recipient credential sees, confirms and triggers only its
 * own (another recipient's order or delivery is 404, never 403, so that ids
 * reveal nothing).  Confirmation and no-longer-needed are the recipient's alone.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "destruction.h"
#include "retention.h"
#include "route.h"
#include "terms.h"

#define DEFAULT_LIMIT 100
#define REF_MAX TERMS_REFERENCE_SIZE

static const char *scope(const struct http_ctx *ctx)
{
	return ctx->who != NULL && ctx->who->role == ROLE_RECIPIENT ? ctx->who->recipient : NULL;
}

/* A reference in a path or query, through the one parser; a path reference that
 * does not parse names no deliberation (404). */
static bool reference(const char *s, char out[REF_MAX], struct err *e)
{
	if (!terms_reference_parse(s, "reference", out, e)) {
		err_clear(e);
		err_set(e, ERR_NOT_FOUND, "no deliberation with that reference");
		return false;
	}
	return true;
}

static void destructions_list(struct http_ctx *ctx, struct err *e)
{
	int64_t after, limit;
	if (!http_query_int(ctx, "after", 0, INT64_MAX / 2, 0, &after, e) ||
	    !http_query_int(ctx, "limit", 1, DESTRUCTION_LIST_MAX, DEFAULT_LIMIT, &limit, e))
		return;
	char ref[REF_MAX];
	const char *d = http_query(ctx, "deliberation");
	if (d != NULL && !reference(d, ref, e)) {
		err_clear(e);
		err_set_field(e, ERR_INVALID, "deliberation",
		              "deliberation must be a reference such as 21-128");
		return;
	}
	const char *who = scope(ctx);
	const char *recipient = http_query(ctx, "recipient");
	if (who != NULL)
		recipient = who; /* a recipient lists its own, whatever it asks */
	json_t *list = destruction_list(ctx->db, ctx->config, recipient, http_query(ctx, "status"),
	                                d != NULL ? ref : NULL, after, (int)limit, e);
	if (list == NULL)
		return;
	json_t *last = json_array_get(list, json_array_size(list) - 1);
	ctx->body = json_pack("{s:o}", "destructions", list);
	if (json_array_size(list) == (size_t)limit && last != NULL)
		json_object_set(ctx->body, "next_after", json_object_get(last, "id"));
}

static void destructions_get(struct http_ctx *ctx, struct err *e)
{
	int64_t id;
	if (!http_path_id(ctx, 0, &id, e))
		return;
	ctx->body = destruction_get(ctx->db, ctx->config, scope(ctx), id, e);
}

static void destructions_confirm(struct http_ctx *ctx, struct err *e)
{
	int64_t id;
	if (!http_path_id(ctx, 0, &id, e))
		return;
	json_t *body = http_body_json(ctx, e);
	if (body == NULL)
		return;
	json_t *out = destruction_confirm(ctx->db, ctx->config, ctx->who->recipient,
	                                  ctx->who->actor, id, body, clock_now(), e);
	if (out == NULL)
		return;
	ctx->status = 201;
	ctx->body = out;
}

/* The optional body {"note": "..."} of the no-longer-needed routes. */
static bool note_of(struct http_ctx *ctx, const char **note, struct err *e)
{
	*note = NULL;
	if (evbuffer_get_length(http_body(ctx)) == 0)
		return true;
	json_t *body = http_body_json(ctx, e);
	if (body == NULL)
		return false;
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v)
	{
		if (strcmp(k, "note") != 0 || !json_is_string(v)) {
			err_set_field(e, ERR_INVALID, "body",
			              "the body may only hold \"note\", a string");
			return false;
		}
	}
	*note = json_string_value(json_object_get(body, "note"));
	return true;
}

static void answer_order(struct http_ctx *ctx, json_t *order, bool created)
{
	if (order == NULL)
		return;
	ctx->status = created ? 201 : 200;
	ctx->body = json_pack("{s:o,s:b}", "order", order, "created", created);
}

static void delivery_no_longer_needed(struct http_ctx *ctx, struct err *e)
{
	int64_t id;
	const char *note;
	if (!http_path_id(ctx, 0, &id, e) || !note_of(ctx, &note, e))
		return;
	bool created = false;
	json_t *order =
	    retention_no_longer_needed(ctx->db, ctx->config, ctx->who->recipient, ctx->who->actor,
	                               id, NULL, note, clock_now(), &created, e);
	answer_order(ctx, order, created);
}

static void deliberation_no_longer_needed(struct http_ctx *ctx, struct err *e)
{
	char ref[REF_MAX];
	const char *note;
	if (!reference(ctx->params[0], ref, e) || !note_of(ctx, &note, e))
		return;
	bool created = false;
	json_t *order =
	    retention_no_longer_needed(ctx->db, ctx->config, ctx->who->recipient, ctx->who->actor,
	                               0, ref, note, clock_now(), &created, e);
	answer_order(ctx, order, created);
}

const struct route routes_destructions[] = {
    {"GET", "/v1/destructions", ROLE_GOVERNANCE | ROLE_RECIPIENT | ROLE_AUDITOR, destructions_list,
     "destructions_list", "deliberation,recipient,status,after,limit"},
    {"GET", "/v1/destructions/{id}", ROLE_GOVERNANCE | ROLE_RECIPIENT | ROLE_AUDITOR,
     destructions_get, "destructions_get", NULL},
    {"POST", "/v1/destructions/{id}/confirmation", ROLE_RECIPIENT, destructions_confirm,
     "destructions_confirm", NULL},
    {"POST", "/v1/deliveries/{id}/no-longer-needed", ROLE_RECIPIENT, delivery_no_longer_needed,
     "deliveries_no_longer_needed", NULL},
    {"POST", "/v1/deliberations/{ref}/no-longer-needed", ROLE_RECIPIENT,
     deliberation_no_longer_needed, "deliberations_no_longer_needed", NULL},
    ROUTE_END,
};
