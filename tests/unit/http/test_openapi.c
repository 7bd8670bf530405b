/*
 * test_openapi: the OpenAPI description (docs/openapi.json, compiled in and served
 * at /v1/openapi.json) cannot drift from the route table.  Every route of
 * routes_tables but the console's own files (/ui...) must be an operation of the
 * description with the same roles (x-deliberd-roles), operationId (the route's
 * name) and query parameters (the route's query list), and every operation of the
 * description must be a route.  A failure names the exact route and what to add.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <jansson.h>

#include "role.h"
#include "routes.h"
#include "ui_assets.h"

static const enum role all_roles[] = {ROLE_GOVERNANCE, ROLE_DELIVERY, ROLE_RECIPIENT, ROLE_AUDITOR,
                                      ROLE_OUTPUT_CHECKER};

static json_t *load(void)
{
	json_error_t je;
	json_t *doc = json_loadb((const char *)ui_openapi.data, ui_openapi.len, 0, &je);
	if (doc == NULL)
		fail_msg("docs/openapi.json is not JSON: line %d: %s", je.line, je.text);
	return doc;
}

static bool console_file(const struct route *r)
{
	return strcmp(r->pattern, "/ui") == 0 || strncmp(r->pattern, "/ui/", 4) == 0;
}

static void lower(const char *in, char *out, size_t n)
{
	size_t i = 0;
	for (; in[i] != '\0' && i + 1 < n; i++)
		out[i] = (char)(in[i] >= 'A' && in[i] <= 'Z' ? in[i] + 32 : in[i]);
	out[i] = '\0';
}

/* The role mask an operation's x-deliberd-roles lists; -1 if malformed. */
static long roles_of(json_t *op)
{
	json_t *list = json_object_get(op, "x-deliberd-roles");
	size_t i;
	json_t *v;
	unsigned mask = 0;
	if (!json_is_array(list))
		return -1;
	json_array_foreach(list, i, v)
	{
		enum role r;
		if (!json_is_string(v) || !role_parse(json_string_value(v), &r))
			return -1;
		mask |= (unsigned)r;
	}
	return (long)mask;
}

static void roles_text(unsigned mask, char *out, size_t n)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(all_roles) / sizeof(all_roles[0]); i++)
		if (mask & (unsigned)all_roles[i])
			len += (size_t)snprintf(out + len, n - len, "%s\"%s\"", len ? ", " : "",
			                        role_name(all_roles[i]));
}

/* Is name (len bytes) one of the comma-separated list? */
static bool listed(const char *list, const char *name, size_t n)
{
	for (const char *p = list; p != NULL && *p != '\0';) {
		const char *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return true;
		p = end != NULL ? end + 1 : NULL;
	}
	return false;
}

/* The names of the query parameters an operation documents, comma-separated. */
static void documented_query(json_t *op, char *out, size_t n)
{
	size_t i, len = 0;
	json_t *p;
	out[0] = '\0';
	json_array_foreach(json_object_get(op, "parameters"), i, p)
	{
		const char *in = json_string_value(json_object_get(p, "in"));
		const char *name = json_string_value(json_object_get(p, "name"));
		if (in != NULL && name != NULL && strcmp(in, "query") == 0 && len < n)
			len += (size_t)snprintf(out + len, n - len, "%s%s", len ? "," : "", name);
	}
}

/* The query parameters the operation documents must be those the route accepts
 * (struct route's query list, which route.c enforces); prints each difference. */
static int query_mismatch(const struct route *r, json_t *op)
{
	char doc[512];
	int bad = 0;
	documented_query(op, doc, sizeof(doc));
	const char *lists[2] = {doc, r->query}, *others[2] = {r->query, doc};
	for (int k = 0; k < 2; k++) {
		for (const char *q = lists[k]; q != NULL && *q != '\0';) {
			const char *end = strchr(q, ',');
			size_t len = end != NULL ? (size_t)(end - q) : strlen(q);
			if (!listed(others[k], q, len)) {
				printf(
				    k == 0
				        ? "docs/openapi.json: %s %s documents the query parameter "
				          "%.*s, which the route refuses: remove it\n"
				        : "docs/openapi.json: %s %s lacks the query parameter "
				          "%.*s: "
				          "add it to \"parameters\" (\"in\": \"query\")\n",
				    r->method, r->pattern, (int)len, q);
				bad++;
			}
			q = end != NULL ? end + 1 : NULL;
		}
	}
	return bad;
}

static void every_route_is_described(void **state)
{
	(void)state;
	json_t *doc = load();
	json_t *paths = json_object_get(doc, "paths");
	int missing = 0;
	assert_non_null(paths);
	for (size_t t = 0; routes_tables[t] != NULL; t++) {
		for (const struct route *r = routes_tables[t]; r->method != NULL; r++) {
			if (console_file(r))
				continue;
			char m[16], want[160];
			lower(r->method, m, sizeof(m));
			roles_text(r->roles, want, sizeof(want));
			json_t *op = json_object_get(json_object_get(paths, r->pattern), m);
			if (op == NULL) {
				printf(
				    "docs/openapi.json lacks %s %s: add paths[\"%s\"][\"%s\"] with "
				    "\"operationId\": \"%s\", \"x-deliberd-roles\": [%s]\n",
				    r->method, r->pattern, r->pattern, m, r->name, want);
				missing++;
				continue;
			}
			if (roles_of(op) != (long)r->roles) {
				printf("docs/openapi.json: %s %s: x-deliberd-roles must be [%s]\n",
				       r->method, r->pattern, want);
				missing++;
			}
			const char *opid = json_string_value(json_object_get(op, "operationId"));
			if (opid == NULL || strcmp(opid, r->name) != 0) {
				printf("docs/openapi.json: %s %s: operationId must be \"%s\"\n",
				       r->method, r->pattern, r->name);
				missing++;
			}
			missing += query_mismatch(r, op);
			if (r->roles != ROLE_PUBLIC &&
			    json_array_size(json_object_get(op, "security")) == 0) {
				printf("docs/openapi.json: %s %s needs authentication: add "
				       "\"security\"\n",
				       r->method, r->pattern);
				missing++;
			}
		}
	}
	json_decref(doc);
	assert_int_equal(missing, 0);
}

static const struct route *route_of(const char *method, const char *pattern)
{
	for (size_t t = 0; routes_tables[t] != NULL; t++)
		for (const struct route *r = routes_tables[t]; r->method != NULL; r++)
			if (strcasecmp(r->method, method) == 0 && strcmp(r->pattern, pattern) == 0)
				return r;
	return NULL;
}

static void every_operation_is_a_route(void **state)
{
	(void)state;
	json_t *doc = load();
	json_t *paths = json_object_get(doc, "paths");
	const char *path;
	json_t *item;
	int extra = 0, ops = 0;
	json_object_foreach(paths, path, item)
	{
		const char *method;
		json_t *op;
		json_object_foreach(item, method, op)
		{
			if (strcmp(method, "parameters") == 0 || strcmp(method, "summary") == 0 ||
			    strcmp(method, "description") == 0)
				continue;
			ops++;
			if (route_of(method, path) == NULL) {
				printf("docs/openapi.json describes %s %s, which no route table "
				       "serves: "
				       "remove it or add the route\n",
				       method, path);
				extra++;
			}
		}
	}
	json_decref(doc);
	assert_int_equal(extra, 0);
	assert_true(ops > 20);
}

/* The checker itself: a route the description lacks is found (so it cannot pass
 * vacuously). */
static void a_missing_route_is_found(void **state)
{
	(void)state;
	json_t *doc = load();
	json_t *paths = json_object_get(doc, "paths");
	assert_non_null(json_object_get(json_object_get(paths, "/v1/deliveries"), "get"));
	assert_null(json_object_get(json_object_get(paths, "/v1/no-such-route"), "get"));
	assert_null(route_of("GET", "/v1/no-such-route"));
	assert_non_null(route_of("get", "/v1/deliveries"));
	assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_route_is_described),
	    cmocka_unit_test(every_operation_is_a_route),
	    cmocka_unit_test(a_missing_route_is_found),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
