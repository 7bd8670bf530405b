/*
 * route: one HTTP request from dispatch to response.  The route tables (routes.c)
 * are matched on method and path; the bearer token is checked against the
 * credentials, the role against the route's mask; the handler fills a body or a
 * struct err, and this file alone turns a struct err into an HTTP status and the
 * {"error":{"code","message","field"}} body.
 */
#include "route.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <inttypes.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "credential.h"
#include "db.h"
#include "hex.h"
#include "registry.h"
#include "log.h"
#include "metrics.h"
#include "routes.h"
#include "routes_ui.h"

#define TOKEN_MAX 512
#define REQUEST_ID_MAX 64
#define LOG_PATH_MAX 200

/* What a handler's http_ctx is embedded in: the parts only this file touches. */
struct request {
	struct http_ctx ctx; /* first: handlers get &request.ctx */
	struct evkeyvalq query;
	bool query_parsed;
	json_t *body_json;
	char *captures[ROUTE_MAX_PARAMS];
	/* for the answer, now or later */
	struct timespec t0;
	char rid[REQUEST_ID_MAX + 1];
	const char *method, *path;
	const struct route *rt;
	struct principal who;
	struct route_env env;
	/* a deferred answer */
	bool deferred, over;
	struct config *config; /* held while deferred */
	http_fin_fn fin;
	void *fin_arg;
};

static struct request *request_of(struct http_ctx *ctx)
{
	return (struct request *)ctx;
}

const char *http_query(struct http_ctx *ctx, const char *name)
{
	struct request *r = request_of(ctx);
	return r->query_parsed ? evhttp_find_header(&r->query, name) : NULL;
}

bool http_query_int(struct http_ctx *ctx, const char *name, int64_t min, int64_t max, int64_t def,
                    int64_t *out, struct err *e)
{
	const char *s = http_query(ctx, name);
	*out = def;
	if (s == NULL)
		return true;
	size_t n = strlen(s);
	bool neg = s[0] == '-';
	size_t digits = strspn(s + neg, "0123456789");
	long long v = 0;
	bool ok = digits > 0 && digits <= 18 && neg + digits == n;
	if (ok) {
		v = strtoll(s, NULL, 10);
		ok = v >= min && v <= max;
	}
	if (!ok) {
		err_set_field(e, ERR_INVALID, name,
		              "%s must be a whole number from %" PRId64 " to %" PRId64, name, min,
		              max);
		return false;
	}
	*out = v;
	return true;
}

bool http_path_id(struct http_ctx *ctx, size_t idx, int64_t *out, struct err *e)
{
	const char *s = idx < ctx->nparams ? ctx->params[idx] : NULL;
	size_t n = s != NULL ? strlen(s) : 0;
	bool ok = n > 0 && n <= 18 && strspn(s, "0123456789") == n;
	if (ok) {
		*out = strtoll(s, NULL, 10);
		ok = *out > 0;
	}
	if (!ok)
		err_set(e, ERR_NOT_FOUND,
		        "no such resource: the id must be a positive whole number");
	return ok;
}

struct evbuffer *http_body(struct http_ctx *ctx)
{
	return evhttp_request_get_input_buffer(ctx->req);
}

const char *http_header(struct http_ctx *ctx, const char *name)
{
	if (strcasecmp(name, "Authorization") == 0 || strcasecmp(name, "Cookie") == 0)
		return NULL;
	return evhttp_find_header(evhttp_request_get_input_headers(ctx->req), name);
}

/*
 * Strict input.  A text is refused when it holds a control character (C0, DEL, C1)
 * or is not UTF-8: such bytes have no business in an id, a date or a note, and
 * would end up in the audit trail and in logs.
 */
static bool text_clean(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t len = c < 0x80             ? 1
		             : (c & 0xe0) == 0xc0 ? 2
		             : (c & 0xf0) == 0xe0 ? 3
		             : (c & 0xf8) == 0xf0 ? 4
		                                  : 0;
		if (len == 0 || i + len > n || (len == 2 && c < 0xc2) || (len == 4 && c > 0xf4))
			return false;
		for (size_t k = 1; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		if (c < 0x20 || c == 0x7f || (c == 0xc2 && s[i + 1] < 0xa0))
			return false;
		i += len;
	}
	return true;
}

/* A name that may be repeated in a message and error.field: itself when clean and
 * short, else a fixed stand-in. */
static const char *field_name(const char *name)
{
	size_t n = strlen(name);
	return n > 0 && n <= 40 && text_clean((const unsigned char *)name, n) ? name : "query";
}

bool http_check_value(struct http_ctx *ctx, const char *name, const char *value, struct err *e)
{
	if (value == NULL || value[0] == '\0')
		return true;
	if (strcmp(name, "recipient") == 0 && ctx->who != NULL &&
	    ctx->who->role == ROLE_RECIPIENT && strcmp(value, ctx->who->recipient) != 0) {
		err_set_field(e, ERR_FORBIDDEN, name,
		              "a recipient credential may name only its own recipient");
		return false;
	}
	bool known = true;
	if (!registry_value_known(ctx->db, name, value, &known, e))
		return false;
	if (!known)
		err_set_field(e, ERR_INVALID, name, "unknown %s: no such %s is registered", name,
		              name);
	return known;
}

/* Is name one of the comma-separated names of list? */
static bool name_listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p != NULL && *p != '\0';) {
		const char *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len == n && memcmp(p, name, n) == 0)
			return true;
		p = end != NULL ? end + 1 : NULL;
	}
	return false;
}

/* One percent-encoded query component decoded ('+' a space); NULL with e set when it
 * decodes to a NUL, a control character or bytes that are not UTF-8. */
static char *query_decode(const char *raw, size_t len, const char *field, struct err *e)
{
	size_t n = 0;
	char *copy = strndup(raw, len);
	char *dec = copy != NULL ? evhttp_uridecode(copy, 1, &n) : NULL;
	free(copy);
	if (dec == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	if (strlen(dec) != n || !text_clean((const unsigned char *)dec, n)) {
		err_set_field(e, ERR_INVALID, field,
		              "query parameter %s contains a NUL, a control character or bytes "
		              "that are not UTF-8",
		              field);
		free(dec);
		return NULL;
	}
	return dec;
}

/* The raw query against the route's declaration: see struct route's query. */
static bool query_check(struct http_ctx *ctx, const struct route *rt, const char *query,
                        struct err *e)
{
	char seen[16][48];
	size_t nseen = 0;
	for (const char *p = query; p != NULL && *p != '\0';) {
		const char *end = strchr(p, '&');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t klen = eq != NULL ? (size_t)(eq - p) : len;
		const char *next = end != NULL ? end + 1 : NULL;
		if (len == 0) {
			p = next;
			continue;
		}
		char *key = query_decode(p, klen, "query", e);
		if (key == NULL)
			return false;
		const char *field = field_name(key);
		char *value =
		    eq != NULL ? query_decode(eq + 1, len - klen - 1, field, e) : strdup("");
		bool ok = value != NULL;
		if (ok && key[0] == '\0') {
			err_set_field(e, ERR_INVALID, "query", "a query parameter has no name");
			ok = false;
		} else if (ok && !name_listed(rt->query, key)) {
			err_set_field(e, ERR_INVALID, field,
			              "unknown query parameter '%s' for %s %s (accepted: %s)",
			              field, rt->method, rt->pattern,
			              rt->query != NULL && rt->query[0] != '\0' ? rt->query
			                                                        : "none");
			ok = false;
		}
		for (size_t i = 0; ok && i < nseen; i++)
			if (strcmp(seen[i], key) == 0) {
				err_set_field(e, ERR_INVALID, field,
				              "query parameter '%s' is given more than once",
				              field);
				ok = false;
			}
		if (ok && nseen < sizeof(seen) / sizeof(seen[0]))
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", key);
		ok = ok && http_check_value(ctx, key, value, e);
		free(key);
		free(value);
		if (!ok)
			return false;
		p = next;
	}
	return true;
}

/* Every string of a JSON value, keys too, free of control characters; the first
 * offender is named by its member. */
static bool json_clean(json_t *v, const char *member, struct err *e)
{
	const char *key;
	json_t *item;
	size_t i;
	switch (json_typeof(v)) {
	case JSON_STRING:
		if (text_clean((const unsigned char *)json_string_value(v), json_string_length(v)))
			return true;
		err_set_field(e, ERR_INVALID, field_name(member),
		              "%s contains a control character (or a NUL)", field_name(member));
		return false;
	case JSON_OBJECT:
		json_object_foreach(v, key, item)
		{
			if (!text_clean((const unsigned char *)key, strlen(key))) {
				err_set_field(e, ERR_INVALID, "body",
				              "a member name contains a control character");
				return false;
			}
			if (!json_clean(item, key, e))
				return false;
		}
		return true;
	case JSON_ARRAY:
		json_array_foreach(v, i, item)
		{
			if (!json_clean(item, member, e))
				return false;
		}
		return true;
	default:
		return true;
	}
}

/* Jansson's own texts quote the offending input ("near 'xyz'"): only the position and
 * a fixed description go into the message. */
static const char *json_error_text(const json_error_t *je)
{
	switch (json_error_code(je)) {
	case json_error_end_of_input_expected:
		return "unexpected text after the JSON value";
	case json_error_premature_end_of_input:
		return "unexpected end of input";
	case json_error_invalid_syntax:
		return "invalid syntax";
	case json_error_invalid_format:
		return "invalid format";
	case json_error_wrong_type:
		return "wrong type";
	case json_error_null_character:
		return "NUL character";
	case json_error_null_value:
		return "null value";
	case json_error_null_byte_in_key:
		return "NUL byte in an object key";
	case json_error_duplicate_key:
		return "duplicate object key";
	case json_error_numeric_overflow:
		return "number out of range";
	case json_error_item_not_found:
		return "item not found";
	case json_error_index_out_of_range:
		return "index out of range";
	case json_error_invalid_utf8:
		return "invalid UTF-8";
	case json_error_out_of_memory:
		return "out of memory";
	case json_error_stack_overflow:
		return "nested too deeply";
	case json_error_cannot_open_file:
	case json_error_unknown:
	default:
		return "invalid JSON";
	}
}

json_t *http_body_json(struct http_ctx *ctx, struct err *e)
{
	struct request *r = request_of(ctx);
	struct evbuffer *in = evhttp_request_get_input_buffer(ctx->req);
	size_t len = evbuffer_get_length(in);
	json_error_t je;

	if (r->body_json != NULL)
		return r->body_json;
	if (len == 0) {
		err_set(e, ERR_INVALID, "the request body is empty; a JSON object is expected");
		return NULL;
	}
	const char *data = (const char *)evbuffer_pullup(in, -1);
	/* NULs are let through the parser so that json_clean can name the member */
	json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	if (j == NULL) {
		err_set(e, ERR_INVALID,
		        "the request body is not valid JSON: %s at line %d, column %d (byte %d)",
		        json_error_text(&je), je.line, je.column, je.position);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		err_set(e, ERR_INVALID, "the request body must be a JSON object");
		return NULL;
	}
	if (!json_clean(j, "body", e)) {
		json_decref(j);
		return NULL;
	}
	r->body_json = j;
	return j;
}

static const char *method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_TRACE:
		return "TRACE";
	case EVHTTP_REQ_CONNECT:
		return "CONNECT";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	}
	return "?";
}

/* A client-supplied X-Request-Id is kept when it is short and plain; else a fresh one. */
static void request_id(struct evhttp_request *req, char out[REQUEST_ID_MAX + 1])
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "X-Request-Id");
	if (h != NULL) {
		size_t n = strlen(h);
		bool ok = n > 0 && n <= REQUEST_ID_MAX;
		for (size_t i = 0; ok && i < n; i++) {
			char c = h[i];
			ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':';
		}
		if (ok) {
			memcpy(out, h, n + 1);
			return;
		}
	}
	unsigned char raw[16];
	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		/* the id only correlates log lines: a clock-based one will do */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(raw, &ts, sizeof(raw) < sizeof(ts) ? sizeof(raw) : sizeof(ts));
	}
	hex_encode(raw, sizeof(raw), out);
}

/*
 * Matches one pattern against a raw (still percent-encoded) path, segment by segment.
 * Literal segments compare exactly; "{x}" takes one non-empty segment.  Captures are
 * only decoded by the caller once the route is chosen.
 */
static bool pattern_match(const char *pattern, const char *path, const char *seg[], size_t seglen[],
                          size_t *nseg)
{
	const char *p = pattern, *q = path;
	*nseg = 0;
	while (*p == '/' && *q == '/') {
		p++;
		q++;
		const char *pe = strchr(p, '/');
		const char *qe = strchr(q, '/');
		size_t pl = pe != NULL ? (size_t)(pe - p) : strlen(p);
		size_t ql = qe != NULL ? (size_t)(qe - q) : strlen(q);
		if (pl >= 2 && p[0] == '{' && p[pl - 1] == '}') {
			if (ql == 0 || *nseg >= ROUTE_MAX_PARAMS)
				return false;
			seg[*nseg] = q;
			seglen[*nseg] = ql;
			(*nseg)++;
		} else if (pl != ql || memcmp(p, q, pl) != 0) {
			return false;
		}
		p += pl;
		q += ql;
	}
	return *p == '\0' && *q == '\0';
}

/* Finds the route; on no match says whether the path exists for another method
 * (405, listing them in allow) or not at all (404). */
static const struct route *route_find(const char *method, const char *path, const char *seg[],
                                      size_t seglen[], size_t *nseg, char *allow, size_t allowlen)
{
	allow[0] = '\0';
	for (size_t t = 0; routes_tables[t] != NULL; t++) {
		for (const struct route *r = routes_tables[t]; r->method != NULL; r++) {
			if (!pattern_match(r->pattern, path, seg, seglen, nseg))
				continue;
			if (strcmp(r->method, method) == 0)
				return r;
			if (strstr(allow, r->method) == NULL) {
				size_t n = strlen(allow);
				snprintf(allow + n, allowlen - n, "%s%s", n > 0 ? ", " : "",
				         r->method);
			}
		}
	}
	return NULL;
}

/* "Bearer <token>": the token, or NULL when the header is absent or malformed. */
static bool bearer_token(struct evhttp_request *req, char out[TOKEN_MAX + 1])
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return false;
	h += 7;
	while (*h == ' ')
		h++;
	size_t n = strlen(h);
	while (n > 0 && h[n - 1] == ' ')
		n--;
	if (n == 0 || n > TOKEN_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (h[i] <= 0x20 || h[i] >= 0x7f)
			return false;
	memcpy(out, h, n);
	out[n] = '\0';
	return true;
}

static const char *reason_phrase(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 413:
		return "Payload Too Large";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	}
	return status < 300 ? "OK" : "Error";
}

/* Does If-None-Match name etag (or "*")?  A comma-separated list; weak comparison, as
 * RFC 9110 13.1.2 says for If-None-Match. */
static bool etag_matches(struct evhttp_request *req, const char *etag)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match");
	size_t n = strlen(etag);
	while (h != NULL && *h != '\0') {
		h += strspn(h, " \t,");
		if (*h == '*')
			return true;
		if (strncmp(h, "W/", 2) == 0)
			h += 2;
		if (strncmp(h, etag, n) == 0 &&
		    (h[n] == '\0' || h[n] == ',' || h[n] == ' ' || h[n] == '\t'))
			return true;
		h = strchr(h, ',');
	}
	return false;
}

/* The one place a struct err becomes an HTTP answer: the status and the JSON body.
 * (405 has no error kind of its own; it is the only status decided here.) */
static int error_body(const struct err *e, bool method_not_allowed, struct evbuffer *out)
{
	const char *code = method_not_allowed ? "method_not_allowed" : err_code_of(e);
	json_t *inner = json_pack("{s:s,s:s}", "code", code, "message",
	                          e->message[0] != '\0' ? e->message : err_code(e->kind));
	if (inner != NULL && e->field[0] != '\0')
		json_object_set_new(inner, "field", json_string(e->field));
	json_t *body = json_pack("{s:o*}", "error", inner);
	char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	if (text != NULL) {
		evbuffer_add_printf(out, "%s\n", text);
		free(text);
	} else {
		evbuffer_add_printf(out, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}\n", code,
		                    code);
	}
	json_decref(body);
	return method_not_allowed ? 405 : err_http_status(e->kind);
}

/* Authenticates the bearer token: false with e set (401, or 503 when the database is
 * down) otherwise. */
static bool route_authenticate(struct http_ctx *ctx, const struct route_env *env,
                               struct principal *who, struct err *e)
{
	struct err dbe = {0};
	if (!db_ensure(env->db, env->config, &dbe)) {
		metrics_count_db_error();
		log_warn("database unavailable: %s", dbe.message);
		err_set(e, ERR_UNAVAILABLE, "the database is unavailable");
		return false;
	}
	ctx->db = *env->db;
	/* The caller's buffer, wiped after use: no copy of a token outlives the request. */
	char token[TOKEN_MAX + 1];
	bool has_token = bearer_token(ctx->req, token);
	if (!has_token && routes_ui_has_session(ctx->req))
		return routes_ui_authenticate(ctx, who, e); /* the console's cookie, CSRF */
	if (!has_token) {
		evhttp_add_header(evhttp_request_get_output_headers(ctx->req), "WWW-Authenticate",
		                  "Bearer realm=\"deliberd\"");
		err_set(e, ERR_UNAUTHENTICATED,
		        "an \"Authorization: Bearer <token>\" header is required");
		return false;
	}
	memset(who, 0, sizeof(*who));
	bool ok = credential_authenticate(ctx->db, token, who, e);
	explicit_bzero(token, sizeof(token));
	if (!ok) {
		if (e->kind == ERR_UNAUTHENTICATED)
			evhttp_add_header(evhttp_request_get_output_headers(ctx->req),
			                  "WWW-Authenticate",
			                  "Bearer realm=\"deliberd\", error=\"invalid_token\"");
		else if (e->kind == ERR_NONE)
			err_set(e, ERR_UNAUTHENTICATED, "invalid or revoked token");
		return false;
	}
	return true;
}

/*
 * Runs everything between "the request is read" and "the handler returned", in this
 * order: the public routes (GET /healthz), authentication (so that nothing about the
 * routes leaks to an unauthenticated client), route match (404, 405), role (403),
 * path and query decoding (400), handler.
 */
static const struct route *route_run(struct request *r, const struct route_env *env,
                                     const char *method, const char *path, struct principal *who,
                                     struct err *e)
{
	struct http_ctx *ctx = &r->ctx;
	const char *seg[ROUTE_MAX_PARAMS];
	size_t seglen[ROUTE_MAX_PARAMS], nseg = 0;
	char allow[64];

	const struct route *rt = route_find(method, path, seg, seglen, &nseg, allow, sizeof(allow));
	bool public = rt != NULL && rt->roles == ROLE_PUBLIC;
	if (public) {
		/* the handler gets a live connection or NULL */
		struct err dbe = {0};
		if (!db_ensure(env->db, env->config, &dbe))
			metrics_count_db_error();
		ctx->db = *env->db;
	} else {
		if (!route_authenticate(ctx, env, who, e))
			return rt;
		log_debug("authenticated %s (%s)", who->actor, role_name(who->role));
	}
	if (rt == NULL) {
		if (allow[0] != '\0') {
			evhttp_add_header(evhttp_request_get_output_headers(ctx->req), "Allow",
			                  allow);
			err_set(e, ERR_INVALID, "method %s is not allowed on %s (allowed: %s)",
			        method, path, allow);
			ctx->status = 405;
		} else {
			err_set(e, ERR_NOT_FOUND, "no such resource: %s", path);
		}
		return NULL;
	}
	if (!public) {
		if ((rt->roles & (unsigned)who->role) == 0) {
			err_set(e, ERR_FORBIDDEN, "the %s role may not use %s %s",
			        role_name(who->role), method, rt->pattern);
			return rt;
		}
		ctx->who = who;
	}
	for (size_t i = 0; i < nseg; i++) {
		size_t n = 0;
		char *raw = strndup(seg[i], seglen[i]);
		char *dec = raw != NULL ? evhttp_uridecode(raw, 0, &n) : NULL;
		free(raw);
		if (dec == NULL || strlen(dec) != n) {
			free(dec);
			err_set(e, ERR_INVALID, "malformed path segment %zu", i + 1);
			return rt;
		}
		r->captures[i] = dec;
		ctx->params[i] = dec;
	}
	ctx->nparams = nseg;

	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(ctx->req));
	r->query.tqh_first = NULL;
	r->query.tqh_last = &r->query.tqh_first;
	r->query_parsed = true;
	if (query != NULL && evhttp_parse_query_str(query, &r->query) != 0) {
		err_set_field(e, ERR_INVALID, "query", "malformed query string");
		return rt;
	}
	if (!query_check(ctx, rt, query, e))
		return rt;
	rt->fn(ctx, e);
	return rt;
}

/* Sends the answer (status and body from ctx, or e), logs and counts it. */
static void route_answer(struct request *r, const struct err *err)
{
	struct timespec t1;
	struct evhttp_request *req = r->ctx.req;
	struct err e = *err;
	struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evbuffer_new();
	int status;
	if (e.kind != ERR_NONE) {
		status = error_body(&e, r->ctx.status == 405, out);
		evhttp_add_header(oh, "Content-Type", "application/json");
		if (status >= 500)
			log_msg(status == 500 ? LOG_LEVEL_ERROR : LOG_LEVEL_WARN, "%d: %s", status,
			        e.message);
	} else if (r->ctx.raw != NULL) {
		status = r->ctx.status;
		if (status == 200 && r->ctx.etag[0] != '\0' && etag_matches(req, r->ctx.etag)) {
			status = 304; /* no body */
		} else {
			evbuffer_add_buffer(out, r->ctx.raw);
			evhttp_add_header(oh, "Content-Type",
			                  r->ctx.content_type != NULL ? r->ctx.content_type
			                                              : "application/octet-stream");
		}
	} else {
		status = r->ctx.status;
		if (status != 204) {
			char *text = json_dumps(r->ctx.body != NULL ? r->ctx.body : json_object(),
			                        JSON_COMPACT);
			if (text == NULL) {
				struct err oom = {0};
				err_set(&oom, ERR_INTERNAL, "could not encode the response");
				status = error_body(&oom, false, out);
			} else {
				evbuffer_add_printf(out, "%s\n", text);
				free(text);
			}
			evhttp_add_header(oh, "Content-Type", "application/json");
		}
	}
	evhttp_add_header(oh, "X-Request-Id", r->rid);
	if (e.kind == ERR_NONE && (status == 200 || status == 304) && r->ctx.etag[0] != '\0') {
		/* immutable, but per credential: a client may keep it and must revalidate
		 * (authentication and authorisation run on every request) */
		evhttp_add_header(oh, "ETag", r->ctx.etag);
		evhttp_add_header(oh, "Cache-Control", "private, no-cache");
	} else {
		evhttp_add_header(oh, "Cache-Control", "no-store");
	}
	evhttp_add_header(oh, "X-Content-Type-Options", "nosniff");
	if (r->env.closing)
		evhttp_add_header(oh, "Connection", "close");
	size_t bytes = evbuffer_get_length(out);
	evhttp_send_reply(req, status, reason_phrase(status), out);
	evbuffer_free(out);

	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs =
	    (double)(t1.tv_sec - r->t0.tv_sec) + (double)(t1.tv_nsec - r->t0.tv_nsec) / 1e9;
	const char *rname = r->rt != NULL && r->rt->name != NULL ? r->rt->name : "-";
	char logpath[LOG_PATH_MAX + 1];
	snprintf(logpath, sizeof(logpath), "%s", r->path);
	log_access(r->method, rname, logpath, status, secs * 1000.0, bytes);
	metrics_observe_request(rname, status, secs);
}

static void request_free(struct request *r)
{
	if (r->ctx.body != NULL && r->ctx.body != r->body_json)
		json_decref(r->ctx.body);
	json_decref(r->body_json);
	if (r->ctx.raw != NULL)
		evbuffer_free(r->ctx.raw);
	for (size_t i = 0; i < ROUTE_MAX_PARAMS; i++)
		free(r->captures[i]);
	if (r->query_parsed)
		evhttp_clear_headers(&r->query);
	config_unref(r->config);
	memset(&r->who, 0, sizeof(r->who));
	free(r);
}

int route_dispatch(struct evhttp_request *req, const struct route_env *env)
{
	struct err e = {0};
	struct request *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		evhttp_send_error(req, 503, "Service Unavailable");
		return 503;
	}
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	request_id(req, r->rid);
	log_set_request_id(r->rid);
	r->ctx.req = req;
	r->ctx.config = env->config;
	r->ctx.status = 200;
	r->ctx.checks = env->checks;
	r->ctx.cache = env->cache;
	r->env = *env;

	r->method = method_name(evhttp_request_get_command(req));
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	r->path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (r->path == NULL || r->path[0] != '/')
		r->path = "/";

	r->rt = route_run(r, env, r->method, r->path, &r->who, &e);
	int status = 0;
	if (r->deferred && e.kind == ERR_NONE) {
		env->hold(env->conn, &r->ctx);
	} else {
		if (r->deferred && r->fin != NULL)
			r->fin(r->fin_arg); /* an error after all: answered now */
		route_answer(r, &e);
		status = e.kind != ERR_NONE ? err_http_status(e.kind) : r->ctx.status;
		request_free(r);
	}
	log_set_request_id("");
	return status;
}

void route_print_table(FILE *out)
{
	for (size_t t = 0; routes_tables[t] != NULL; t++) {
		for (const struct route *r = routes_tables[t]; r->method != NULL; r++) {
			char rl[128] = "";
			/* every role bit, so that a role added to role.h shows up here */
			for (unsigned bit = 1; bit != 0 && bit <= r->roles; bit <<= 1)
				if ((r->roles & bit) != 0) {
					size_t n = strlen(rl);
					snprintf(rl + n, sizeof(rl) - n, "%s%s", n > 0 ? "," : "",
					         role_name((enum role)bit));
				}
			fprintf(out, "%s\t%s\t%s\t%s\t%s\n", r->method, r->pattern,
			        r->name != NULL ? r->name : "-", rl[0] != '\0' ? rl : "public",
			        r->query != NULL && r->query[0] != '\0' ? r->query : "-");
		}
	}
}

bool http_defer(struct http_ctx *ctx, http_fin_fn fin, void *arg)
{
	struct request *r = request_of(ctx);
	if (r->env.hold == NULL || r->env.alive == NULL || r->env.sending == NULL ||
	    r->env.conn == NULL)
		return false;
	r->deferred = true;
	r->fin = fin;
	r->fin_arg = arg;
	r->config = config_ref((struct config *)ctx->config);
	ctx->db = NULL; /* the worker's connection is the worker's again */
	return true;
}

void http_resume(struct http_ctx *ctx, const struct err *e)
{
	struct request *r = request_of(ctx);
	struct route_env env = r->env;
	if (r->over)
		return;
	r->over = true;
	log_set_request_id(r->rid);
	if (r->fin != NULL)
		r->fin(r->fin_arg);
	if (!env.alive(env.conn)) {
		/* evhttp let go of the connection: its request is gone, route_gone follows */
		log_set_request_id("");
		return;
	}
	env.hold(env.conn, NULL);
	env.sending(env.conn, true);
	route_answer(r, e);
	env.sending(env.conn, false);
	request_free(r);
	log_set_request_id("");
}

void route_gone(struct http_ctx *ctx)
{
	struct request *r = request_of(ctx);
	if (!r->over && r->fin != NULL)
		r->fin(r->fin_arg);
	request_free(r);
}

struct event_base *http_base(struct http_ctx *ctx)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(ctx->req);
	return evcon != NULL ? evhttp_connection_get_base(evcon) : NULL;
}

void http_set_header(struct http_ctx *ctx, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(ctx->req), name, value);
}
