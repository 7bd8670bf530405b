/*
 * routes_deliberations: /v1/deliberations, the HTTP face of the registry.  Roles are
 * in the table (governance writes, every role reads); the one data-dependent rule
 * is here: a recipient credential sees only deliberations that name its recipient
 * in some version, and gets 404 for the others (as if they did not exist).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cache.h"
#include "clock.h"
#include "registry.h"
#include "route.h"
#include "terms.h"
#include "terms_json.h"

#define BODY_NAME "request body"

/* Is the request body JSON (the default when no Content-Type is given)? */
static bool body_is_json(struct http_ctx *ctx)
{
	const char *ct = http_header(ctx, "Content-Type");
	return ct == NULL || strncasecmp(ct, "application/json", 16) == 0;
}

/* A deliberation from the body: JSON in the terms_json shape, or a deliberation file
 * (text/plain, application/x-libconfig) parsed as docs/deliberation-format.md says. */
static struct terms_deliberation *body_deliberation(struct http_ctx *ctx, struct err *e)
{
	if (body_is_json(ctx)) {
		json_t *body = http_body_json(ctx, e);
		if (body == NULL)
			return NULL;
		struct terms_deliberation *d = terms_json_parse(body, e);
		return d;
	}
	const char *ct = http_header(ctx, "Content-Type");
	if (strncasecmp(ct, "text/plain", 10) != 0 &&
	    strncasecmp(ct, "application/x-libconfig", 23) != 0) {
		err_set_field(e, ERR_INVALID, "Content-Type",
		              "send application/json, text/plain or application/x-libconfig");
		return NULL;
	}
	struct evbuffer *buf = http_body(ctx);
	size_t len = buf != NULL ? evbuffer_get_length(buf) : 0;
	char *text = malloc(len + 1);
	if (text == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	if (len > 0)
		evbuffer_copyout(buf, text, len);
	text[len] = '\0';
	if (strlen(text) != len) {
		free(text);
		err_set_field(e, ERR_INVALID, "body", "the deliberation file contains a NUL byte");
		return NULL;
	}
	struct terms_deliberation *d = terms_load_string(text, BODY_NAME, e);
	free(text);
	return d;
}

/* The {ref} capture ("21-128") as "21/128", visible to the caller, or false. */
static bool visible_ref(struct http_ctx *ctx, char ref[32], struct err *e)
{
	if (ctx->nparams < 1 || !registry_reference_parse(ctx->params[0], ref, e))
		return false;
	if (ctx->who == NULL || ctx->who->role != ROLE_RECIPIENT)
		return true;
	bool named = false;
	if (!registry_names_recipient(ctx->db, ref, ctx->who->recipient, &named, e))
		return false;
	if (!named) {
		err_set_field(e, ERR_NOT_FOUND, "reference", "no deliberation %s is registered",
		              ref);
		return false;
	}
	return true;
}

/* ?at=YYYY-MM-DD, default today in Europe/Brussels. */
static bool query_date(struct http_ctx *ctx, int32_t *date, struct err *e)
{
	const char *at = http_query(ctx, "at");
	if (at == NULL) {
		*date = clock_brussels_date(clock_now());
		return true;
	}
	if (!terms_date_parse(at, date)) {
		err_set_field(e, ERR_INVALID, "at", "at must be a date YYYY-MM-DD");
		return false;
	}
	return true;
}

/* ?after=REF&limit=N over the list ordered by reference: "next" is the after= of the
 * next page, null on the last.  (Deliberations are few: the page is cut here.) */
static void deliberations_list(struct http_ctx *ctx, struct err *e)
{
	int64_t limit;
	if (!http_query_int(ctx, "limit", 1, 1000, 100, &limit, e))
		return;
	const char *after = http_query(ctx, "after");
	char after_ref[32] = "";
	if (after != NULL && !registry_reference_parse(after, after_ref, e))
		return;
	const char *recipient =
	    ctx->who != NULL && ctx->who->role == ROLE_RECIPIENT ? ctx->who->recipient : NULL;
	json_t *all = registry_list(ctx->db, recipient, e);
	if (all == NULL)
		return;
	json_t *list = json_array();
	json_t *next = json_null();
	size_t i;
	json_t *d;
	json_array_foreach(all, i, d)
	{
		const char *ref = json_string_value(json_object_get(d, "reference"));
		if (after_ref[0] != '\0' && ref != NULL && strcmp(ref, after_ref) <= 0)
			continue;
		if (json_array_size(list) == (size_t)limit) {
			json_decref(next);
			next = json_incref(
			    json_object_get(json_array_get(list, (size_t)limit - 1), "reference"));
			break;
		}
		json_array_append(list, d);
	}
	json_decref(all);
	ctx->body = json_pack("{s:o,s:o}", "deliberations", list, "next", next);
}

static void deliberations_get(struct http_ctx *ctx, struct err *e)
{
	char ref[32];
	if (visible_ref(ctx, ref, e))
		ctx->body = registry_get(ctx->db, ref, e);
}

static void deliberations_versions(struct http_ctx *ctx, struct err *e)
{
	char ref[32];
	if (!visible_ref(ctx, ref, e))
		return;
	json_t *v = registry_versions(ctx->db, ref, e);
	if (v != NULL)
		ctx->body = json_pack("{s:s, s:o}", "reference", ref, "versions", v);
}

static void deliberations_terms(struct http_ctx *ctx, struct err *e)
{
	char ref[32];
	int32_t date;
	if (visible_ref(ctx, ref, e) && query_date(ctx, &date, e))
		cache_terms(ctx, ref, date, e); /* registry_terms, built once per version */
}

static void deliberations_odrl(struct http_ctx *ctx, struct err *e)
{
	char ref[32];
	int32_t date;
	if (visible_ref(ctx, ref, e) && query_date(ctx, &date, e))
		cache_odrl(ctx, ref, date, e); /* registry_odrl, built once per version */
}

/* The created/amended deliberation as the response: header and versions. */
static void respond_recorded(struct http_ctx *ctx, const char *ref,
                             const struct registry_result *res, struct err *e)
{
	json_t *d = registry_get(ctx->db, ref, e);
	if (d == NULL)
		return;
	json_object_set_new(
	    d, "recorded_versions",
	    json_pack("{s:i, s:i}", "first", res->first_new, "last", res->last_new));
	json_object_set_new(d, "recipients_added", json_integer(res->recipients_added));
	if (res->kept_recipients[0] != '\0')
		json_object_set_new(d, "recipients_kept", json_string(res->kept_recipients));
	ctx->status = 201;
	ctx->body = d;
}

static void deliberations_create(struct http_ctx *ctx, struct err *e)
{
	struct terms_deliberation *d = body_deliberation(ctx, e);
	if (d == NULL)
		return;
	struct registry_result res;
	if (registry_record(ctx->db, d, REGISTRY_CREATE, ctx->who->actor, &res, e))
		respond_recorded(ctx, d->reference, &res, e);
	terms_free(d);
}

static void deliberations_amend(struct http_ctx *ctx, struct err *e)
{
	char ref[32];
	if (ctx->nparams < 1 || !registry_reference_parse(ctx->params[0], ref, e))
		return;
	struct registry_result res;
	if (body_is_json(ctx)) {
		json_t *body = http_body_json(ctx, e);
		if (body == NULL)
			return;
		bool ok = registry_amend_json(ctx->db, ref, body, ctx->who->actor, &res, e);
		if (ok)
			respond_recorded(ctx, ref, &res, e);
		return;
	}
	struct terms_deliberation *d = body_deliberation(ctx, e);
	if (d == NULL)
		return;
	if (strcmp(d->reference, ref) != 0)
		err_set_field(e, ERR_INVALID, "reference",
		              "the file describes deliberation %s, not %s", d->reference, ref);
	else if (registry_record(ctx->db, d, REGISTRY_AMEND, ctx->who->actor, &res, e))
		respond_recorded(ctx, ref, &res, e);
	terms_free(d);
}

/* POST .../versions/{n}/approval and /rejection: a second governance credential
 * decides a proposed version (registry_decide). */
static void deliberations_decide(struct http_ctx *ctx, bool approve, struct err *e)
{
	char ref[32];
	int64_t n;
	if (ctx->nparams < 2 || !registry_reference_parse(ctx->params[0], ref, e) ||
	    !http_path_id(ctx, 1, &n, e))
		return;
	if (n > 1000000) {
		err_set_field(e, ERR_NOT_FOUND, "version", "no such version");
		return;
	}
	ctx->body = registry_decide(ctx->db, ref, (int)n, approve, ctx->who->actor, e);
}

static void deliberations_approve(struct http_ctx *ctx, struct err *e)
{
	deliberations_decide(ctx, true, e);
}

static void deliberations_reject(struct http_ctx *ctx, struct err *e)
{
	deliberations_decide(ctx, false, e);
}

const struct route routes_deliberations[] = {
    {"GET", "/v1/deliberations", ROLE_ANY, deliberations_list, "deliberations_list", "after,limit"},
    {"POST", "/v1/deliberations", ROLE_GOVERNANCE, deliberations_create, "deliberations_create",
     NULL},
    {"GET", "/v1/deliberations/{ref}", ROLE_ANY, deliberations_get, "deliberations_get", NULL},
    {"GET", "/v1/deliberations/{ref}/terms", ROLE_ANY, deliberations_terms, "deliberations_terms",
     "at"},
    {"GET", "/v1/deliberations/{ref}/versions", ROLE_ANY, deliberations_versions,
     "deliberations_versions", NULL},
    {"POST", "/v1/deliberations/{ref}/versions", ROLE_GOVERNANCE, deliberations_amend,
     "deliberations_amend", NULL},
    {"GET", "/v1/deliberations/{ref}/odrl", ROLE_ANY, deliberations_odrl, "deliberations_odrl",
     "at"},
    {"POST", "/v1/deliberations/{ref}/versions/{n}/approval", ROLE_GOVERNANCE,
     deliberations_approve, "deliberations_version_approve", NULL},
    {"POST", "/v1/deliberations/{ref}/versions/{n}/rejection", ROLE_GOVERNANCE,
     deliberations_reject, "deliberations_version_reject", NULL},
    ROUTE_END,
};
