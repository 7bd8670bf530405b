/*
 * db: the one place that talks to libpq for connection handling and transactions.
 * Every statement is parameterised (db_exec with $1..$n); the store_*.c modules
 * hold the SQL, grouped by table family.
 */
#ifndef DELIBERD_DB_H
#define DELIBERD_DB_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "config.h"
#include "err.h"

/* Connects with the config's conninfo (or PG* variables), UTC session time zone
 * and a statement timeout; ERR_UNAVAILABLE on failure. */
PGconn *db_connect(const struct config *c, struct err *e) __attribute__((warn_unused_result));
/* Connects as the schema's owner: database.migrate_conninfo, or conninfo when that
 * is empty (deliberd migrate). */
PGconn *db_connect_owner(const struct config *c, struct err *e) __attribute__((warn_unused_result));
/* Reconnects a broken connection in place; false if the server is still unreachable. */
bool db_ensure(PGconn **conn, const struct config *c, struct err *e);
void db_close(PGconn *conn);

bool db_begin(PGconn *conn, struct err *e) __attribute__((warn_unused_result));
bool db_commit(PGconn *conn, struct err *e) __attribute__((warn_unused_result));
void db_rollback(PGconn *conn);

/* Runs a parameterised statement (text parameters, NULL = SQL NULL).  Returns the
 * result on success (caller PQclear()s); NULL with *e set on failure, mapping
 * unique violations to ERR_CONFLICT and connection loss to ERR_UNAVAILABLE. */
PGresult *db_exec(PGconn *conn, struct err *e, const char *sql, int nparams,
                  const char *const *params) __attribute__((warn_unused_result));

/* db_exec for the few read statements on every request's path (credential, version
 * in force, ping): the statement is prepared once per connection, so PostgreSQL does
 * not parse and plan it again for each request.  sql must be a string literal (it is
 * known by its address).  Outside a failed transaction the same results and errors as
 * db_exec. */
PGresult *db_exec_prepared(PGconn *conn, struct err *e, const char *sql, int nparams,
                           const char *const *params) __attribute__((warn_unused_result));

/* Runs a whole SQL script (several statements, no parameters) with the simple
 * query protocol.  Only for migration files, which are trusted text shipped with
 * deliberd; everything else goes through db_exec. */
/* db_exec for a statement answering one row whose first column is JSON (built by
 * json_build_object in the SQL): the parsed value, or NULL with ERR_NOT_FOUND ("no such
 * WHAT") when there is no row or it is NULL, ERR_INTERNAL when it does not parse. */
json_t *db_exec_json(PGconn *conn, struct err *e, const char *what, const char *sql, int nparams,
                     const char *const *params) __attribute__((warn_unused_result));

bool db_exec_script(PGconn *conn, const char *sql, struct err *e)
    __attribute__((warn_unused_result));

/* Does the server answer a trivial query on this connection?  False with *e set
 * (ERR_UNAVAILABLE) otherwise. */
bool db_ping(PGconn *conn, struct err *e) __attribute__((warn_unused_result));

#endif
