/*
 * routes_outputs: outputs leaving the secure room (phase 2,
 * docs/output-checking.md).  A recipient credential submits (POST /v1/outputs);
 * output checkers list, read and review them; after two approvals the release
 * is signed: GET /v1/outputs/{id}/release gives the released table and its
 * signature (JSON), .../release/document and .../release/signature the exact
 * bytes for `openssl cms -verify`.  Never microdata.
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "outputs.h"
#include "route.h"

#define READERS (ROLE_OUTPUT_CHECKER | ROLE_RECIPIENT | ROLE_AUDITOR | ROLE_GOVERNANCE)

static void outputs_create(struct http_ctx *ctx, struct err *e)
{
	json_t *body = http_body_json(ctx, e);
	if (body == NULL)
		return;
	ctx->body = outputs_submit(ctx->db, ctx->config, ctx->who, body, e);
	if (ctx->body != NULL)
		ctx->status = 201;
}

static void outputs_index(struct http_ctx *ctx, struct err *e)
{
	ctx->body = outputs_list(ctx->db, ctx->who, http_query(ctx, "status"),
	                         http_query(ctx, "recipient"), e);
}

static void outputs_show(struct http_ctx *ctx, struct err *e)
{
	int64_t id;
	if (http_path_id(ctx, 0, &id, e))
		ctx->body = outputs_get(ctx->db, ctx->who, id, e);
}

static void outputs_reviews(struct http_ctx *ctx, struct err *e)
{
	int64_t id;
	json_t *body;
	if (!http_path_id(ctx, 0, &id, e) || (body = http_body_json(ctx, e)) == NULL)
		return;
	ctx->body = outputs_review(ctx->db, ctx->config, ctx->who, id, body, e);
	if (ctx->body != NULL)
		ctx->status = 201;
}

enum part { RELEASE_JSON, RELEASE_DOCUMENT, RELEASE_SIGNATURE };

static void release(struct http_ctx *ctx, enum part part, struct err *e)
{
	int64_t id;
	char *doc = NULL, *key_id = NULL;
	unsigned char *sig = NULL;
	size_t len = 0;
	if (!http_path_id(ctx, 0, &id, e) ||
	    !outputs_release(ctx->db, ctx->who, id, &doc, &sig, &len, &key_id, e))
		return;
	if (part == RELEASE_JSON) {
		char *b64 = malloc(4 * ((len + 2) / 3) + 1);
		json_error_t jerr;
		json_t *table = json_loads(doc, 0, &jerr);
		if (b64 != NULL) {
			EVP_EncodeBlock((unsigned char *)b64, sig, (int)len);
			char l1[64], l2[64];
			snprintf(l1, sizeof(l1), "/v1/outputs/%lld/release/document",
			         (long long)id);
			snprintf(l2, sizeof(l2), "/v1/outputs/%lld/release/signature",
			         (long long)id);
			ctx->body = json_pack("{s:I,s:o,s:s,s:s,s:s,s:{s:s,s:s,s:s}}", "output",
			                      (json_int_t)id, "release", table, "document", doc,
			                      "signature", b64, "key_id", key_id, "links",
			                      "document", l1, "signature", l2,
			                      "signing_certificates", "/v1/signing-certificates");
		}
		if (ctx->body == NULL)
			err_set(e, ERR_INTERNAL, "out of memory");
		free(b64);
	} else {
		ctx->raw = evbuffer_new();
		const void *bytes =
		    part == RELEASE_DOCUMENT ? (const void *)doc : (const void *)sig;
		size_t n = part == RELEASE_DOCUMENT ? strlen(doc) : len;
		if (ctx->raw == NULL || evbuffer_add(ctx->raw, bytes, n) != 0)
			err_set(e, ERR_INTERNAL, "out of memory");
		ctx->content_type =
		    part == RELEASE_DOCUMENT ? "application/json" : "application/pkcs7-signature";
	}
	free(doc);
	free(sig);
	free(key_id);
}

static void release_json(struct http_ctx *ctx, struct err *e)
{
	release(ctx, RELEASE_JSON, e);
}

static void release_document(struct http_ctx *ctx, struct err *e)
{
	release(ctx, RELEASE_DOCUMENT, e);
}

static void release_signature(struct http_ctx *ctx, struct err *e)
{
	release(ctx, RELEASE_SIGNATURE, e);
}

const struct route routes_outputs[] = {
    {"POST", "/v1/outputs", ROLE_RECIPIENT, outputs_create, "outputs_create", NULL},
    {"GET", "/v1/outputs", READERS, outputs_index, "outputs_list", "status,recipient"},
    {"GET", "/v1/outputs/{id}", READERS, outputs_show, "outputs_get", NULL},
    {"POST", "/v1/outputs/{id}/reviews", ROLE_OUTPUT_CHECKER, outputs_reviews, "outputs_reviews",
     NULL},
    {"GET", "/v1/outputs/{id}/release", READERS, release_json, "outputs_release", NULL},
    {"GET", "/v1/outputs/{id}/release/document", READERS, release_document,
     "outputs_release_document", NULL},
    {"GET", "/v1/outputs/{id}/release/signature", READERS, release_signature,
     "outputs_release_signature", NULL},
    ROUTE_END,
};
