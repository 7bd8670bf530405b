/*
 * odrl: a version's terms as an ODRL 2.2 Agreement (JSON-LD).  The mapping of the
 * deliberation's duties is fixed here and documented in docs/deliberation-format.md:
 * no_third_party_disclosure -> prohibition `distribute`; anonymous_publication_only
 * -> duty `anonymize` on the permission; no_reidentification has no ODRL action
 * and is carried as text (dc:description) only.
 */
#include "odrl.h"

#include <stdio.h>
#include <string.h>

#define ODRL_KSZ_UID "urn:deliberd:party:ksz"
#define ODRL_KSZ_NAME "Kruispuntbank van de Sociale Zekerheid (Crossroads Bank for Social Security)"

/* "21/128" -> "21-128", as in URLs. */
static void url_reference(const char *reference, char *out, size_t size)
{
	size_t i;

	for (i = 0; reference[i] != '\0' && i + 1 < size; i++)
		out[i] = reference[i] == '/' ? '-' : reference[i];
	out[i] = '\0';
}

void odrl_uid(const char *reference, int version, char *out, size_t size)
{
	char ref[32];

	url_reference(reference, ref, sizeof(ref));
	snprintf(out, size, "urn:deliberd:deliberation:%s:version:%d", ref, version);
}

static bool has_duty(const struct terms_deliberation *d, const char *duty)
{
	for (size_t i = 0; i < d->nduties; i++)
		if (strcmp(d->duties[i], duty) == 0)
			return true;
	return false;
}

static json_t *party(const char *uid, const char *title)
{
	return json_pack("{s:s,s:s,s:s}", "@type", "Party", "uid", uid, "dc:title", title);
}

static json_t *deadline(const char *date)
{
	return json_pack("{s:s,s:s,s:{s:s,s:s}}", "leftOperand", "dateTime", "operator", "lteq",
	                 "rightOperand", "@value", date, "@type", "xsd:date");
}

/* One party, or an array of parties when a version names several recipients. */
static json_t *assignees(const struct terms_deliberation *d, const struct terms_body *b)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < b->nrecipients; i++) {
		const struct terms_recipient *r = terms_find_recipient(d, b->recipients[i]);
		char uid[128];
		snprintf(uid, sizeof(uid), "urn:deliberd:recipient:%s", b->recipients[i]);
		if (json_array_append_new(a, party(uid, r != NULL ? r->name : b->recipients[i])) !=
		    0) {
			json_decref(a);
			return NULL;
		}
	}
	if (a != NULL && json_array_size(a) == 1) {
		json_t *one = json_incref(json_array_get(a, 0));
		json_decref(a);
		return one;
	}
	return a;
}

json_t *odrl_agreement(const struct terms_deliberation *d, const struct terms_version *v,
                       struct err *e)
{
	char uid[128], prev[128], target[128], ref[32], until[11], issued[11], from[11];
	const struct terms_body *b = &v->body;
	json_t *doc, *perm, *duties, *prohib;
	const char *desc;

	if (!v->on_record) {
		err_set(e, ERR_NOT_FOUND, "version %d of %s has no terms on record", v->number,
		        d->reference);
		return NULL;
	}
	odrl_uid(d->reference, v->number, uid, sizeof(uid));
	url_reference(d->reference, ref, sizeof(ref));
	snprintf(target, sizeof(target), "urn:deliberd:deliberation:%s:data", ref);
	terms_date_format(b->retention_until, until);
	terms_date_format(v->decided_on, issued);
	terms_date_format(v->in_force_from, from);

	duties = json_pack("[{s:s,s:[o]}]", "action", "delete", "constraint", deadline(until));
	if (duties != NULL && has_duty(d, "anonymous_publication_only"))
		json_array_append_new(duties, json_pack("{s:s}", "action", "anonymize"));
	perm = json_pack("[{s:s,s:s,s:[{s:s,s:s,s:s},o],s:o}]", "target", target, "action", "use",
	                 "constraint", "leftOperand", "purpose", "operator", "eq", "rightOperand",
	                 d->purpose != NULL ? d->purpose : "", deadline(until), "duty", duties);
	prohib = json_array();
	if (prohib != NULL && has_duty(d, "no_third_party_disclosure"))
		json_array_append_new(
		    prohib, json_pack("{s:s,s:s}", "target", target, "action", "distribute"));
	desc = has_duty(d, "no_reidentification")
	           ? "Pseudonymised data: any attempt to re-identify the persons concerned is "
	             "prohibited."
	           : "";
	doc = json_pack("{s:[s,{s:s}],s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:s,s:o,s:o}", "@context",
	                "http://www.w3.org/ns/odrl.jsonld", "dc", "http://purl.org/dc/terms/",
	                "@type", "Agreement", "uid", uid, "dc:title",
	                d->title != NULL ? d->title : "", "dc:identifier", d->reference,
	                "dc:issued", issued, "dc:valid", from, "dc:description", desc, "assigner",
	                party(ODRL_KSZ_UID, ODRL_KSZ_NAME), "assignee", assignees(d, b), "target",
	                target, "permission", perm, "prohibition", prohib);
	if (doc != NULL && v->number > 1 && terms_find_version(d, v->number - 1) != NULL) {
		odrl_uid(d->reference, v->number - 1, prev, sizeof(prev));
		if (json_object_set_new(doc, "dc:replaces", json_pack("{s:s}", "@id", prev)) != 0) {
			json_decref(doc);
			doc = NULL;
		}
	}
	if (doc == NULL)
		err_set(e, ERR_INTERNAL, "out of memory building the ODRL agreement");
	return doc;
}
