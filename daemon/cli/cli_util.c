/*
 * cli_util: helpers shared by the command-line faces (see cli_util.h).
 */
#include "cli_util.h"

#include <pwd.h>
#include <stdio.h>
#include <unistd.h>

void cli_util_actor(char *out, size_t size)
{
	const struct passwd *pw = getpwuid(geteuid());
	char user[64];

	if (pw != NULL && pw->pw_name != NULL)
		snprintf(user, sizeof(user), "%s", pw->pw_name);
	else
		snprintf(user, sizeof(user), "uid%u", (unsigned)geteuid());
	/* The trail is read in terminals and logs: no control or non-ASCII bytes. */
	for (char *p = user; *p != '\0'; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
			*p = '?';
	snprintf(out, size, "cli:%s", user);
}
