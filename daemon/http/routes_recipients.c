/*
 * routes_recipients: /v1/recipients.  Governance registers recipients (with the
 * webhook that retention notices go to); every role reads them, except that a
 * recipient credential sees only its own recipient (404 for the others, and a list
 * of one).
 * Governance may change a recipient's contact and webhook (PATCH, audited).  The
 * webhook secret is write-only.
 */
#include <string.h>

#include "registry.h"
#include "route.h"

/* A string member: absent is allowed unless required; present must be a string of at
 * most max bytes.  Sets *out (NULL when absent). */
static bool member_string(json_t *body, const char *key, bool required, size_t max,
                          const char **out, struct err *e)
{
	json_t *v = json_object_get(body, key);
	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			err_set_field(e, ERR_INVALID, key, "%s is required", key);
		return !required;
	}
	if (!json_is_string(v)) {
		err_set_field(e, ERR_INVALID, key, "%s must be a string", key);
		return false;
	}
	if (json_string_length(v) > max) {
		err_set_field(e, ERR_INVALID, key, "%s is longer than %zu bytes", key, max);
		return false;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		err_set_field(e, ERR_INVALID, key, "%s contains a NUL character", key);
		return false;
	}
	*out = json_string_value(v);
	return true;
}

/* Refuses a body member that is not one of known, naming it. */
static bool only_members(json_t *body, const char *const *known, size_t n, struct err *e)
{
	const char *key;
	json_t *val;
	json_object_foreach(body, key, val)
	{
		bool ok = false;
		for (size_t i = 0; i < n; i++)
			ok = ok || strcmp(key, known[i]) == 0;
		if (!ok) {
			err_set_field(e, ERR_INVALID, key, "unknown member '%.40s'", key);
			return false;
		}
	}
	return true;
}

static void recipients_create(struct http_ctx *ctx, struct err *e)
{
	json_t *body = http_body_json(ctx, e);
	if (body == NULL)
		return;
	static const char *const known[] = {"id",      "name",        "organisation",
	                                    "contact", "webhook_url", "webhook_secret"};
	if (!only_members(body, known, sizeof(known) / sizeof(known[0]), e))
		return;
	const char *id, *name, *org, *contact, *url, *secret;
	if (member_string(body, "id", true, 64, &id, e) &&
	    member_string(body, "name", true, 512, &name, e) &&
	    member_string(body, "organisation", false, 512, &org, e) &&
	    member_string(body, "contact", false, 512, &contact, e) &&
	    member_string(body, "webhook_url", false, 2048, &url, e) &&
	    member_string(body, "webhook_secret", false, 256, &secret, e)) {
		struct terms_recipient r = {
		    .id = (char *)id,
		    .name = (char *)name,
		    .organisation = (char *)org,
		    .contact = (char *)contact,
		};
		if (registry_recipient_create(ctx->db, &r, url, secret, ctx->who->actor, e)) {
			ctx->body = registry_recipient_get(ctx->db, id, e);
			ctx->status = 201;
		}
	}
}

/* PATCH: contact and the webhook (webhook_url and webhook_secret together, or
 * "webhook_url": null to remove it); the id, name and organisation are what
 * deliberations recorded and do not change here. */
static void recipients_update(struct http_ctx *ctx, struct err *e)
{
	const char *id = ctx->nparams > 0 ? ctx->params[0] : "";
	json_t *body = http_body_json(ctx, e);
	if (body == NULL)
		return;
	static const char *const known[] = {"contact", "webhook_url", "webhook_secret"};
	if (!only_members(body, known, sizeof(known) / sizeof(known[0]), e))
		return;
	const char *contact, *url, *secret;
	if (!member_string(body, "contact", false, 512, &contact, e) ||
	    !member_string(body, "webhook_url", false, 2048, &url, e) ||
	    !member_string(body, "webhook_secret", false, 256, &secret, e))
		return;
	bool set_webhook = json_object_get(body, "webhook_url") != NULL ||
	                   json_object_get(body, "webhook_secret") != NULL;
	if (contact == NULL && !set_webhook) {
		err_set(e, ERR_INVALID,
		        "nothing to change: give contact, or webhook_url and "
		        "webhook_secret");
		return;
	}
	if (registry_recipient_update(ctx->db, id, contact, set_webhook, url, secret,
	                              ctx->who->actor, e))
		ctx->body = registry_recipient_get(ctx->db, id, e);
}

static void recipients_get(struct http_ctx *ctx, struct err *e)
{
	const char *id = ctx->nparams > 0 ? ctx->params[0] : "";
	if (ctx->who != NULL && ctx->who->role == ROLE_RECIPIENT &&
	    strcmp(ctx->who->recipient, id) != 0) {
		err_set_field(e, ERR_NOT_FOUND, "id", "no such recipient");
		return;
	}
	ctx->body = registry_recipient_get(ctx->db, id, e);
}

#define RECIPIENTS_PAGE_DEFAULT 100
#define RECIPIENTS_PAGE_MAX 1000

/* GET /v1/recipients?after=ID&limit=N: ordered by id; "next" is the after= of the
 * next page, null on the last. */
static void recipients_list(struct http_ctx *ctx, struct err *e)
{
	int64_t limit;
	if (!http_query_int(ctx, "limit", 1, RECIPIENTS_PAGE_MAX, RECIPIENTS_PAGE_DEFAULT, &limit,
	                    e))
		return;
	const char *only = ctx->who->role == ROLE_RECIPIENT ? ctx->who->recipient : NULL;
	json_t *list =
	    registry_recipient_list(ctx->db, only, http_query(ctx, "after"), (int)limit + 1, e);
	if (list == NULL)
		return;
	json_t *next = json_null();
	if (json_array_size(list) > (size_t)limit) {
		json_array_remove(list, (size_t)limit);
		next = json_incref(json_object_get(json_array_get(list, (size_t)limit - 1), "id"));
	}
	ctx->body = json_pack("{s:o,s:o}", "recipients", list, "next", next);
	if (ctx->body == NULL)
		err_set(e, ERR_INTERNAL, "out of memory");
}

const struct route routes_recipients[] = {
    {"GET", "/v1/recipients", ROLE_ANY, recipients_list, "recipients_list", "after,limit"},
    {"POST", "/v1/recipients", ROLE_GOVERNANCE, recipients_create, "recipients_create", NULL},
    {"GET", "/v1/recipients/{id}", ROLE_ANY, recipients_get, "recipients_get", NULL},
    {"PATCH", "/v1/recipients/{id}", ROLE_GOVERNANCE, recipients_update, "recipients_update", NULL},
    ROUTE_END,
};
