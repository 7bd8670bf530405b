/*
 * db: connections, transactions and parameterised statements over libpq.  Error
 * messages built here never contain parameter values or the server's DETAIL
 * (which echoes key values): only the SQLSTATE, the constraint and, for errors
 * raised by our own triggers, their message.
 */
#include "db.h"

#include <libpq-events.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define DB_DEFAULT_STATEMENT_TIMEOUT_MS 30000
/* Statements a connection keeps prepared (db_exec_prepared); more run unprepared. */
#define DB_PREPARED_MAX 32

/* A connection's own state (libpq instance data): which statement texts it has
 * prepared, by address (the SQL of db_exec_prepared is a string literal). */
struct db_conn_state {
	const char *prepared[DB_PREPARED_MAX];
	size_t nprepared;
};

static int db_event(PGEventId id, void *info, void *pass)
{
	(void)pass;
	if (id == PGEVT_CONNDESTROY) {
		const PGEventConnDestroy *d = info;
		free(PQinstanceData(d->conn, db_event));
	}
	return 1;
}

/* Server warnings go to our log, not raw to stderr. */
static void db_notice(void *arg, const char *message)
{
	(void)arg;
	size_t n = strlen(message);
	while (n > 0 && message[n - 1] == '\n')
		n--;
	log_warn("database: %.*s", (int)n, message);
}

/* Applies the session settings every deliberd connection relies on, whatever the
 * operator's conninfo says: UTC timestamps and a bounded statement time. */
static bool db_session_setup(PGconn *conn, const struct config *c, struct err *e)
{
	char timeout[32];
	int ms = c != NULL && c->request_timeout_ms > 0 ? c->request_timeout_ms
	                                                : DB_DEFAULT_STATEMENT_TIMEOUT_MS;

	snprintf(timeout, sizeof(timeout), "%d", ms);
	const char *params[] = {timeout};
	PGresult *r = db_exec(conn, e,
	                      "SELECT set_config('TimeZone', 'UTC', false), "
	                      "set_config('statement_timeout', $1, false), "
	                      "set_config('client_min_messages', 'warning', false)",
	                      1, params);
	if (r == NULL)
		return false;
	PQclear(r);
	return true;
}

static PGconn *db_connect_with(const struct config *c, const char *conninfo, struct err *e)
{
	/* Our defaults come first so that an explicit conninfo can still override
	 * them; dbname is expanded as a full conninfo string or URI. */
	const char *keys[] = {"application_name", "connect_timeout", "dbname", NULL};
	const char *vals[] = {"deliberd", "10", conninfo[0] != '\0' ? conninfo : NULL, NULL};
	PGconn *conn = PQconnectdbParams(keys, vals, 1);

	if (conn == NULL) {
		err_set(e, ERR_UNAVAILABLE, "cannot connect to the database: out of memory");
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		/* libpq's message names host, port and the reason; it never contains
		 * the password. Trim the trailing newline. */
		char msg[300];
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(conn));
		size_t n = strlen(msg);
		while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			msg[--n] = '\0';
		err_set(e, ERR_UNAVAILABLE, "cannot connect to the database: %s", msg);
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, db_notice, NULL);
	if (!db_session_setup(conn, c, e)) {
		PQfinish(conn);
		return NULL;
	}
	/* without it db_exec_prepared runs unprepared: slower, same answers */
	struct db_conn_state *st = calloc(1, sizeof(*st));
	if (st != NULL && !(PQregisterEventProc(conn, db_event, "deliberd", NULL) &&
	                    PQsetInstanceData(conn, db_event, st)))
		free(st);
	return conn;
}

PGconn *db_connect(const struct config *c, struct err *e)
{
	return db_connect_with(
	    c, c != NULL && c->database_conninfo != NULL ? c->database_conninfo : "", e);
}

PGconn *db_connect_owner(const struct config *c, struct err *e)
{
	if (c != NULL && c->migrate_conninfo != NULL && c->migrate_conninfo[0] != '\0')
		return db_connect_with(c, c->migrate_conninfo, e);
	return db_connect(c, e);
}

bool db_ensure(PGconn **conn, const struct config *c, struct err *e)
{
	if (*conn != NULL && PQstatus(*conn) == CONNECTION_OK)
		return true;
	if (*conn != NULL) {
		log_warn("database connection lost, reconnecting");
		PQfinish(*conn);
		*conn = NULL;
	}
	*conn = db_connect(c, e);
	return *conn != NULL;
}

void db_close(PGconn *conn)
{
	if (conn != NULL)
		PQfinish(conn);
}

/* Maps a failed result to an error kind and a value-free message. */
static void db_set_error(PGconn *conn, const PGresult *r, struct err *e)
{
	const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *constraint = r != NULL ? PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME) : NULL;
	const char *primary = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (PQstatus(conn) != CONNECTION_OK || state == NULL) {
		err_set(e, ERR_UNAVAILABLE, "the database connection was lost");
		log_warn("database connection lost");
		return;
	}
	if (constraint == NULL)
		constraint = "";
	if (strcmp(state, "23505") == 0 || strcmp(state, "23P01") == 0) {
		err_set(e, ERR_CONFLICT, "conflicts with an existing record (constraint %s)",
		        constraint);
	} else if (strcmp(state, "23503") == 0) {
		err_set(e, ERR_CONFLICT,
		        "refers to a missing record or is still referred to "
		        "(constraint %s)",
		        constraint);
	} else if (strncmp(state, "23", 2) == 0) {
		err_set(e, ERR_INVALID, "violates a database rule (constraint %s, SQLSTATE %s)",
		        constraint, state);
	} else if (strncmp(state, "22", 2) == 0) {
		/* Data exceptions quote the offending input: never pass it on. */
		err_set(e, ERR_INVALID, "a value was not accepted by the database (SQLSTATE %s)",
		        state);
	} else if (strcmp(state, "P0001") == 0 && primary != NULL) {
		/* Raised by our own triggers (immutability, append-only): their text
		 * is ours and value-free. */
		err_set(e, ERR_CONFLICT, "%s", primary);
	} else if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
	           strcmp(state, "53300") == 0) {
		err_set(e, ERR_UNAVAILABLE, "the database is unavailable (SQLSTATE %s)", state);
	} else if (strcmp(state, "57014") == 0) {
		err_set(e, ERR_UNAVAILABLE, "the database statement timed out");
	} else if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	           strcmp(state, "55P03") == 0) {
		err_set(e, ERR_CONFLICT, "a concurrent change interfered; retry (SQLSTATE %s)",
		        state);
	} else {
		err_set(e, ERR_INTERNAL, "database error (SQLSTATE %s)", state);
	}
	/* Conflicts and bad input are ordinary outcomes the caller reports; the
	 * rest deserves the operator's attention. */
	log_msg(e != NULL && (e->kind == ERR_CONFLICT || e->kind == ERR_INVALID) ? LOG_LEVEL_DEBUG
	                                                                         : LOG_LEVEL_WARN,
	        "database statement failed: SQLSTATE %s%s%s", state,
	        constraint[0] != '\0' ? " constraint " : "", constraint);
}

/* r if the statement succeeded; else NULL with e set (r cleared). */
static PGresult *db_result(PGconn *conn, PGresult *r, struct err *e)
{
	ExecStatusType st = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	db_set_error(conn, r, e);
	PQclear(r);
	return NULL;
}

PGresult *db_exec(PGconn *conn, struct err *e, const char *sql, int nparams,
                  const char *const *params)
{
	if (conn == NULL) {
		err_set(e, ERR_UNAVAILABLE, "no database connection");
		return NULL;
	}
	return db_result(conn, PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0), e);
}

PGresult *db_exec_prepared(PGconn *conn, struct err *e, const char *sql, int nparams,
                           const char *const *params)
{
	struct db_conn_state *st = conn != NULL ? PQinstanceData(conn, db_event) : NULL;
	if (st == NULL)
		return db_exec(conn, e, sql, nparams, params);
	char name[40];
	snprintf(name, sizeof(name), "deliberd_%p", (const void *)sql);
	size_t i = 0;
	while (i < st->nprepared && st->prepared[i] != sql)
		i++;
	if (i == st->nprepared) {
		if (st->nprepared == DB_PREPARED_MAX)
			return db_exec(conn, e, sql, nparams, params);
		PGresult *p = PQprepare(conn, name, sql, nparams, NULL);
		bool ok = p != NULL && PQresultStatus(p) == PGRES_COMMAND_OK;
		PQclear(p);
		if (!ok) /* the ordinary path meets the same error and reports it */
			return db_exec(conn, e, sql, nparams, params);
		st->prepared[st->nprepared++] = sql;
	}
	return db_result(conn, PQexecPrepared(conn, name, nparams, params, NULL, NULL, 0), e);
}

bool db_exec_script(PGconn *conn, const char *sql, struct err *e)
{
	if (conn == NULL) {
		err_set(e, ERR_UNAVAILABLE, "no database connection");
		return false;
	}
	PGresult *r = PQexec(conn, sql);
	ExecStatusType st = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
		PQclear(r);
		return true;
	}
	/* A migration is our own trusted text: its error message (with position)
	 * is what the author needs to fix it. */
	const char *primary = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	if (PQstatus(conn) != CONNECTION_OK || primary == NULL)
		err_set(e, ERR_UNAVAILABLE, "the database connection was lost");
	else
		err_set(e, ERR_INVALID, "%s (SQLSTATE %s)", primary, state != NULL ? state : "?");
	PQclear(r);
	return false;
}

bool db_begin(PGconn *conn, struct err *e)
{
	PGresult *r = db_exec(conn, e, "BEGIN", 0, NULL);
	if (r == NULL)
		return false;
	PQclear(r);
	return true;
}

bool db_commit(PGconn *conn, struct err *e)
{
	PGresult *r = db_exec(conn, e, "COMMIT", 0, NULL);
	if (r == NULL)
		return false;
	/* COMMIT of a transaction that already failed succeeds as "ROLLBACK". */
	bool ok = strcmp(PQcmdStatus(r), "COMMIT") == 0;
	PQclear(r);
	if (!ok)
		err_set(e, ERR_INTERNAL, "the transaction was rolled back by the database");
	return ok;
}

void db_rollback(PGconn *conn)
{
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK)
		return;
	PGresult *r = PQexec(conn, "ROLLBACK");
	PQclear(r);
}

bool db_ping(PGconn *conn, struct err *e)
{
	if (conn == NULL) {
		err_set(e, ERR_UNAVAILABLE, "the database is unreachable");
		return false;
	}
	PGresult *r = db_exec_prepared(conn, e, "SELECT 1", 0, NULL);
	if (r == NULL) {
		if (e->kind != ERR_UNAVAILABLE) {
			/* any failure of SELECT 1 means the database is not usable */
			struct err why = *e;
			err_clear(e);
			err_set(e, ERR_UNAVAILABLE, "the database does not answer: %s",
			        why.message);
		}
		return false;
	}
	PQclear(r);
	return true;
}

json_t *db_exec_json(PGconn *conn, struct err *e, const char *what, const char *sql, int nparams,
                     const char *const *params)
{
	PGresult *r = db_exec(conn, e, sql, nparams, params);
	if (r == NULL)
		return NULL;
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0)) {
		PQclear(r);
		err_set(e, ERR_NOT_FOUND, "no such %s", what);
		return NULL;
	}
	json_error_t je;
	json_t *j = json_loads(PQgetvalue(r, 0, 0), JSON_DECODE_ANY, &je);
	PQclear(r);
	if (j == NULL)
		err_set(e, ERR_INTERNAL, "the database returned JSON that does not parse");
	return j;
}
