/*
 * routes_certificates: destruction certificates and the keys that signed them.
 * GET /v1/certificates/{id} serves the exact signed JSON bytes and
 * /signature the detached CMS signature (DER), so that a verifier can save
 * both and run openssl cms -verify with no deliberd in between.  A recipient
 * reads only its own certificates (404 for the others).
 */
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "destruction.h"
#include "route.h"

static const char *scope(const struct http_ctx *ctx)
{
	return ctx->who != NULL && ctx->who->role == ROLE_RECIPIENT ? ctx->who->recipient : NULL;
}

/* The bytes are immutable once signed: built once, then served from the cache. */
static void certificate_get(struct http_ctx *ctx, struct err *e)
{
	cache_certificate(ctx, scope(ctx), ctx->params[0], false, e);
}

static void certificate_signature(struct http_ctx *ctx, struct err *e)
{
	cache_certificate(ctx, scope(ctx), ctx->params[0], true, e);
}

/* JSON by default; ?format=pem gives the certificates as one PEM file (usable
 * as -CAfile), each preceded by a "key_id:" comment line that openssl skips. */
static void signing_certificates(struct http_ctx *ctx, struct err *e)
{
	const char *format = http_query(ctx, "format");
	if (format != NULL && strcmp(format, "pem") != 0 && strcmp(format, "json") != 0) {
		err_set_field(e, ERR_INVALID, "format", "format must be json or pem");
		return;
	}
	json_t *list = destruction_signers(ctx->db, ctx->config, e);
	if (list == NULL)
		return;
	if (format == NULL || strcmp(format, "json") == 0) {
		ctx->body = json_pack("{s:o}", "signing_certificates", list);
		return;
	}
	ctx->raw = evbuffer_new();
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	{
		if (ctx->raw == NULL)
			break;
		evbuffer_add_printf(
		    ctx->raw, "key_id: %s%s\n", json_string_value(json_object_get(v, "key_id")),
		    json_is_true(json_object_get(v, "current")) ? " (current)" : "");
		evbuffer_add_printf(ctx->raw, "%s",
		                    json_string_value(json_object_get(v, "certificate")));
	}
	ctx->content_type = "application/x-pem-file";
	json_decref(list);
}

const struct route routes_certificates[] = {
    {"GET", "/v1/certificates/{id}", ROLE_GOVERNANCE | ROLE_RECIPIENT | ROLE_AUDITOR,
     certificate_get, "certificates_get", NULL},
    {"GET", "/v1/certificates/{id}/signature", ROLE_GOVERNANCE | ROLE_RECIPIENT | ROLE_AUDITOR,
     certificate_signature, "certificates_signature", NULL},
    {"GET", "/v1/signing-certificates", ROLE_ANY, signing_certificates, "signing_certificates",
     "format"},
    ROUTE_END,
};
