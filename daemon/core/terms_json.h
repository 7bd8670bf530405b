/*
 * terms_json: the deliberation model as JSON (jansson) and back.  The JSON of a
 * version is canonical once dumped with TERMS_JSON_CANONICAL (sorted keys, compact,
 * fixed members per type), so the registry can hash and compare recorded versions
 * byte for byte.  terms_json_parse accepts exactly the shape terms_json_deliberation
 * produces and applies the rules of deliberation files (docs/deliberation-format.md).
 */
#ifndef DELIBERD_TERMS_JSON_H
#define DELIBERD_TERMS_JSON_H

#include <jansson.h>

#include "err.h"
#include "terms.h"

#define TERMS_JSON_CANONICAL (JSON_SORT_KEYS | JSON_COMPACT)

/* The whole deliberation: header, recipients and every version (as below). */
json_t *terms_json_deliberation(const struct terms_deliberation *d)
    __attribute__((warn_unused_result));
/* One version's full record: reference, number, dates, summary, source_sha256,
 * terms_on_record and, when on record, "terms" (retention_until, recipients,
 * phases, groups with caps, variables with their provisional flags). */
json_t *terms_json_version(const struct terms_deliberation *d, const struct terms_version *v)
    __attribute__((warn_unused_result));
/* One variable (code, section, source, type, label, required, provisional and the
 * constraints that apply to its type). */
json_t *terms_json_variable(const struct terms_variable *v) __attribute__((warn_unused_result));
/* The constraints alone (values, pattern, min, max, min_month, not_future,
 * max_length: those that apply), for the registry's normalized rows. */
json_t *terms_json_constraints(const struct terms_variable *v) __attribute__((warn_unused_result));

/* Dumps j canonically; malloc'd (free()), NULL on failure. */
char *terms_json_canonical(const json_t *j) __attribute__((warn_unused_result));

/* Rebuilds a model from the JSON of terms_json_deliberation (a version may carry
 * its "reference"; it must match).  NULL with e set (ERR_INVALID, field path). */
struct terms_deliberation *terms_json_parse(json_t *j, struct err *e)
    __attribute__((warn_unused_result));

#endif
