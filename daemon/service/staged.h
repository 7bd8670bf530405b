/*
 * staged: what a staged file must be before a check reads it.  The name was opened
 * inside checks.staging_dir with O_NOFOLLOW (checks_open_staged); this looks at what
 * was opened: a regular file with exactly one link (a hard link can make a file from
 * anywhere on the file system appear in the directory), owned by checks.staging_uid
 * when that is set, and still inside the staging directory once both are resolved.
 */
#ifndef DELIBERD_STAGED_H
#define DELIBERD_STAGED_H

#include <stdbool.h>

#include "config.h"
#include "err.h"

/* True if fd may be checked; else false with *e (ERR_INVALID, field staged_file). */
bool staged_acceptable(const struct config *c, int fd, struct err *e)
    __attribute__((warn_unused_result));

#endif
