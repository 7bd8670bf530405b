/*
 * migrate: applies migrations/NNNN_name.sql in order, each in its own
 * transaction, recorded with its SHA-256 in schema_migrations.  An applied
 * migration that was later changed or removed is refused; concurrent migrators
 * are serialised with a session advisory lock.
 */
#ifndef DELIBERD_MIGRATE_H
#define DELIBERD_MIGRATE_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "err.h"

/* Called after each migration commits, with its name ("0001_core"). */
typedef void (*migrate_applied_fn)(const char *name, void *arg);

/* Applies every pending migration of dir.  *applied and *total (may be NULL)
 * receive how many were applied now and how many the directory holds.  Refusals
 * (changed or missing applied migration, bad file name) are ERR_CONFLICT or
 * ERR_INVALID and name the migration. Leaves statement_timeout off on conn. */
bool migrate_apply(PGconn *conn, const char *dir, migrate_applied_fn on_applied, void *arg,
                   int *applied, int *total, struct err *e) __attribute__((warn_unused_result));

/* True when every migration of dir is applied, unchanged, and none is missing;
 * otherwise false with *e naming the first difference (ERR_UNAVAILABLE). */
bool migrate_is_current(PGconn *conn, const char *dir, struct err *e)
    __attribute__((warn_unused_result));

/* The migrations directory shipped with the sources (DELIBERD_SOURCE_DIR). */
const char *migrate_default_dir(void);

#endif
