/*
 * staged: the checks on an opened staged file (staged.h).  Everything is asked of the
 * open descriptor (fstat, /proc/self/fd), never of the name again, so a file swapped
 * after the open cannot slip through.
 */
#include "staged.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool staged_refuse(struct err *e, const char *why)
{
	err_set_field(e, ERR_INVALID, "staged_file", "staged_file refused: %s", why);
	return false;
}

bool staged_acceptable(const struct config *c, int fd, struct err *e)
{
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return staged_refuse(e, "not a regular file");
	if (st.st_nlink != 1)
		return staged_refuse(e, "it has more than one link (a hard link is refused)");
	if (c->staging_uid >= 0 && st.st_uid != (uid_t)c->staging_uid)
		return staged_refuse(e, "not owned by checks.staging_uid");

	/* where the descriptor really is, against where the directory really is */
	char link[64], path[PATH_MAX + 1];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof(path) - 1);
	char *dir = realpath(c->staging_dir, NULL);
	bool inside = false;
	if (n > 0 && dir != NULL) {
		path[n] = '\0';
		size_t d = strlen(dir);
		inside = strncmp(path, dir, d) == 0 && path[d] == '/' &&
		         strchr(path + d + 1, '/') == NULL;
	}
	free(dir);
	if (!inside)
		return staged_refuse(e, "it is not inside checks.staging_dir once resolved");
	return true;
}
