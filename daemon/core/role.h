/*
 * role: who may do what.  Each credential has exactly one role; a principal is the
 * authenticated caller as the services see it.  Both faces (HTTP and the command
 * line) and the credential service share this one model, so it lives in core and
 * not in the HTTP layer.
 */
#ifndef DELIBERD_ROLE_H
#define DELIBERD_ROLE_H

#include <stdbool.h>
#include <stdint.h>

enum role {
	ROLE_GOVERNANCE = 1 << 0,
	ROLE_DELIVERY = 1 << 1,
	ROLE_RECIPIENT = 1 << 2,
	ROLE_AUDITOR = 1 << 3,
	ROLE_OUTPUT_CHECKER = 1 << 4, /* reviews outputs leaving the secure room (phase 2) */
};
#define ROLE_PUBLIC 0u /* no authentication (only /healthz) */
#define ROLE_ANY                                                                                   \
	(ROLE_GOVERNANCE | ROLE_DELIVERY | ROLE_RECIPIENT | ROLE_AUDITOR | ROLE_OUTPUT_CHECKER)

struct principal {
	int64_t credential_id;
	enum role role;
	char name[128];
	char recipient[64]; /* for ROLE_RECIPIENT, else "" */
	char actor[48];     /* "credential:<id>", for audit events */
};

/* "governance", "delivery", "recipient", "auditor", "output_checker" (case-sensitive). */
bool role_parse(const char *s, enum role *out) __attribute__((warn_unused_result));
/* The name of one role; "unknown" for anything else. */
const char *role_name(enum role r);

#endif
