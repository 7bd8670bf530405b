/*
 * terms_json: model -> JSON (fixed members, so that a dump with sorted keys is
 * canonical) and JSON -> model.  The reverse direction converts the JSON document
 * into a libconfig setting tree and hands it to terms_build, so a deliberation
 * posted as JSON obeys exactly the rules of a deliberation file.
 */
#include "terms_json.h"

#include <libconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- model -> JSON ------------------------------------------------------- */

static json_t *strv_json(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *date_json(int32_t date)
{
	char buf[11];

	terms_date_format(date, buf);
	return json_string(buf);
}

/* Whole numbers print as integers, others as reals: stable either way. */
static json_t *num_json(double v)
{
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		return json_integer((json_int_t)v);
	return json_real(v);
}

/* Sets key to val (stolen); remembers a failure in *ok. */
static void put(json_t *o, const char *key, json_t *val, bool *ok)
{
	if (val == NULL || json_object_set_new(o, key, val) != 0)
		*ok = false;
}

static void put_constraints(json_t *o, const struct terms_variable *v, bool *ok)
{
	switch (v->type) {
	case TERMS_CLASS:
	case TERMS_AMOUNT_CLASS:
	case TERMS_CODE:
		if (v->nvalues > 0)
			put(o, "values", strv_json(v->values, v->nvalues), ok);
		if (v->pattern != NULL)
			put(o, "pattern", json_string(v->pattern), ok);
		break;
	case TERMS_INT:
	case TERMS_DECIMAL:
	case TERMS_YEAR:
		if (v->has_min)
			put(o, "min", num_json(v->min), ok);
		if (v->has_max)
			put(o, "max", num_json(v->max), ok);
		break;
	case TERMS_TEXT:
		put(o, "max_length", json_integer(v->max_length != 0 ? v->max_length : 255), ok);
		break;
	default:
		break;
	}
	if (v->type == TERMS_YEAR || v->type == TERMS_YEAR_MONTH || v->type == TERMS_PERIOD) {
		if (v->min_month != 0) {
			char m[8];
			terms_month_format(v->min_month, m);
			put(o, "min_month", json_string(m), ok);
		}
		put(o, "not_future", json_boolean(v->not_future), ok);
	}
}

json_t *terms_json_constraints(const struct terms_variable *v)
{
	json_t *o = json_object();
	bool ok = o != NULL;

	if (ok)
		put_constraints(o, v, &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *terms_json_variable(const struct terms_variable *v)
{
	json_t *o = json_object();
	bool ok = o != NULL;

	if (!ok)
		return NULL;
	put(o, "code", json_string(v->code), &ok);
	put(o, "section", json_string(v->section), &ok);
	put(o, "source", json_string(v->source), &ok);
	put(o, "type", json_string(terms_type_name(v->type)), &ok);
	put(o, "label", json_string(v->label != NULL ? v->label : ""), &ok);
	put(o, "required", json_boolean(v->required), &ok);
	put(o, "provisional", json_boolean(v->provisional), &ok);
	put_constraints(o, v, &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *body_json(const struct terms_body *b, bool *ok)
{
	json_t *o = json_object(), *phases = json_array(), *groups = json_array(),
	       *vars = json_array();

	if (o == NULL || phases == NULL || groups == NULL || vars == NULL) {
		*ok = false;
		json_decref(phases);
		json_decref(groups);
		json_decref(vars);
		return o;
	}
	put(o, "retention_until", date_json(b->retention_until), ok);
	put(o, "recipients", strv_json(b->recipients, b->nrecipients), ok);
	for (size_t i = 0; i < b->nphases; i++) {
		const struct terms_phase *p = &b->phases[i];
		json_t *po = json_object();
		if (po == NULL || json_array_append_new(phases, po) != 0) {
			*ok = false;
			break;
		}
		put(po, "number", json_integer(p->number), ok);
		put(po, "description", json_string(p->description ? p->description : ""), ok);
		put(po, "destinations", strv_json(p->destinations, p->ndestinations), ok);
	}
	for (size_t i = 0; i < b->ngroups; i++) {
		const struct terms_group *g = &b->groups[i];
		json_t *go = json_object(), *caps = json_array();
		if (go == NULL || json_array_append_new(groups, go) != 0) {
			json_decref(caps);
			*ok = false;
			break;
		}
		put(go, "code", json_string(g->code), ok);
		put(go, "description", json_string(g->description ? g->description : ""), ok);
		put(go, "population", json_integer(g->population), ok);
		put(go, "caps", caps, ok);
		for (size_t k = 0; caps != NULL && k < g->ncaps; k++) {
			json_t *co = json_pack("{s:i,s:I}", "phase", g->caps[k].phase, "persons",
			                       (json_int_t)g->caps[k].persons);
			if (co == NULL || json_array_append_new(caps, co) != 0)
				*ok = false;
		}
	}
	for (size_t i = 0; i < b->nvariables; i++)
		if (json_array_append_new(vars, terms_json_variable(&b->variables[i])) != 0)
			*ok = false;
	put(o, "phases", phases, ok);
	put(o, "groups", groups, ok);
	put(o, "variables", vars, ok);
	/* only when the terms say: terms recorded before it keep their canonical form */
	if (b->output_checking.set) {
		const struct terms_output_checking *oc = &b->output_checking;
		json_t *oo = json_object();
		put(oo, "threshold", json_integer((json_int_t)oc->threshold), ok);
		put(oo, "dominance_n", json_integer((json_int_t)oc->dominance_n), ok);
		put(oo, "dominance_k", num_json(oc->dominance_k), ok);
		put(oo, "p_percent", num_json(oc->p_percent), ok);
		put(oo, "identifier_ratio", num_json(oc->identifier_ratio), ok);
		put(o, "output_checking", oo, ok);
	}
	return o;
}

json_t *terms_json_version(const struct terms_deliberation *d, const struct terms_version *v)
{
	json_t *o = json_object();
	bool ok = o != NULL;

	if (!ok)
		return NULL;
	put(o, "reference", json_string(d->reference), &ok);
	put(o, "number", json_integer(v->number), &ok);
	put(o, "decided_on", date_json(v->decided_on), &ok);
	put(o, "in_force_from", date_json(v->in_force_from), &ok);
	put(o, "summary", json_string(v->summary ? v->summary : ""), &ok);
	put(o, "source_sha256", json_string(v->source_sha256 ? v->source_sha256 : ""), &ok);
	put(o, "terms_on_record", json_boolean(v->on_record), &ok);
	if (v->on_record)
		put(o, "terms", body_json(&v->body, &ok), &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *terms_json_deliberation(const struct terms_deliberation *d)
{
	json_t *o = json_object(), *recips = json_array(), *versions = json_array();
	bool ok = o != NULL && recips != NULL && versions != NULL;

	if (!ok) {
		json_decref(o);
		json_decref(recips);
		json_decref(versions);
		return NULL;
	}
	put(o, "reference", json_string(d->reference), &ok);
	put(o, "chamber", json_string(d->chamber ? d->chamber : ""), &ok);
	put(o, "title", json_string(d->title ? d->title : ""), &ok);
	put(o, "purpose", json_string(d->purpose ? d->purpose : ""), &ok);
	put(o, "legal_basis", json_string(d->legal_basis ? d->legal_basis : ""), &ok);
	put(o, "duties", strv_json(d->duties, d->nduties), &ok);
	for (size_t i = 0; i < d->nrecipients; i++) {
		const struct terms_recipient *r = &d->recipients[i];
		json_t *ro = json_object();
		if (ro == NULL || json_array_append_new(recips, ro) != 0) {
			ok = false;
			break;
		}
		put(ro, "id", json_string(r->id), &ok);
		put(ro, "name", json_string(r->name ? r->name : ""), &ok);
		put(ro, "organisation", json_string(r->organisation ? r->organisation : ""), &ok);
		put(ro, "contact", json_string(r->contact ? r->contact : ""), &ok);
	}
	for (size_t i = 0; i < d->nversions; i++)
		if (json_array_append_new(versions, terms_json_version(d, &d->versions[i])) != 0)
			ok = false;
	put(o, "recipients", recips, &ok);
	put(o, "versions", versions, &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

char *terms_json_canonical(const json_t *j)
{
	return j != NULL ? json_dumps(j, TERMS_JSON_CANONICAL) : NULL;
}

/* ---- JSON -> model --------------------------------------------------------- */

#define MAX_DEPTH 12 /* the format nests 6 deep; anything deeper is refused */

struct conv {
	struct err *e;
	char path[200];
	size_t plen;
};

static bool conv_fail(struct conv *c, const char *msg)
{
	if (c->plen > 0)
		err_set_field(c->e, ERR_INVALID, c->path, "%s: %s", c->path, msg);
	else
		err_set(c->e, ERR_INVALID, "%s", msg);
	return false;
}

/* Is key a name libconfig accepts?  (Every key of the format is.) */
static bool key_ok(const char *k)
{
	if (!((k[0] >= 'a' && k[0] <= 'z') || (k[0] >= 'A' && k[0] <= 'Z')))
		return false;
	for (size_t i = 1; k[i] != '\0'; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
		      (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
			return false;
	return strlen(k) <= 63;
}

static bool conv_value(struct conv *c, config_setting_t *parent, const char *name, json_t *j,
                       int depth);

static bool conv_children(struct conv *c, config_setting_t *s, json_t *j, int depth)
{
	size_t old = c->plen;

	if (json_is_object(j)) {
		const char *key;
		json_t *val;
		json_object_foreach(j, key, val)
		{
			snprintf(c->path + old, sizeof(c->path) - old, "%s%s", old > 0 ? "." : "",
			         key_ok(key) ? key : "?");
			c->plen = strlen(c->path);
			if (!key_ok(key))
				return conv_fail(c, "unknown key");
			if (!conv_value(c, s, key, val, depth + 1))
				return false;
		}
	} else {
		size_t i;
		json_t *val;
		json_array_foreach(j, i, val)
		{
			snprintf(c->path + old, sizeof(c->path) - old, "[%zu]", i);
			c->plen = strlen(c->path);
			if (!conv_value(c, s, NULL, val, depth + 1))
				return false;
		}
	}
	c->plen = old;
	c->path[old] = '\0';
	return true;
}

/* Adds j under parent (as member name, or as a list element when name is NULL). */
static bool conv_value(struct conv *c, config_setting_t *parent, const char *name, json_t *j,
                       int depth)
{
	config_setting_t *s;
	int type;

	if (depth > MAX_DEPTH)
		return conv_fail(c, "nested too deeply");
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		type = CONFIG_TYPE_GROUP;
		break;
	case JSON_ARRAY:
		type = CONFIG_TYPE_LIST;
		break;
	case JSON_STRING:
		type = CONFIG_TYPE_STRING;
		if (strlen(json_string_value(j)) != json_string_length(j))
			return conv_fail(c, "contains a NUL character");
		break;
	case JSON_INTEGER:
		type = CONFIG_TYPE_INT64;
		break;
	case JSON_REAL:
		type = CONFIG_TYPE_FLOAT;
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		type = CONFIG_TYPE_BOOL;
		break;
	default:
		return conv_fail(c, "null is not allowed (leave the key out instead)");
	}
	s = config_setting_add(parent, name, type);
	if (s == NULL)
		return conv_fail(c, "cannot be stored (duplicate or invalid key)");
	switch (type) {
	case CONFIG_TYPE_GROUP:
	case CONFIG_TYPE_LIST:
		return conv_children(c, s, j, depth);
	case CONFIG_TYPE_STRING:
		return config_setting_set_string(s, json_string_value(j)) == CONFIG_TRUE ||
		       conv_fail(c, "out of memory");
	case CONFIG_TYPE_INT64:
		config_setting_set_int64(s, (long long)json_integer_value(j));
		return true;
	case CONFIG_TYPE_FLOAT:
		config_setting_set_float(s, json_real_value(j));
		return true;
	default:
		config_setting_set_bool(s, json_is_true(j));
		return true;
	}
}

struct terms_deliberation *terms_json_parse(json_t *j, struct err *e)
{
	struct terms_deliberation *d = NULL;
	struct conv c = {.e = e};
	config_setting_t *g;
	config_t cf;

	if (!json_is_object(j)) {
		err_set(e, ERR_INVALID, "a deliberation must be a JSON object");
		return NULL;
	}
	config_init(&cf);
	g = config_setting_add(config_root_setting(&cf), "deliberation", CONFIG_TYPE_GROUP);
	if (g == NULL)
		err_set(e, ERR_INTERNAL, "out of memory");
	else if (conv_children(&c, g, j, 1))
		d = terms_build(config_root_setting(&cf), NULL, e);
	config_destroy(&cf);
	return d;
}
