/*
 * store_privileges: least privilege in the database.  The schema belongs to the role
 * that runs `deliberd migrate`; the daemon connects as another role that owns nothing
 * and may only read and append the audit trail, so that the append-only triggers
 * bind it (a table's owner or a superuser can disable them).
 */
#ifndef DELIBERD_STORE_PRIVILEGES_H
#define DELIBERD_STORE_PRIVILEGES_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "err.h"

/* Who a connection is: its role name (at most 63 bytes), whether it is a superuser,
 * and how many relations of the public schema it owns. */
struct store_role {
	char name[64];
	bool superuser;
	long owned;
};

bool store_privileges_whoami(PGconn *conn, struct store_role *out, struct err *e)
    __attribute__((warn_unused_result));

/* On the owner's connection, in one transaction: revokes everything role holds on the
 * tables and sequences of the public schema, then grants SELECT and INSERT on the
 * append-only audit tables, SELECT on schema_migrations, SELECT, INSERT, UPDATE and
 * DELETE on every other table, USAGE and SELECT on the sequences.  Run after every
 * migration, so that tables added later are covered without a list to keep. */
bool store_privileges_grant(PGconn *owner, const char *role, struct err *e)
    __attribute__((warn_unused_result));

#endif
