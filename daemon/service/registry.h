/*
 * registry: deliberations, their versions (original and amendments) and recipients,
 * as recorded in PostgreSQL.  Versions are immutable once recorded; a change of
 * terms is a new version.  Every change writes its audit event in its transaction.
 */
#ifndef DELIBERD_REGISTRY_H
#define DELIBERD_REGISTRY_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "terms.h"

/* Rebuilds the whole deliberation (all versions, terms of those on record) from
 * the registry; ERR_NOT_FOUND if the reference ("21/128") is unknown. */
struct terms_deliberation *registry_load(PGconn *db, const char *reference, struct err *e)
    __attribute__((warn_unused_result));

/* "21/128" or its URL form "21-128" into "21/128"; ERR_INVALID (field "reference")
 * for anything else. */
bool registry_reference_parse(const char *text, char out[32], struct err *e)
    __attribute__((warn_unused_result));
/* "21/128" -> "21-128" (for URLs). */
void registry_reference_url(const char *reference, char out[32]);

enum registry_mode {
	REGISTRY_IMPORT, /* any: new deliberation, new versions, or nothing new */
	REGISTRY_CREATE, /* the deliberation must not exist yet (ERR_CONFLICT) */
	REGISTRY_AMEND,  /* it must exist and exactly one version must be new */
};

struct registry_result {
	bool changed;            /* something was recorded (false: "unchanged") */
	bool created;            /* the deliberation was new */
	int first_new, last_new; /* numbers of the versions recorded now; 0 if none */
	int recipients_added;
	/* recipients the model describes that are registered with other details: the
	 * registered details are kept (comma-separated "id (field, field)"), "" if none */
	char kept_recipients[256];
};

/* Records what the model adds to the registry, in one transaction with its audit
 * events.  Recorded versions are compared field by field with the model's: any
 * difference refuses the whole model (ERR_CONFLICT naming version and fields).  The
 * same model twice changes nothing and writes no event.  New versions must continue
 * the numbering with a later in_force_from.  Recipients the model describes are
 * created if absent.  actor: "cli:<user>" or "credential:<id>". */
bool registry_record(PGconn *db, const struct terms_deliberation *d, enum registry_mode mode,
                     const char *actor, struct registry_result *out, struct err *e)
    __attribute__((warn_unused_result));

/* The particulars of a proposal that are not terms (contract "Authority"). */
struct registry_proposal {
	const char *decision_reference; /* the committee's decision */
	bool retroactive;               /* an amendment in force before today */
	const char *reason;             /* why, for a retroactive one */
};
/* registry_record with those particulars (prop may be NULL).  Versions recorded by a
 * "credential:" actor are `proposed` and count nowhere until a different governance
 * credential approves them (registry_decide); a "cli:" actor (an operator import
 * without --as) records them `approved`.  A credential's amendment of a registered
 * deliberation in force before today needs prop->retroactive and a reason. */
bool registry_propose(PGconn *db, const struct terms_deliberation *d, enum registry_mode mode,
                      const char *actor, const struct registry_proposal *prop,
                      struct registry_result *out, struct err *e)
    __attribute__((warn_unused_result));

/* Approves (or rejects) version number of reference, or with number 0 every proposed
 * version, as actor, in one transaction with the audit events
 * deliberation.version_approve / _reject.  The proposer: ERR_FORBIDDEN, code
 * same_person; not proposed: ERR_CONFLICT.  Answers {reference, versions: [{version,
 * state, proposed_by, decided_by, decision_reference, retroactive,
 * affected_deliveries (approved retroactive ones: the ids of checks dated from its
 * in_force_from)}]}. */
json_t *registry_decide(PGconn *db, const char *reference, int number, bool approve,
                        const char *actor, struct err *e);

/* Records one amendment given as the JSON of one version (terms_json_version's
 * shape, "reference" optional): its number must be the next (ERR_CONFLICT if taken),
 * its in_force_from after the previous version's; the recipients it names must be
 * registered.  The deliberation's rules apply as for a file. */
bool registry_amend_json(PGconn *db, const char *reference, const json_t *version,
                         const char *actor, struct registry_result *out, struct err *e)
    __attribute__((warn_unused_result));

/* JSON views.  All return a new reference or NULL with e set. */
/* [{reference, chamber, title, versions, latest_version, latest_in_force_from}];
 * recipient non-NULL: only deliberations naming it in some version. */
json_t *registry_list(PGconn *db, const char *recipient, struct err *e);
/* Header plus the version list (as registry_versions). */
json_t *registry_get(PGconn *db, const char *reference, struct err *e);
/* [{version, decided_on, in_force_from, recorded_at, recorded_by, summary,
 * source_sha256, terms_on_record, retention_until, terms_sha256}] by number. */
json_t *registry_versions(PGconn *db, const char *reference, struct err *e);
/* The terms in force on date: {reference, at, in_force (true), version, number
 * (= version), decided_on, in_force_from, terms_on_record, retention_until, deadline
 * (= retention_until), retention_ended, summary, recipients, groups, phases,
 * variables, terms_sha256}; ERR_NOT_FOUND "no version of R was in force on D" with
 * field "at" when none (field "reference" when the deliberation is unknown). */
json_t *registry_terms(PGconn *db, const char *reference, int32_t date, struct err *e);
/* The identity of the version in force on date, without loading it: the key under
 * which its terms and ODRL JSON (immutable once recorded) can be kept, and what the
 * date changes in the terms answer.  Errors as registry_terms. */
struct registry_version_id {
	int number;
	char terms_sha256[65];
	bool retention_ended; /* as registry_terms says for this date */
};
bool registry_version_at(PGconn *db, const char *reference, int32_t date,
                         struct registry_version_id *out, struct err *e)
    __attribute__((warn_unused_result));
/* Did registry_terms/registry_odrl fail only because no version was in force on
 * the date (the deliberation is known)? */
bool registry_err_not_in_force(const struct err *e);
/* The ODRL policy of the version in force on date. */
json_t *registry_odrl(PGconn *db, const char *reference, int32_t date, struct err *e);
/* May this recipient see the deliberation (named by some version)? */
bool registry_names_recipient(PGconn *db, const char *reference, const char *recipient, bool *named,
                              struct err *e) __attribute__((warn_unused_result));

/* Recipients.  The webhook secret is stored but never returned. */
bool registry_recipient_create(PGconn *db, const struct terms_recipient *r, const char *webhook_url,
                               const char *webhook_secret, const char *actor, struct err *e)
    __attribute__((warn_unused_result));
/* Changes a recipient's operational details, audited as recipient.update (the
 * secret never in the event): contact NULL = unchanged; when set_webhook,
 * webhook_url and webhook_secret go together (both NULL: no webhook).  The same
 * rules as registry_recipient_create; ERR_NOT_FOUND for an unknown id. */
bool registry_recipient_update(PGconn *db, const char *id, const char *contact, bool set_webhook,
                               const char *webhook_url, const char *webhook_secret,
                               const char *actor, struct err *e)
    __attribute__((warn_unused_result));
/* {id, name, organisation, contact, webhook_url, webhook_secret_set, created_at}. */
json_t *registry_recipient_get(PGconn *db, const char *id, struct err *e);
/* Recipients ordered by id as a JSON array of registry_recipient_get objects: those
 * after `after` (NULL: from the start), at most limit; only `only` when not NULL. */
json_t *registry_recipient_list(PGconn *db, const char *only, const char *after, int limit,
                                struct err *e);

/* Strict input: *known tells whether value is a known value of the vocabulary that
 * the parameter name stands for: "recipient" (registered), "group", "phase",
 * "destination" (in some recorded version).  Any other name: always known. */
bool registry_value_known(PGconn *db, const char *name, const char *value, bool *known,
                          struct err *e) __attribute__((warn_unused_result));

#endif
