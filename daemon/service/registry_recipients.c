/*
 * registry_recipients: the recipients of the registry (create, update, read, list) and
 * the vocabulary check that strict input asks of the registry.  Split from registry.c,
 * which keeps deliberations and their versions; both share registry_priv.h.
 */
#include "registry.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "outbox.h"
#include "registry_priv.h"
#include "store_registry.h"

#define RECIPIENT_FIELD_MAX 512
#define WEBHOOK_URL_MAX 2048
#define WEBHOOK_SECRET_MIN 16
#define WEBHOOK_SECRET_MAX 256

/* ---- recipients --------------------------------------------------------------- */

/* Text a person reads: printable, no control characters, bounded. */
static bool valid_text(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static bool valid_url(const char *u)
{
	size_t n = strlen(u);
	if (n > WEBHOOK_URL_MAX)
		return false;
	const char *rest = strncmp(u, "https://", 8) == 0  ? u + 8
	                   : strncmp(u, "http://", 7) == 0 ? u + 7
	                                                   : NULL;
	if (rest == NULL || rest[0] == '\0' || rest[0] == '/')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7f)
			return false;
	return true;
}

static bool valid_contact_webhook(const char *contact, const char *webhook_url,
                                  const char *webhook_secret, struct err *e);

/* A webhook is refused at registration where outbox would refuse to send to it, so
 * that a notice (and its signature) never travels in clear to another host. */
static bool registry_webhook_allowed(const char *url, struct err *e)
{
	struct err why = {0};
	if (outbox_url_allowed(url, &why))
		return true;
	err_set_field(e, ERR_INVALID, "webhook_url", "webhook_url: %s", why.message);
	return false;
}

bool registry_recipient_create(PGconn *db, const struct terms_recipient *r, const char *webhook_url,
                               const char *webhook_secret, const char *actor, struct err *e)
{
	if (!terms_id_valid(r->id)) {
		err_set_field(e, ERR_INVALID, "id",
		              "id must be 1 to %d lower-case letters, digits, '-', '_' or '.', "
		              "starting with a letter or digit",
		              TERMS_ID_MAX);
		return false;
	}
	if (r->name == NULL || r->name[0] == '\0' || !valid_text(r->name, RECIPIENT_FIELD_MAX)) {
		err_set_field(e, ERR_INVALID, "name",
		              "name is required: 1 to %d bytes without control characters",
		              RECIPIENT_FIELD_MAX);
		return false;
	}
	if (r->organisation != NULL && !valid_text(r->organisation, RECIPIENT_FIELD_MAX)) {
		err_set_field(e, ERR_INVALID, "organisation",
		              "organisation: at most %d bytes without control characters",
		              RECIPIENT_FIELD_MAX);
		return false;
	}
	if (!valid_contact_webhook(r->contact, webhook_url, webhook_secret, e))
		return false;
	if (!db_begin(db, e))
		return false;
	struct store_recipient cur;
	bool found = false;
	char object[96];
	snprintf(object, sizeof(object), "recipient:%s", r->id);
	bool ok = store_registry_recipient_get(db, r->id, &cur, &found, e);
	store_registry_recipient_free(&cur);
	if (ok && found) {
		err_set_field(e, ERR_CONFLICT, "id", "recipient %s is already registered", r->id);
		ok = false;
	}
	ok = ok && store_registry_recipient_insert(db, r, webhook_url, webhook_secret, actor, e) &&
	     registry_audit_event(db, actor, "recipient.add", object,
	                          json_pack("{s:s, s:s, s:s, s:b}", "id", r->id, "name", r->name,
	                                    "organisation", r->organisation ? r->organisation : "",
	                                    "webhook", webhook_url != NULL),
	                          e) &&
	     db_commit(db, e);
	if (!ok)
		db_rollback(db);
	return ok;
}

bool registry_recipient_update(PGconn *db, const char *id, const char *contact, bool set_webhook,
                               const char *webhook_url, const char *webhook_secret,
                               const char *actor, struct err *e)
{
	if (!terms_id_valid(id)) {
		err_set_field(e, ERR_NOT_FOUND, "id", "no such recipient");
		return false;
	}
	if (!set_webhook && (webhook_url != NULL || webhook_secret != NULL)) {
		err_set(e, ERR_INTERNAL, "webhook given without set_webhook");
		return false;
	}
	if (!valid_contact_webhook(contact, webhook_url, webhook_secret, e) || !db_begin(db, e))
		return false;
	char object[96];
	snprintf(object, sizeof(object), "recipient:%s", id);
	bool found = false;
	json_t *details = json_pack("{s:s}", "id", id);
	if (details != NULL && contact != NULL)
		json_object_set_new(details, "contact", json_string(contact));
	if (details != NULL && set_webhook)
		json_object_set_new(details, "webhook_url",
		                    webhook_url != NULL ? json_string(webhook_url) : json_null());
	bool ok = store_registry_recipient_update(db, id, contact, set_webhook, webhook_url,
	                                          webhook_secret, &found, e);
	if (ok && !found) {
		err_set_field(e, ERR_NOT_FOUND, "id", "no such recipient");
		ok = false;
	}
	if (ok)
		ok = registry_audit_event(db, actor, "recipient.update", object, details, e);
	else
		json_decref(details);
	ok = ok && db_commit(db, e);
	if (!ok)
		db_rollback(db);
	return ok;
}

/* The operational details of a recipient (create and update share the rules). */
static bool valid_contact_webhook(const char *contact, const char *webhook_url,
                                  const char *webhook_secret, struct err *e)
{
	if (contact != NULL && !valid_text(contact, RECIPIENT_FIELD_MAX)) {
		err_set_field(e, ERR_INVALID, "contact",
		              "contact: at most %d bytes without control characters",
		              RECIPIENT_FIELD_MAX);
		return false;
	}
	if (webhook_url != NULL && !valid_url(webhook_url)) {
		err_set_field(e, ERR_INVALID, "webhook_url",
		              "webhook_url must be an http:// or https:// URL of at most %d "
		              "bytes",
		              WEBHOOK_URL_MAX);
		return false;
	}
	/* the same rule as at sending: https, or http to a loopback address only */
	if (webhook_url != NULL && !registry_webhook_allowed(webhook_url, e))
		return false;
	if ((webhook_url == NULL) != (webhook_secret == NULL)) {
		err_set_field(e, ERR_INVALID,
		              webhook_url == NULL ? "webhook_url" : "webhook_secret",
		              "webhook_url and webhook_secret go together");
		return false;
	}
	if (webhook_secret != NULL &&
	    (strlen(webhook_secret) < WEBHOOK_SECRET_MIN ||
	     strlen(webhook_secret) > WEBHOOK_SECRET_MAX || !valid_text(webhook_secret, 256))) {
		err_set_field(e, ERR_INVALID, "webhook_secret",
		              "webhook_secret must be %d to %d printable characters",
		              WEBHOOK_SECRET_MIN, WEBHOOK_SECRET_MAX);
		return false;
	}
	return true;
}

static json_t *recipient_json(const struct store_recipient *r)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:b, s:s}", "id", r->id, "name", r->name,
	                 "organisation", r->organisation, "contact", r->contact, "webhook_url",
	                 r->webhook_url != NULL ? json_string(r->webhook_url) : json_null(),
	                 "webhook_secret_set", r->webhook_secret != NULL, "created_at",
	                 r->created_at);
}

json_t *registry_recipient_get(PGconn *db, const char *id, struct err *e)
{
	struct store_recipient r;
	bool found = false;
	if (!store_registry_recipient_get(db, id, &r, &found, e))
		return NULL;
	if (!found) {
		err_set_field(e, ERR_NOT_FOUND, "id", "no such recipient");
		return NULL;
	}
	json_t *o = recipient_json(&r);
	store_registry_recipient_free(&r);
	if (o == NULL)
		err_set(e, ERR_INTERNAL, "out of memory");
	return o;
}

json_t *registry_recipient_list(PGconn *db, const char *only, const char *after, int limit,
                                struct err *e)
{
	struct store_recipient *v = NULL;
	size_t n = 0;
	if (!store_registry_recipient_list(db, only, after, limit, &v, &n, e))
		return NULL;
	json_t *list = json_array();
	for (size_t i = 0; list != NULL && i < n; i++)
		if (json_array_append_new(list, recipient_json(&v[i])) != 0) {
			json_decref(list);
			list = NULL;
		}
	store_registry_recipients_free(v, n);
	if (list == NULL)
		err_set(e, ERR_INTERNAL, "out of memory");
	return list;
}

bool registry_value_known(PGconn *db, const char *name, const char *value, bool *known,
                          struct err *e)
{
	static const struct {
		const char *name;
		enum store_registry_vocabulary vocabulary;
	} vocabularies[] = {
	    {"recipient", STORE_REGISTRY_RECIPIENT},
	    {"group", STORE_REGISTRY_GROUP},
	    {"phase", STORE_REGISTRY_PHASE},
	    {"destination", STORE_REGISTRY_DESTINATION},
	};
	*known = true;
	for (size_t i = 0; i < sizeof(vocabularies) / sizeof(vocabularies[0]); i++)
		if (strcmp(name, vocabularies[i].name) == 0)
			return store_registry_known(db, vocabularies[i].vocabulary, value, known,
			                            e);
	return true;
}
