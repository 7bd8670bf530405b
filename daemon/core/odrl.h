/*
 * odrl: one version of a deliberation as a W3C ODRL 2.2 Agreement in JSON-LD, for
 * recipients' and auditors' tools that speak ODRL.  Assigner: the KSZ (Crossroads
 * Bank for Social Security); assignees: the recipients of the version's terms;
 * permission `use` constrained by purpose and by `dateTime lteq` the retention
 * deadline, with a `delete` duty by that deadline; a prohibition on `distribute`
 * when third-party disclosure is forbidden; `dc:replaces` names the previous
 * version's agreement.  Pure core: built from the model only.
 */
#ifndef DELIBERD_ODRL_H
#define DELIBERD_ODRL_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"
#include "terms.h"

/* The uid of a version's agreement: "urn:deliberd:deliberation:21-128:version:3". */
void odrl_uid(const char *reference, int version, char *out, size_t size);

/* The Agreement for version v of d.  NULL with e set: ERR_NOT_FOUND when the
 * version's terms are not on record (there is nothing to express). */
json_t *odrl_agreement(const struct terms_deliberation *d, const struct terms_version *v,
                       struct err *e) __attribute__((warn_unused_result));

#endif
