/*
 * routes_ui: the web console (docs/console.md).  It serves the console's files
 * (ui/, compiled in: ui_assets.h) under /ui/ with a strict Content-Security-Policy,
 * the OpenAPI description at /v1/openapi.json, and the sessions that let a browser
 * use the same /v1 API as everyone else: POST /v1/session exchanges a bearer token
 * for an HttpOnly, Secure, SameSite=Strict cookie (and answers the CSRF token the
 * console sends with every write), GET /v1/session says who is signed in, DELETE
 * /v1/session logs out.  The cookie is checked in route.c's authentication through
 * routes_ui_authenticate, so every /v1 route sees the same principal and roles.
 */
#include "routes_ui.h"

#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "session.h"
#include "ui_assets.h"

/* __Host-: the browser accepts it only with Secure, Path=/ and no Domain. */
#define COOKIE_NAME "__Host-deliberd_session"
#define COOKIE_ATTRS "Path=/; Secure; HttpOnly; SameSite=Strict"

/* Scripts, styles, images and fetches from this origin only; no inline script or
 * style, no framing, no plugins, forms only to here. */
#define UI_CSP                                                                                     \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "          \
	"connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "        \
	"base-uri 'none'"

/* The value of the session cookie (copied into out), or false when absent. */
static bool session_cookie(struct evhttp_request *req, char out[SESSION_TOKEN_LEN + 1])
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Cookie");
	size_t nl = strlen(COOKIE_NAME);
	while (h != NULL && *h != '\0') {
		while (*h == ' ' || *h == ';')
			h++;
		const char *end = strchr(h, ';');
		size_t n = end != NULL ? (size_t)(end - h) : strlen(h);
		if (n > nl && strncmp(h, COOKIE_NAME, nl) == 0 && h[nl] == '=') {
			size_t vl = n - nl - 1;
			if (vl > SESSION_TOKEN_LEN)
				vl = 0; /* present but malformed: refused as such */
			memcpy(out, h + nl + 1, vl);
			out[vl] = '\0';
			return true;
		}
		h = end;
	}
	return false;
}

bool routes_ui_has_session(struct evhttp_request *req)
{
	char tok[SESSION_TOKEN_LEN + 1];
	bool has = session_cookie(req, tok);
	OPENSSL_cleanse(tok, sizeof(tok));
	return has;
}

static bool is_read(struct evhttp_request *req)
{
	enum evhttp_cmd_type c = evhttp_request_get_command(req);
	return c == EVHTTP_REQ_GET || c == EVHTTP_REQ_HEAD;
}

bool routes_ui_authenticate(struct http_ctx *ctx, struct principal *who, struct err *e)
{
	char tok[SESSION_TOKEN_LEN + 1] = "";
	struct session_info info;
	bool ok =
	    session_cookie(ctx->req, tok) && session_authenticate(ctx->db, tok, who, &info, e);
	OPENSSL_cleanse(tok, sizeof(tok));
	if (!ok) {
		if (e->kind == ERR_NONE)
			err_set(e, ERR_UNAUTHENTICATED, "the session has ended; sign in again");
		return false;
	}
	if (!is_read(ctx->req) && !session_csrf_ok(&info, http_header(ctx, "X-CSRF-Token"))) {
		memset(who, 0, sizeof(*who));
		err_set(e, ERR_FORBIDDEN,
		        "a write with the session cookie needs the session's X-CSRF-Token header");
		return false;
	}
	return true;
}

static void add_header(struct http_ctx *ctx, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(ctx->req), name, value);
}

static const char *content_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
	    {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
	    {".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
	    {".json", "application/json"},         {".png", "image/png"},
	    {".txt", "text/plain; charset=utf-8"},
	};
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

static void serve_asset(struct http_ctx *ctx, const char *name, struct err *e)
{
	for (const struct ui_asset *a = ui_assets; a->name != NULL; a++) {
		if (strcmp(a->name, name) != 0)
			continue;
		ctx->raw = evbuffer_new();
		if (ctx->raw == NULL) {
			err_set(e, ERR_INTERNAL, "out of memory");
			return;
		}
		evbuffer_add_reference(ctx->raw, a->data, a->len, NULL, NULL);
		ctx->content_type = content_type(a->name);
		add_header(ctx, "Content-Security-Policy", UI_CSP);
		add_header(ctx, "X-Frame-Options", "DENY");
		add_header(ctx, "Referrer-Policy", "no-referrer");
		add_header(ctx, "Cross-Origin-Opener-Policy", "same-origin");
		return;
	}
	err_set(e, ERR_NOT_FOUND, "no such file in the console: %s", name);
}

static void ui_index(struct http_ctx *ctx, struct err *e)
{
	serve_asset(ctx, "index.html", e);
}

static void ui_file(struct http_ctx *ctx, struct err *e)
{
	serve_asset(ctx, ctx->params[0], e);
}

static void ui_redirect(struct http_ctx *ctx, struct err *e)
{
	(void)e;
	add_header(ctx, "Location", "/ui/");
	ctx->status = 308;
	ctx->raw = evbuffer_new();
	ctx->content_type = "text/plain; charset=utf-8";
	if (ctx->raw != NULL)
		evbuffer_add_printf(ctx->raw, "see /ui/\n");
}

static void openapi_get(struct http_ctx *ctx, struct err *e)
{
	ctx->raw = evbuffer_new();
	if (ctx->raw == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return;
	}
	evbuffer_add_reference(ctx->raw, ui_openapi.data, ui_openapi.len, NULL, NULL);
	ctx->content_type = "application/json";
}

static json_t *whoami(const struct principal *who)
{
	return json_pack("{s:I,s:s,s:s,s:s?}", "credential", (json_int_t)who->credential_id, "name",
	                 who->name, "role", role_name(who->role), "recipient",
	                 who->recipient[0] != '\0' ? who->recipient : NULL);
}

/* POST /v1/session: only with a bearer token (a session cannot extend itself). */
static void session_post(struct http_ctx *ctx, struct err *e)
{
	char tok[SESSION_TOKEN_LEN + 1];
	struct session_info info;
	if (evhttp_find_header(evhttp_request_get_input_headers(ctx->req), "Authorization") ==
	    NULL) {
		err_set(e, ERR_INVALID,
		        "signing in needs the credential's token as \"Authorization: Bearer\"");
		return;
	}
	if (!session_start(ctx->db, ctx->who, ctx->config->ui_session_minutes, tok, &info, e))
		return;
	char cookie[256];
	snprintf(cookie, sizeof(cookie), COOKIE_NAME "=%s; " COOKIE_ATTRS "; Max-Age=%d", tok,
	         ctx->config->ui_session_minutes * 60);
	OPENSSL_cleanse(tok, sizeof(tok));
	add_header(ctx, "Set-Cookie", cookie);
	OPENSSL_cleanse(cookie, sizeof(cookie));
	json_t *body = whoami(ctx->who);
	json_object_set_new(body, "csrf_token", json_string(info.csrf));
	json_object_set_new(body, "expires_at", json_string(info.expires_at));
	ctx->body = body;
	ctx->status = 201;
}

/* GET /v1/session: who is calling; with the cookie also the CSRF token and the end. */
static void session_get(struct http_ctx *ctx, struct err *e)
{
	char tok[SESSION_TOKEN_LEN + 1];
	struct session_info info;
	struct principal again;
	json_t *body = whoami(ctx->who);
	bool cookie = evhttp_find_header(evhttp_request_get_input_headers(ctx->req),
	                                 "Authorization") == NULL &&
	              session_cookie(ctx->req, tok);
	if (cookie) {
		bool ok = session_authenticate(ctx->db, tok, &again, &info, e);
		OPENSSL_cleanse(tok, sizeof(tok));
		if (!ok) {
			json_decref(body);
			return;
		}
		json_object_set_new(body, "csrf_token", json_string(info.csrf));
		json_object_set_new(body, "expires_at", json_string(info.expires_at));
	}
	json_object_set_new(body, "session", json_boolean(cookie));
	ctx->body = body;
}

/* DELETE /v1/session: logout (route.c has already checked the CSRF token). */
static void session_delete(struct http_ctx *ctx, struct err *e)
{
	char tok[SESSION_TOKEN_LEN + 1];
	if (evhttp_find_header(evhttp_request_get_input_headers(ctx->req), "Authorization") !=
	        NULL ||
	    !session_cookie(ctx->req, tok)) {
		err_set(e, ERR_INVALID, "there is no session cookie to end");
		return;
	}
	bool ok = session_end(ctx->db, tok, ctx->who->actor, e);
	OPENSSL_cleanse(tok, sizeof(tok));
	if (!ok)
		return;
	add_header(ctx, "Set-Cookie", COOKIE_NAME "=; " COOKIE_ATTRS "; Max-Age=0");
	ctx->status = 204;
}

const struct route routes_ui[] = {
    {"GET", "/ui", ROLE_PUBLIC, ui_redirect, "ui", NULL},
    {"GET", "/ui/", ROLE_PUBLIC, ui_index, "ui", NULL},
    {"GET", "/ui/{file}", ROLE_PUBLIC, ui_file, "ui", NULL},
    {"GET", "/v1/openapi.json", ROLE_ANY, openapi_get, "openapi", NULL},
    {"POST", "/v1/session", ROLE_ANY, session_post, "session_create", NULL},
    {"GET", "/v1/session", ROLE_ANY, session_get, "session_get", NULL},
    {"DELETE", "/v1/session", ROLE_ANY, session_delete, "session_delete", NULL},
    ROUTE_END,
};
