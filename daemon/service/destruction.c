/*
 * destruction: reading orders, the recipient's confirmation and the signed
 * destruction certificate it produces.  The confirmation, the order's new
 * status, the certificate (document, signature, key) and their audit events
 * commit in one transaction: a crash anywhere leaves either all of them or none,
 * and the unique order_id of destruction_certificates keeps it to one.
 */
#include "destruction.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "audit.h"
#include "certs.h"
#include "clock.h"
#include "db.h"
#include "hex.h"
#include "log.h"
#include "outbox.h"
#include "retention.h"
#include "store_retention.h"

#define NAME_MAX_LEN 200
#define TEXT_MAX_LEN 2000
#define LOCATIONS_MAX 50
#define HASHES_MAX 10000
/* A confirmation may be dated a little ahead of our clock (clock skew). */
#define FUTURE_SKEW_S 300

static const char *const statuses[] = {"open", "overdue", "on_hold", "confirmed", "cancelled"};

json_t *destruction_list(PGconn *db, const struct config *c, const char *recipient_scope,
                         const char *status, const char *deliberation, int64_t after, int limit,
                         struct err *e)
{
	if (status != NULL) {
		bool known = false;
		for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
			known = known || strcmp(status, statuses[i]) == 0;
		if (!known) {
			err_set_field(
			    e, ERR_INVALID, "status",
			    "status must be open, overdue, on_hold, confirmed or cancelled");
			return NULL;
		}
	}
	if (limit <= 0 || limit > DESTRUCTION_LIST_MAX) {
		err_set_field(e, ERR_INVALID, "limit", "limit must be 1 to %d",
		              DESTRUCTION_LIST_MAX);
		return NULL;
	}
	(void)c;
	return store_retention_list(db, recipient_scope, status, deliberation, after, limit, e);
}

json_t *destruction_get(PGconn *db, const struct config *c, const char *recipient_scope, int64_t id,
                        struct err *e)
{
	(void)c;
	return store_retention_order(db, id, recipient_scope, false, e);
}

/* A bounded, non-empty string without control characters (newlines and tabs
 * allowed when multiline). */
static const char *text_field(const json_t *obj, const char *key, const char *field, size_t max,
                              bool multiline, struct err *e)
{
	json_t *v = json_object_get(obj, key);
	const char *s = json_string_value(v);
	if (s == NULL) {
		err_set_field(e, ERR_INVALID, field, "%s is required and must be a string", field);
		return NULL;
	}
	size_t n = json_string_length(v);
	if (n == 0 || n > max || strlen(s) != n) {
		err_set_field(e, ERR_INVALID, field, "%s must be 1 to %zu bytes", field, max);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch < 0x20 && !(multiline && (ch == '\n' || ch == '\t'))) || ch == 0x7f) {
			err_set_field(e, ERR_INVALID, field, "%s contains a control character",
			              field);
			return NULL;
		}
	}
	return s;
}

static bool only_keys(const json_t *obj, const char *const *keys, const char *where, struct err *e)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v)
	{
		bool known = false;
		for (size_t i = 0; keys[i] != NULL; i++)
			known = known || strcmp(k, keys[i]) == 0;
		if (!known) {
			err_set_field(e, ERR_INVALID, where, "unknown field in %s", where);
			return false;
		}
	}
	return true;
}

/* "included" flag and its locations: true needs at least one location, false
 * (nothing of the kind existed) none. */
static json_t *locations(const json_t *body, const char *flag, const char *list, bool *included,
                         struct err *e)
{
	json_t *f = json_object_get(body, flag);
	if (!json_is_boolean(f)) {
		err_set_field(e, ERR_INVALID, flag, "%s is required and must be true or false",
		              flag);
		return NULL;
	}
	*included = json_is_true(f);
	json_t *l = json_object_get(body, list);
	json_t *out = json_array();
	if (l != NULL && !json_is_array(l)) {
		err_set_field(e, ERR_INVALID, list, "%s must be an array of strings", list);
		json_decref(out);
		return NULL;
	}
	if (json_array_size(l) > LOCATIONS_MAX) {
		err_set_field(e, ERR_INVALID, list, "%s has more than %d entries", list,
		              LOCATIONS_MAX);
		json_decref(out);
		return NULL;
	}
	size_t i;
	json_t *v;
	json_array_foreach(l, i, v)
	{
		json_t *wrap = json_pack("{s:O}", "x", v);
		const char *s = text_field(wrap, "x", list, NAME_MAX_LEN * 2, false, e);
		if (s != NULL)
			json_array_append_new(out, json_string(s));
		json_decref(wrap);
		if (s == NULL) {
			json_decref(out);
			return NULL;
		}
	}
	if (*included && json_array_size(out) == 0) {
		err_set_field(e, ERR_INVALID, list, "%s must name where they were when %s is true",
		              list, flag);
		json_decref(out);
		return NULL;
	}
	if (!*included && json_array_size(out) > 0) {
		err_set_field(e, ERR_INVALID, list, "%s must be empty when %s is false", list,
		              flag);
		json_decref(out);
		return NULL;
	}
	return out;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The sha256 list, lowercased, sorted, without duplicates. */
static json_t *hash_list(const json_t *body, struct err *e)
{
	json_t *l = json_object_get(body, "sha256");
	size_t n = json_array_size(l);
	if (!json_is_array(l) || n == 0 || n > HASHES_MAX) {
		err_set_field(e, ERR_INVALID, "sha256",
		              "sha256 must list the SHA-256 of every extract destroyed (1 to %d)",
		              HASHES_MAX);
		return NULL;
	}
	char **h = calloc(n, sizeof(*h));
	if (h == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++) {
		const char *s = json_string_value(json_array_get(l, i));
		ok = s != NULL && strlen(s) == 64;
		for (size_t k = 0; ok && k < 64; k++)
			ok = isxdigit((unsigned char)s[k]);
		if (ok) {
			h[i] = strdup(s);
			ok = h[i] != NULL;
			for (size_t k = 0; ok && k < 64; k++)
				h[i][k] = (char)tolower((unsigned char)h[i][k]);
		} else {
			err_set_field(e, ERR_INVALID, "sha256",
			              "sha256 entry %zu is not 64 hexadecimal digits", i + 1);
		}
	}
	json_t *out = NULL;
	if (ok) {
		qsort(h, n, sizeof(*h), cmp_str);
		out = json_array();
		for (size_t i = 0; i < n; i++)
			if (i == 0 || strcmp(h[i], h[i - 1]) != 0)
				json_array_append_new(out, json_string(h[i]));
	}
	for (size_t i = 0; i < n; i++)
		free(h[i]);
	free(h);
	return out;
}

/* Checks the body and returns the confirmation as recorded and certified
 * (without confirmed_by and received_at, added later). */
static json_t *confirmation_parse(const json_t *body, int64_t now, int64_t *performed,
                                  struct err *e)
{
	static const char *const top[] = {
	    "performed_by",           "performed_at",     "method",
	    "backups_included",       "backup_locations", "derived_copies_included",
	    "derived_copy_locations", "sha256",           NULL};
	static const char *const by_keys[] = {"name", "function", NULL};
	static const char *const method_keys[] = {"category", "description", "tool", NULL};
	if (!json_is_object(body) || !only_keys(body, top, "confirmation", e))
		return NULL;
	json_t *by = json_object_get(body, "performed_by");
	if (!json_is_object(by)) {
		err_set_field(e, ERR_INVALID, "performed_by",
		              "performed_by must be an object {name, function}");
		return NULL;
	}
	const char *name = only_keys(by, by_keys, "performed_by", e)
	                       ? text_field(by, "name", "performed_by.name", NAME_MAX_LEN, false, e)
	                       : NULL;
	const char *function = name != NULL ? text_field(by, "function", "performed_by.function",
	                                                 NAME_MAX_LEN, false, e)
	                                    : NULL;
	if (function == NULL)
		return NULL;
	const char *at = json_string_value(json_object_get(body, "performed_at"));
	if (at == NULL || !clock_parse(at, performed)) {
		err_set_field(e, ERR_INVALID, "performed_at",
		              "performed_at must be an RFC 3339 timestamp with a zone");
		return NULL;
	}
	if (*performed > now + FUTURE_SKEW_S) {
		err_set_field(e, ERR_INVALID, "performed_at", "performed_at is in the future");
		return NULL;
	}
	json_t *m = json_object_get(body, "method");
	if (!json_is_object(m) || !only_keys(m, method_keys, "method", e)) {
		err_set_field(e, ERR_INVALID, "method",
		              "method must be an object {category, description, tool}");
		return NULL;
	}
	const char *cat = json_string_value(json_object_get(m, "category"));
	if (cat == NULL || (strcmp(cat, "clear") != 0 && strcmp(cat, "purge") != 0 &&
	                    strcmp(cat, "destroy") != 0)) {
		err_set_field(e, ERR_INVALID, "method.category",
		              "method.category must be clear, purge or destroy (NIST SP 800-88)");
		return NULL;
	}
	const char *desc =
	    text_field(m, "description", "method.description", TEXT_MAX_LEN, true, e);
	const char *tool =
	    desc != NULL ? text_field(m, "tool", "method.tool", NAME_MAX_LEN * 2, false, e) : NULL;
	if (tool == NULL)
		return NULL;
	bool backups = false, derived = false;
	json_t *bl = locations(body, "backups_included", "backup_locations", &backups, e);
	json_t *dl = bl != NULL ? locations(body, "derived_copies_included",
	                                    "derived_copy_locations", &derived, e)
	                        : NULL;
	json_t *hashes = dl != NULL ? hash_list(body, e) : NULL;
	if (hashes == NULL) {
		json_decref(bl);
		json_decref(dl);
		return NULL;
	}
	char pat[21];
	clock_format(*performed, pat);
	return json_pack("{s:{s:s,s:s},s:s,s:{s:s,s:s,s:s},s:b,s:o,s:b,s:o,s:o}", "performed_by",
	                 "name", name, "function", function, "performed_at", pat, "method",
	                 "category", cat, "description", desc, "tool", tool, "backups_included",
	                 backups, "backup_locations", bl, "derived_copies_included", derived,
	                 "derived_copy_locations", dl, "sha256", hashes);
}

static bool hash_listed(const json_t *hashes, const char *h)
{
	size_t i;
	json_t *v;
	json_array_foreach(hashes, i, v) if (strcmp(json_string_value(v), h) == 0) return true;
	return false;
}

/* Every delivery of the order must be covered and nothing else named. */
static bool coverage(const json_t *order, const json_t *hashes, int64_t performed, struct err *e)
{
	json_t *deliveries = json_object_get(order, "deliveries");
	char missing[400] = "";
	size_t nmissing = 0, len = 0;
	size_t i;
	json_t *d;
	int64_t last_shipped = 0;
	json_array_foreach(deliveries, i, d)
	{
		const char *h = json_string_value(json_object_get(d, "sha256"));
		int64_t shipped = 0;
		if (clock_parse(json_string_value(json_object_get(d, "shipped_at")), &shipped) &&
		    shipped > last_shipped)
			last_shipped = shipped;
		if (h != NULL && hash_listed(hashes, h))
			continue;
		if (nmissing++ < 3 && len < sizeof(missing))
			len += (size_t)snprintf(missing + len, sizeof(missing) - len,
			                        "%sdelivery %" JSON_INTEGER_FORMAT " (sha256 %s)",
			                        nmissing > 1 ? ", " : "",
			                        json_integer_value(json_object_get(d, "id")), h);
	}
	if (nmissing > 0) {
		err_set_field(e, ERR_INVALID, "sha256",
		              "the confirmation does not cover %zu deliveries of the order: %s%s",
		              nmissing, missing, nmissing > 3 ? ", ..." : "");
		return false;
	}
	json_array_foreach(hashes, i, d)
	{
		bool found = false;
		size_t k;
		json_t *x;
		json_array_foreach(deliveries, k, x) found =
		    found || strcmp(json_string_value(json_object_get(x, "sha256")),
		                    json_string_value(d)) == 0;
		if (!found) {
			err_set_field(e, ERR_INVALID, "sha256",
			              "sha256 %s is not the hash of a delivery of this order",
			              json_string_value(d));
			return false;
		}
	}
	if (performed < last_shipped) {
		err_set_field(e, ERR_INVALID, "performed_at",
		              "performed_at is before the last delivery of the order was shipped");
		return false;
	}
	return true;
}

static bool new_certificate_id(char out[40], struct err *e)
{
	unsigned char b[16];
	if (RAND_bytes(b, sizeof(b)) != 1) {
		err_set(e, ERR_INTERNAL, "no randomness for a certificate id");
		return false;
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	char h[33];
	hex_encode(b, 16, h);
	snprintf(out, 40, "dc-%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
	return true;
}

/* The certificate document: everything a verifier needs, nothing it cannot
 * check against the deliberation and the deliveries. */
static json_t *certificate_document(const json_t *order, const json_t *parties,
                                    const json_t *confirmation, const char *cid,
                                    const char *issued_at, const char *key_id)
{
	json_t *deliveries = json_array();
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(order, "deliveries"), i, d)
	{
		json_t *x = json_deep_copy(d);
		json_object_set(x, "terms_version", json_object_get(d, "version"));
		json_object_del(x, "version");
		json_array_append_new(deliveries, x);
	}
	json_t *delib = json_deep_copy(json_object_get(parties, "deliberation"));
	if (json_is_object(delib))
		json_object_set(delib, "version", json_object_get(order, "version"));
	/* Confirmed (received) before due_at is on time; a late one says by how many
	 * days. */
	int64_t due = 0, conf_at = 0;
	bool parsed = clock_parse(json_string_value(json_object_get(order, "due_at")), &due) &&
	              clock_parse(issued_at, &conf_at);
	bool on_time = parsed && conf_at < due;
	json_t *doc = json_pack(
	    "{s:s,s:i,s:s,s:s,s:s,s:o,s:O,s:{s:O,s:O,s:O,s:O,s:O,s:O,s:O},s:o,s:O}", "type",
	    "deliberd.destruction_certificate", "format", 1, "certificate_id", cid, "issued_at",
	    issued_at, "signing_key_id", key_id, "deliberation",
	    delib != NULL ? delib : json_null(), "recipient", json_object_get(parties, "recipient"),
	    "order", "id", json_object_get(order, "id"), "trigger",
	    json_object_get(order, "trigger"), "retention_until",
	    json_object_get(order, "retention_until"), "due_at", json_object_get(order, "due_at"),
	    "ordered_at", json_object_get(order, "ordered_at"), "note",
	    json_object_get(order, "note"), "status_before", json_object_get(order, "status"),
	    "deliveries", deliveries, "confirmation", confirmation);
	if (doc != NULL) {
		json_object_set(doc, "due_at", json_object_get(order, "due_at"));
		json_object_set_new(doc, "confirmed_at", json_string(issued_at));
		json_object_set_new(doc, "on_time", json_boolean(on_time));
		if (!on_time && parsed) {
			/* Brussels calendar days from the due date, a late day counting as one. */
			int late = clock_days_between(clock_brussels_date(due),
			                              clock_brussels_date(conf_at));
			json_object_set_new(doc, "days_late", json_integer(late > 0 ? late : 1));
		}
	}
	return doc;
}

struct certs_signer *destruction_load_signer(const struct config *c, struct err *e)
{
	if (c->signing_key == NULL || c->signing_key[0] == '\0' || c->signing_certificate == NULL ||
	    c->signing_certificate[0] == '\0') {
		err_set(e, ERR_UNAVAILABLE,
		        "no signing key is configured (signing.key, signing.certificate): "
		        "run `deliberd keygen`");
		return NULL;
	}
	struct err why = {0};
	struct certs_signer *s = certs_signer_load(c->signing_key, c->signing_certificate, &why);
	if (s == NULL)
		err_set(e, ERR_UNAVAILABLE, "the signing key cannot be loaded: %s", why.message);
	return s;
}

/* Inside the transaction: records confirmation and certificate; fills cert. */
static bool confirm_txn(PGconn *db, const struct config *c, const struct certs_signer *signer,
                        const char *recipient, const char *actor, int64_t id, json_t *conf,
                        int64_t performed, int64_t now, json_t **cert, struct err *e)
{
	(void)c;
	json_t *order = store_retention_order(db, id, recipient, true, e);
	if (order == NULL)
		return false;
	const char *status = json_string_value(json_object_get(order, "status"));
	bool ok = true;
	if (strcmp(status, "on_hold") == 0) {
		err_set_code(e, ERR_CONFLICT, "on_hold", NULL,
		             "destruction order %" PRId64 " is on hold (a legal hold suspends "
		             "destruction): do not destroy the data until the hold is released",
		             id);
		ok = false;
	} else if (strcmp(status, "open") != 0 && strcmp(status, "overdue") != 0) {
		err_set(e, ERR_CONFLICT, "destruction order %" PRId64 " is %s, not open", id,
		        status);
		ok = false;
	}
	ok = ok && coverage(order, json_object_get(conf, "sha256"), performed, e);
	char at[21], cid[40], pat[21];
	clock_format(now, at);
	clock_format(performed, pat);
	json_object_set_new(conf, "confirmed_by", json_string(actor));
	json_object_set_new(conf, "received_at", json_string(at));
	char *conf_text = ok ? json_dumps(conf, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
	const char *deliberation = json_string_value(json_object_get(order, "deliberation"));
	ok = ok && conf_text != NULL &&
	     store_retention_insert_confirmation(
	         db, id, pat,
	         json_string_value(json_object_get(json_object_get(conf, "method"), "category")),
	         conf_text, actor, e) &&
	     store_retention_set_confirmed(db, id, at, e);
	free(conf_text);
	if (ok) {
		char object[48];
		snprintf(object, sizeof(object), "destruction_order:%" PRId64, id);
		json_t *details = json_pack(
		    "{s:s,s:s,s:s,s:O,s:I}", "deliberation", deliberation, "recipient", recipient,
		    "performed_at", pat, "method", json_object_get(conf, "method"), "deliveries",
		    (json_int_t)json_array_size(json_object_get(order, "deliveries")));
		ok = details != NULL &&
		     audit_append(db, actor, "destruction.confirmed", object, details, e);
		json_decref(details);
	}
	if (ok)
		retention_failpoint("confirm.recorded");
	json_t *parties = ok ? store_retention_parties(db, deliberation, recipient, e) : NULL;
	ok = ok && parties != NULL && new_certificate_id(cid, e);
	const char *key_id = certs_signer_key_id(signer);
	json_t *doc = ok ? certificate_document(order, parties, conf, cid, at, key_id) : NULL;
	char *text = NULL;
	unsigned char *der = NULL;
	size_t der_len = 0;
	if (ok) {
		text = doc != NULL ? certs_canonical_json(doc, e) : NULL;
		if (doc == NULL)
			err_set(e, ERR_INTERNAL, "out of memory");
		ok = text != NULL && certs_sign(signer, (const unsigned char *)text, strlen(text),
		                                &der, &der_len, e);
	}
	char sha[65] = "";
	char *sighex = ok ? malloc(2 * der_len + 1) : NULL;
	if (ok && sighex != NULL) {
		unsigned char md[32];
		unsigned int mdlen = 0;
		EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL);
		hex_encode(md, 32, sha);
		hex_encode(der, der_len, sighex);
		struct store_certificate_new row = {.id = cid,
		                                    .order_id = id,
		                                    .document = text,
		                                    .document_sha256 = sha,
		                                    .signature_hex = sighex,
		                                    .key_id = key_id,
		                                    .issued_at = at};
		ok = store_retention_record_signer(db, key_id, certs_signer_cert_pem(signer), e) &&
		     store_retention_insert_certificate(db, &row, e);
		if (ok)
			retention_failpoint("certificate.stored");
	} else if (ok) {
		err_set(e, ERR_INTERNAL, "out of memory");
		ok = false;
	}
	if (ok) {
		char object[64];
		snprintf(object, sizeof(object), "destruction_certificate:%s", cid);
		json_t *details =
		    json_pack("{s:I,s:s,s:s,s:s}", "order", (json_int_t)id, "key_id", key_id,
		              "document_sha256", sha, "deliberation", deliberation);
		ok = details != NULL &&
		     audit_append(db, actor, "destruction_certificate.issued", object, details, e);
		json_decref(details);
	}
	if (ok) {
		char l1[80], l2[96];
		snprintf(l1, sizeof(l1), "/v1/certificates/%s", cid);
		snprintf(l2, sizeof(l2), "/v1/certificates/%s/signature", cid);
		*cert =
		    json_pack("{s:s,s:s,s:s,s:s,s:{s:s,s:s,s:s}}", "id", cid, "key_id", key_id,
		              "issued_at", at, "document_sha256", sha, "links", "document", l1,
		              "signature", l2, "signing_certificates", "/v1/signing-certificates");
		if (*cert != NULL)
			for (const char *const *k =
			         (const char *const[]){"due_at", "confirmed_at", "on_time",
			                               "days_late", NULL};
			     *k != NULL; k++)
				if (json_object_get(doc, *k) != NULL)
					json_object_set(*cert, *k, json_object_get(doc, *k));
		json_t *ev =
		    json_pack("{s:I,s:s,s:s,s:O}", "order_id", (json_int_t)id, "deliberation",
		              deliberation, "recipient", recipient, "certificate", *cert);
		ok = *cert != NULL && ev != NULL &&
		     outbox_enqueue(db, "recipient", recipient, "destruction.certified", ev, e) &&
		     outbox_enqueue(db, "governance", NULL, "destruction.certified", ev, e);
		json_decref(ev);
	}
	free(sighex);
	free(der);
	free(text);
	json_decref(doc);
	json_decref(parties);
	json_decref(order);
	return ok;
}

json_t *destruction_confirm(PGconn *db, const struct config *c, const char *recipient,
                            const char *actor, int64_t id, const json_t *body, int64_t now,
                            struct err *e)
{
	int64_t performed = 0;
	json_t *conf = confirmation_parse(body, now, &performed, e);
	if (conf == NULL)
		return NULL;
	struct certs_signer *signer = destruction_load_signer(c, e);
	if (signer == NULL) {
		json_decref(conf);
		return NULL;
	}
	json_t *cert = NULL;
	bool ok = db_begin(db, e);
	if (ok) {
		ok = confirm_txn(db, c, signer, recipient, actor, id, conf, performed, now, &cert,
		                 e);
		if (ok)
			ok = db_commit(db, e);
		else
			db_rollback(db);
	}
	certs_signer_free(signer);
	json_decref(conf);
	if (!ok) {
		json_decref(cert);
		return NULL;
	}
	retention_failpoint("certificate.committed");
	log_info("retention: destruction order %" PRId64 " confirmed by %s; certificate %s issued",
	         id, recipient, json_string_value(json_object_get(cert, "id")));
	json_t *order = store_retention_order(db, id, recipient, false, e);
	if (order == NULL) {
		json_decref(cert);
		return NULL;
	}
	return json_pack("{s:o,s:o}", "order", order, "certificate", cert);
}

bool destruction_certificate(PGconn *db, const char *recipient_scope, const char *id,
                             char **document, unsigned char **signature, size_t *signature_len,
                             struct err *e)
{
	if (id == NULL || strlen(id) != 39 || strncmp(id, "dc-", 3) != 0) {
		err_set(e, ERR_NOT_FOUND, "no destruction certificate with that id");
		return false;
	}
	return store_retention_certificate(db, id, recipient_scope, document, signature,
	                                   signature_len, e);
}

json_t *destruction_signers(PGconn *db, const struct config *c, struct err *e)
{
	json_t *list = store_retention_signers(db, e);
	if (list == NULL)
		return NULL;
	struct err why = {0};
	struct certs_signer *s = NULL;
	if (c->signing_key != NULL && c->signing_key[0] != '\0')
		s = certs_signer_load(c->signing_key, c->signing_certificate, &why);
	const char *current = s != NULL ? certs_signer_key_id(s) : "";
	bool listed = false;
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	{
		bool cur = strcmp(json_string_value(json_object_get(v, "key_id")), current) == 0;
		json_object_set_new(v, "current", json_boolean(cur));
		listed = listed || cur;
	}
	if (s != NULL && !listed)
		json_array_append_new(list, json_pack("{s:s,s:s,s:b,s:n}", "key_id", current,
		                                      "certificate", certs_signer_cert_pem(s),
		                                      "current", 1, "first_used_at"));
	certs_signer_free(s);
	return list;
}
