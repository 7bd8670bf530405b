/*
 * store_privileges: the grants of the daemon's role (store_privileges.h).  The audit
 * tables are named here, the rest is every table there is: a migration that adds a
 * table needs no grant of its own, and one that adds an append-only audit table adds
 * it to audit_tables.
 */
#include "store_privileges.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

/* Tables the daemon may only read and append. */
static const char *const audit_tables[] = {"audit_events"};

bool store_privileges_whoami(PGconn *conn, struct store_role *out, struct err *e)
{
	PGresult *r = db_exec(conn, e,
	                      "SELECT current_user::text, r.rolsuper::text, "
	                      "(SELECT count(*) FROM pg_class c JOIN pg_namespace n "
	                      "   ON n.oid = c.relnamespace "
	                      " WHERE n.nspname = 'public' AND c.relowner = r.oid)::text "
	                      "FROM pg_roles r WHERE r.rolname = current_user",
	                      0, NULL);
	if (r == NULL)
		return false;
	bool ok = PQntuples(r) == 1;
	if (ok) {
		snprintf(out->name, sizeof(out->name), "%s", PQgetvalue(r, 0, 0));
		out->superuser = strcmp(PQgetvalue(r, 0, 1), "true") == 0;
		out->owned = strtol(PQgetvalue(r, 0, 2), NULL, 10);
	} else {
		err_set(e, ERR_INTERNAL, "the current role is not in pg_roles");
	}
	PQclear(r);
	return ok;
}

/* Runs head || role, e.g. "GRANT ... TO " and the quoted role. */
static bool grant_exec(PGconn *conn, const char *head, const char *role, struct err *e)
{
	char sql[512];
	snprintf(sql, sizeof(sql), "%s%s", head, role);
	PGresult *r = db_exec(conn, e, sql, 0, NULL);
	if (r == NULL)
		return false;
	PQclear(r);
	return true;
}

bool store_privileges_grant(PGconn *owner, const char *role, struct err *e)
{
	char *quoted = PQescapeIdentifier(owner, role, strlen(role));
	if (quoted == NULL) {
		err_set(e, ERR_INVALID, "cannot quote the role name");
		return false;
	}
	static const char *const all[] = {
	    "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ",
	    "REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ",
	    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ",
	    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ",
	    "REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM ",
	};
	bool ok = db_begin(owner, e);
	for (size_t i = 0; ok && i < sizeof(all) / sizeof(all[0]); i++)
		ok = grant_exec(owner, all[i], quoted, e);
	for (size_t i = 0; ok && i < sizeof(audit_tables) / sizeof(audit_tables[0]); i++) {
		char head[128];
		snprintf(head, sizeof(head), "REVOKE UPDATE, DELETE ON %s FROM ", audit_tables[i]);
		ok = grant_exec(owner, head, quoted, e);
	}
	PQfreemem(quoted);
	if (ok)
		return db_commit(owner, e);
	db_rollback(owner);
	return false;
}
