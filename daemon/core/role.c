/* role: the one table of role names (parsed from credentials, printed in logs and answers). */
#include "role.h"

#include <string.h>

static const struct {
	enum role role;
	const char *name;
} roles[] = {
    {ROLE_GOVERNANCE, "governance"},         {ROLE_DELIVERY, "delivery"},
    {ROLE_RECIPIENT, "recipient"},           {ROLE_AUDITOR, "auditor"},
    {ROLE_OUTPUT_CHECKER, "output_checker"},
};

bool role_parse(const char *s, enum role *out)
{
	for (size_t i = 0; s != NULL && i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (strcmp(s, roles[i].name) == 0) {
			*out = roles[i].role;
			return true;
		}
	}
	return false;
}

const char *role_name(enum role r)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (roles[i].role == r)
			return roles[i].name;
	return "unknown";
}
