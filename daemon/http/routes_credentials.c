/*
 * routes_credentials: /v1/credentials, credential management over the API
 * (contract "Authority").  Governance lists, creates (the token is in the 201
 * answer, once, and nowhere else) and revokes; auditors list.  Tokens and their
 * hashes are never listed.
 */
#include <inttypes.h>
#include <string.h>

#include <openssl/crypto.h>

#include "credential.h"
#include "route.h"

#define CREDENTIALS_PAGE_DEFAULT 100
#define CREDENTIALS_PAGE_MAX 1000

/* The listed credential with that id, a new reference; NULL with e set. */
static json_t *credential_by_id(PGconn *db, int64_t id, struct err *e)
{
	json_t *list = credential_list(db, e);
	if (list == NULL)
		return NULL;
	size_t i;
	json_t *c, *found = NULL;
	json_array_foreach(list, i, c)
	{
		if (json_integer_value(json_object_get(c, "id")) == id)
			found = json_incref(c);
	}
	json_decref(list);
	if (found == NULL)
		err_set(e, ERR_NOT_FOUND, "no credential %" PRId64, id);
	return found;
}

/* GET /v1/credentials?after=ID&limit=N (by id; "next" as elsewhere). */
static void credentials_list(struct http_ctx *ctx, struct err *e)
{
	int64_t after, limit;
	if (!http_query_int(ctx, "after", 0, INT64_MAX / 2, 0, &after, e) ||
	    !http_query_int(ctx, "limit", 1, CREDENTIALS_PAGE_MAX, CREDENTIALS_PAGE_DEFAULT, &limit,
	                    e))
		return;
	json_t *all = credential_list(ctx->db, e);
	if (all == NULL)
		return;
	json_t *list = json_array(), *next = json_null();
	size_t i;
	json_t *c;
	json_array_foreach(all, i, c)
	{
		json_int_t id = json_integer_value(json_object_get(c, "id"));
		if (id <= after)
			continue;
		if (json_array_size(list) == (size_t)limit) {
			next = json_integer(json_integer_value(
			    json_object_get(json_array_get(list, (size_t)limit - 1), "id")));
			break;
		}
		json_array_append(list, c);
	}
	json_decref(all);
	ctx->body = json_pack("{s:o,s:o}", "credentials", list, "next", next);
}

/* A string member or NULL; false (400 naming it) when present but not a string. */
static bool member(json_t *body, const char *key, const char **out, struct err *e)
{
	json_t *v = json_object_get(body, key);
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_string(v)) {
		err_set_field(e, ERR_INVALID, key, "%s must be a string", key);
		return false;
	}
	*out = json_string_value(v);
	return true;
}

/* POST /v1/credentials {name, role, recipient?, expires_at?}: 201 with the token. */
static void credentials_create(struct http_ctx *ctx, struct err *e)
{
	json_t *body = http_body_json(ctx, e);
	if (body == NULL)
		return;
	const char *key;
	json_t *val;
	json_object_foreach(body, key, val)
	{
		if (strcmp(key, "name") != 0 && strcmp(key, "role") != 0 &&
		    strcmp(key, "recipient") != 0 && strcmp(key, "expires_at") != 0) {
			err_set_field(e, ERR_INVALID, key, "unknown member '%.40s'", key);
			return;
		}
	}
	const char *name, *role_s, *recipient, *expires;
	if (!member(body, "name", &name, e) || !member(body, "role", &role_s, e) ||
	    !member(body, "recipient", &recipient, e) || !member(body, "expires_at", &expires, e))
		return;
	enum role role;
	if (role_s == NULL || !role_parse(role_s, &role)) {
		err_set_field(e, ERR_INVALID, "role",
		              "role must be one of the roles (docs/api.md)");
		return;
	}
	if (name == NULL) {
		err_set_field(e, ERR_INVALID, "name", "name is required");
		return;
	}
	char token[CREDENTIAL_TOKEN_LEN + 1];
	int64_t id = 0;
	if (!credential_create(ctx->db, ctx->who->actor, role, recipient, name, expires, token, &id,
	                       e))
		return;
	json_t *c = credential_by_id(ctx->db, id, e);
	if (c != NULL) {
		json_object_set_new(c, "token", json_string(token));
		ctx->status = 201;
		ctx->body = c;
	}
	OPENSSL_cleanse(token, sizeof(token));
}

/* POST /v1/credentials/{id}/revocation (no body needed): 200 with the revoked
 * credential; already revoked 409, unknown 404. */
static void credentials_revoke(struct http_ctx *ctx, struct err *e)
{
	int64_t id;
	if (!http_path_id(ctx, 0, &id, e))
		return;
	if (credential_revoke(ctx->db, ctx->who->actor, id, e))
		ctx->body = credential_by_id(ctx->db, id, e);
}

const struct route routes_credentials[] = {
    {"GET", "/v1/credentials", ROLE_GOVERNANCE | ROLE_AUDITOR, credentials_list, "credentials_list",
     "after,limit"},
    {"POST", "/v1/credentials", ROLE_GOVERNANCE, credentials_create, "credentials_create", NULL},
    {"POST", "/v1/credentials/{id}/revocation", ROLE_GOVERNANCE, credentials_revoke,
     "credentials_revoke", NULL},
    ROUTE_END,
};
