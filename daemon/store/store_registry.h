/*
 * store_registry: all SQL of the deliberation registry (migrations/0002_registry.sql):
 * deliberations, their immutable versions with canonical terms JSON and normalized
 * term rows, and recipients.  Callers own transactions; nothing here audits.
 */
#ifndef DELIBERD_STORE_REGISTRY_H
#define DELIBERD_STORE_REGISTRY_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "terms.h"

/* One recorded version, as stored. */
struct store_version {
	int number;
	int32_t decided_on;    /* YYYYMMDD */
	int32_t in_force_from; /* YYYYMMDD */
	char recorded_at[40];  /* RFC 3339, UTC */
	char *recorded_by;
	char *summary;
	char *source_sha256; /* "" if not known */
	bool on_record;
	int32_t retention_until; /* YYYYMMDD, 0 when not on record */
	char *terms_json;        /* canonical JSON, byte-exact */
	char terms_sha256[65];
	/* the decision about it (0012_version_approval) */
	char state[12];    /* "proposed", "approved", "rejected" */
	char *proposed_by; /* actor */
	char *decided_by;  /* actor; NULL while proposed */
	char *decision_reference;
	bool retroactive;
	char *reason;
};

struct store_recipient {
	char *id;
	char *name;
	char *organisation;
	char *contact;
	char *webhook_url;    /* NULL: none */
	char *webhook_secret; /* NULL: none; never serve it */
	char created_at[40];
};

/* Header of a deliberation as JSON {reference, chamber, title, purpose, legal_basis,
 * duties, recorded_at, recorded_by}; ERR_NOT_FOUND if unknown.  With lock, the row is
 * locked until the end of the caller's transaction (serialises amendments). */
json_t *store_registry_deliberation_get(PGconn *db, const char *reference, bool lock, struct err *e)
    __attribute__((warn_unused_result));
bool store_registry_deliberation_insert(PGconn *db, const struct terms_deliberation *d,
                                        const char *actor, struct err *e)
    __attribute__((warn_unused_result));
/* Deliberations as a JSON array ordered by reference, each {reference, chamber, title,
 * versions, latest_version, latest_in_force_from}; with recipient non-NULL only those
 * naming it in some version. */
json_t *store_registry_deliberation_list(PGconn *db, const char *recipient, struct err *e)
    __attribute__((warn_unused_result));
/* Does any version of the deliberation name this recipient? */
bool store_registry_names_recipient(PGconn *db, const char *reference, const char *recipient,
                                    bool *named, struct err *e) __attribute__((warn_unused_result));

/* The recipients the deliberation describes, in recorded order, with their registered
 * details: [{id, name, organisation, contact}]. */
json_t *store_registry_deliberation_recipients(PGconn *db, const char *reference, struct err *e)
    __attribute__((warn_unused_result));
/* Adds a recipient (which must exist) to the deliberation's list. */
bool store_registry_link_recipient(PGconn *db, const char *reference, const char *recipient,
                                   struct err *e) __attribute__((warn_unused_result));

/* All versions of a deliberation, by number; *n = 0 if none (or unknown). */
bool store_registry_versions(PGconn *db, const char *reference, struct store_version **out,
                             size_t *n, struct err *e) __attribute__((warn_unused_result));
void store_registry_versions_free(struct store_version *v, size_t n);
/* Records one version: its row with the canonical JSON and hash, and the normalized
 * rows of its terms (when on record).  The recipients it names must exist. */
bool store_registry_version_insert(PGconn *db, const char *reference, const struct terms_version *v,
                                   const char *terms_json, const char *terms_sha256,
                                   const char *actor, struct err *e)
    __attribute__((warn_unused_result));

/* Who a version is: enough to name its immutable JSON (response cache keys). */
struct store_version_id {
	int number;
	bool on_record;
	int32_t retention_until; /* YYYYMMDD, 0 when not on record */
	char terms_sha256[65];
};
/* The version in force on date (YYYYMMDD): the one place that rule is written in SQL
 * (the latest in_force_from on or before date; ERR_NOT_FOUND, field "at", when none or
 * the reference is unknown).  It must agree with terms_version_at on the loaded
 * deliberation (e.g. count only approved versions when they do): the response cache
 * keys by its answer and only stores an answer whose version matches it. */
bool store_registry_version_at(PGconn *db, const char *reference, int32_t date,
                               struct store_version_id *out, struct err *e)
    __attribute__((warn_unused_result));
/* retention_until of the version in force on date (YYYYMMDD): *until = YYYYMMDD, or 0
 * when that version's terms are not on record; ERR_NOT_FOUND when no version was in
 * force on that date (or the reference is unknown). */
bool store_registry_retention_at(PGconn *db, const char *reference, int32_t date, int32_t *until,
                                 struct err *e) __attribute__((warn_unused_result));

/* The vocabularies that strict input checks a parameter against. */
enum store_registry_vocabulary {
	STORE_REGISTRY_RECIPIENT,   /* a registered recipient id */
	STORE_REGISTRY_GROUP,       /* a group code of some recorded version */
	STORE_REGISTRY_PHASE,       /* a phase number of some recorded version */
	STORE_REGISTRY_DESTINATION, /* a destination of some recorded version */
};
/* *known: does value occur in the vocabulary?  (A phase that is not a number is
 * simply unknown.) */
bool store_registry_known(PGconn *db, enum store_registry_vocabulary vocabulary, const char *value,
                          bool *known, struct err *e) __attribute__((warn_unused_result));

/* Recipients ordered by id, those after `after` ("" from the start), at most limit;
 * only the one with id `only` when not NULL.  Free with store_registry_recipients_free. */
bool store_registry_recipient_list(PGconn *db, const char *only, const char *after, int limit,
                                   struct store_recipient **out, size_t *n, struct err *e)
    __attribute__((warn_unused_result));
void store_registry_recipients_free(struct store_recipient *r, size_t n);

/* Records the decision row of a new version: state "proposed" or "approved" (then
 * decided_by is the proposer). */
bool store_registry_approval_insert(PGconn *db, const char *reference, int number,
                                    const char *state, const char *actor,
                                    const char *decision_reference, bool retroactive,
                                    const char *reason, struct err *e)
    __attribute__((warn_unused_result));
/* Decides a proposed version (state "approved" or "rejected"), locking it:
 * ERR_NOT_FOUND when there is no such version, ERR_CONFLICT when it is not proposed,
 * ERR_FORBIDDEN (code same_person) when actor proposed it. */
bool store_registry_approval_decide(PGconn *db, const char *reference, int number,
                                    const char *state, const char *actor, struct err *e)
    __attribute__((warn_unused_result));
/* The checks of reference dated from `from` (YYYYMMDD) on: their ids, a JSON array. */
json_t *store_registry_checks_since(PGconn *db, const char *reference, int32_t from, struct err *e);

/* *found = false when absent (not an error). */
bool store_registry_recipient_get(PGconn *db, const char *id, struct store_recipient *out,
                                  bool *found, struct err *e) __attribute__((warn_unused_result));
void store_registry_recipient_free(struct store_recipient *r);
/* Inserts; ERR_CONFLICT if the id exists.  url/secret may be NULL. */
bool store_registry_recipient_insert(PGconn *db, const struct terms_recipient *r,
                                     const char *webhook_url, const char *webhook_secret,
                                     const char *actor, struct err *e)
    __attribute__((warn_unused_result));
/* Sets contact (NULL: unchanged) and, when set_webhook, webhook_url and
 * webhook_secret (both NULL: no webhook); *found false when there is no such id. */
bool store_registry_recipient_update(PGconn *db, const char *id, const char *contact,
                                     bool set_webhook, const char *webhook_url,
                                     const char *webhook_secret, bool *found, struct err *e)
    __attribute__((warn_unused_result));

#endif
