/*
 * migrate: the schema's own bookkeeping.  The schema_migrations table is created
 * here (not by a migration) so that it exists before the first one runs; its
 * few statements live here rather than in a store_*.c because they are about
 * the schema itself.  A migration file must not contain BEGIN/COMMIT: the
 * migrator wraps each file in its own transaction with its bookkeeping row.
 */
#include "migrate.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "db.h"
#include "hex.h"
#include "log.h"

#define MIGRATE_MAX_FILES 1000
#define MIGRATE_MAX_BYTES (16 * 1024 * 1024)
#define MIGRATE_NAME_MAX 64
/* "deliberd" as a 64-bit advisory lock key: one migrator at a time. */
#define MIGRATE_LOCK_KEY "7234316937883689572"

struct migration {
	int version;
	char name[MIGRATE_NAME_MAX]; /* "0001_core", without .sql */
	char checksum[65];
	char *sql;
};

struct migration_set {
	struct migration *items;
	size_t n;
};

const char *migrate_default_dir(void)
{
	return DELIBERD_SOURCE_DIR "/migrations";
}

static void set_free(struct migration_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->items[i].sql);
	free(s->items);
	s->items = NULL;
	s->n = 0;
}

/* Parses "NNNN_name.sql"; returns the version or -1 if the name does not fit. */
static int parse_name(const char *file, char name[MIGRATE_NAME_MAX])
{
	size_t len = strlen(file);

	if (len < 10 || len - 4 >= MIGRATE_NAME_MAX || strcmp(file + len - 4, ".sql") != 0)
		return -1;
	for (size_t i = 0; i < 4; i++)
		if (file[i] < '0' || file[i] > '9')
			return -1;
	if (file[4] != '_')
		return -1;
	for (size_t i = 5; i < len - 4; i++) {
		char c = file[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return -1;
	}
	memcpy(name, file, len - 4);
	name[len - 4] = '\0';
	return (file[0] - '0') * 1000 + (file[1] - '0') * 100 + (file[2] - '0') * 10 +
	       (file[3] - '0');
}

static char *read_file(const char *dir, const char *file, size_t *len, struct err *e)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	FILE *f = fopen(path, "rb");
	struct stat st;
	if (f == NULL || fstat(fileno(f), &st) != 0) {
		err_set(e, ERR_INVALID, "cannot read migration %s: %s", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > MIGRATE_MAX_BYTES) {
		err_set(e, ERR_INVALID, "migration %s is not a regular file under 16 MiB", path);
		fclose(f);
		return NULL;
	}
	size_t size = (size_t)st.st_size;
	char *buf = malloc(size + 1);
	size_t n = buf != NULL ? fread(buf, 1, size, f) : 0;
	bool bad = buf == NULL || ferror(f) || n != size;
	fclose(f);
	if (bad) {
		err_set(e, ERR_INVALID, "cannot read migration %s", path);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (memchr(buf, '\0', n) != NULL) {
		err_set(e, ERR_INVALID, "migration %s contains a NUL byte", path);
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static int cmp_migration(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;
	return (x->version > y->version) - (x->version < y->version);
}

/* Reads the directory: every *.sql must be named NNNN_name.sql with a unique
 * number; other files (README, editor backups without .sql) are ignored. */
static bool scan_dir(const char *dir, struct migration_set *s, struct err *e)
{
	DIR *d = opendir(dir);
	if (d == NULL) {
		err_set(e, ERR_INVALID, "cannot open migrations directory %s: %s", dir,
		        strerror(errno));
		return false;
	}
	s->items = calloc(MIGRATE_MAX_FILES, sizeof(*s->items));
	s->n = 0;
	if (s->items == NULL) {
		closedir(d);
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	struct dirent *de;
	bool ok = true;
	while (ok && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 4 || strcmp(de->d_name + len - 4, ".sql") != 0)
			continue;
		struct migration *m = &s->items[s->n];
		m->version = parse_name(de->d_name, m->name);
		if (m->version < 0) {
			err_set(e, ERR_INVALID,
			        "migration file %s/%s is not named NNNN_name.sql (lower case, "
			        "digits, underscores)",
			        dir, de->d_name);
			ok = false;
			break;
		}
		if (s->n + 1 >= MIGRATE_MAX_FILES) {
			err_set(e, ERR_INVALID, "too many migrations in %s", dir);
			ok = false;
			break;
		}
		size_t n;
		m->sql = read_file(dir, de->d_name, &n, e);
		if (m->sql == NULL) {
			ok = false;
			break;
		}
		(void)hex_sha256(m->sql, n, m->checksum);
		s->n++;
	}
	closedir(d);
	if (!ok) {
		set_free(s);
		return false;
	}
	qsort(s->items, s->n, sizeof(*s->items), cmp_migration);
	for (size_t i = 1; i < s->n; i++) {
		if (s->items[i].version == s->items[i - 1].version) {
			err_set(e, ERR_INVALID, "migrations %s and %s share the number %04d",
			        s->items[i - 1].name, s->items[i].name, s->items[i].version);
			set_free(s);
			return false;
		}
	}
	return true;
}

static const struct migration *set_find(const struct migration_set *s, int version)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->items[i].version == version)
			return &s->items[i];
	return NULL;
}

static bool exec_simple(PGconn *conn, const char *sql, int n, const char *const *p, struct err *e)
{
	PGresult *r = db_exec(conn, e, sql, n, p);
	if (r == NULL)
		return false;
	PQclear(r);
	return true;
}

/* Compares what is recorded with what is shipped.  Sets *applied_mask entries
 * for versions already applied. Kind of a refusal is `refusal`. */
static bool check_recorded(PGconn *conn, const struct migration_set *s, const char *dir,
                           bool *is_applied, enum err_kind refusal, struct err *e)
{
	PGresult *r = db_exec(conn, e,
	                      "SELECT version, name, checksum FROM schema_migrations "
	                      "ORDER BY version",
	                      0, NULL);
	if (r == NULL)
		return false;
	bool ok = true;
	for (int i = 0; ok && i < PQntuples(r); i++) {
		int version = atoi(PQgetvalue(r, i, 0));
		const char *name = PQgetvalue(r, i, 1);
		const char *sum = PQgetvalue(r, i, 2);
		const struct migration *m = set_find(s, version);
		if (m == NULL) {
			err_set(e, refusal,
			        "applied migration %s is missing from %s; refusing to continue",
			        name, dir);
			ok = false;
		} else if (strcmp(m->name, name) != 0 || strcmp(m->checksum, sum) != 0) {
			err_set(e, refusal,
			        "migration %s was changed after it was applied (checksum differs "
			        "from the one recorded for %s); refusing to continue",
			        m->name, name);
			ok = false;
		} else {
			is_applied[m - s->items] = true;
		}
	}
	PQclear(r);
	return ok;
}

static bool apply_one(PGconn *conn, const struct migration *m, struct err *e)
{
	char version[16];
	snprintf(version, sizeof(version), "%d", m->version);
	const char *p[] = {version, m->name, m->checksum};

	if (!db_begin(conn, e))
		return false;
	if (!db_exec_script(conn, m->sql, e) ||
	    !exec_simple(conn,
	                 "INSERT INTO schema_migrations (version, name, checksum) "
	                 "VALUES ($1::integer, $2, $3)",
	                 3, p, e) ||
	    !db_commit(conn, e)) {
		db_rollback(conn);
		/* Name the migration that failed, keeping the database's reason. */
		char why[sizeof(e->message)];
		snprintf(why, sizeof(why), "%s", e->message);
		enum err_kind kind = e->kind;
		err_clear(e);
		err_set(e, kind, "migration %s failed and was rolled back: %s", m->name, why);
		return false;
	}
	return true;
}

bool migrate_apply(PGconn *conn, const char *dir, migrate_applied_fn on_applied, void *arg,
                   int *applied, int *total, struct err *e)
{
	struct migration_set s = {0};
	const char *lock[] = {MIGRATE_LOCK_KEY};
	bool ok = false;
	int count = 0;

	if (applied != NULL)
		*applied = 0;
	if (!scan_dir(dir, &s, e))
		return false;
	if (total != NULL)
		*total = (int)s.n;
	bool *is_applied = calloc(s.n + 1, sizeof(bool));
	if (is_applied == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		set_free(&s);
		return false;
	}
	/* Migrations and waiting for the lock may take longer than a request. */
	if (!exec_simple(conn, "SET statement_timeout = 0", 0, NULL, e) ||
	    !exec_simple(conn, "SELECT pg_advisory_lock($1::bigint)", 1, lock, e))
		goto out_free;
	if (!exec_simple(conn,
	                 "CREATE TABLE IF NOT EXISTS schema_migrations ("
	                 " version integer PRIMARY KEY,"
	                 " name text NOT NULL,"
	                 " checksum text NOT NULL,"
	                 " applied_at timestamptz NOT NULL DEFAULT now())",
	                 0, NULL, e))
		goto out_unlock;
	if (!check_recorded(conn, &s, dir, is_applied, ERR_CONFLICT, e))
		goto out_unlock;
	ok = true;
	for (size_t i = 0; ok && i < s.n; i++) {
		if (is_applied[i])
			continue;
		ok = apply_one(conn, &s.items[i], e);
		if (ok) {
			count++;
			log_info("applied migration %s", s.items[i].name);
			if (on_applied != NULL)
				on_applied(s.items[i].name, arg);
		}
	}
out_unlock:;
	struct err ignore = {0};
	PGresult *r = db_exec(conn, &ignore, "SELECT pg_advisory_unlock($1::bigint)", 1, lock);
	PQclear(r);
out_free:
	if (applied != NULL)
		*applied = count;
	free(is_applied);
	set_free(&s);
	return ok;
}

bool migrate_is_current(PGconn *conn, const char *dir, struct err *e)
{
	struct migration_set s = {0};

	if (!scan_dir(dir, &s, e))
		return false;
	bool *is_applied = calloc(s.n + 1, sizeof(bool));
	if (is_applied == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		set_free(&s);
		return false;
	}
	bool ok = false;
	PGresult *r =
	    db_exec(conn, e, "SELECT to_regclass('schema_migrations') IS NOT NULL", 0, NULL);
	if (r == NULL)
		goto out;
	bool exists = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (!exists) {
		err_set(e, ERR_UNAVAILABLE,
		        "the database has no schema yet; run `deliberd migrate` first");
		goto out;
	}
	if (!check_recorded(conn, &s, dir, is_applied, ERR_UNAVAILABLE, e))
		goto out;
	ok = true;
	for (size_t i = 0; ok && i < s.n; i++) {
		if (!is_applied[i]) {
			err_set(e, ERR_UNAVAILABLE,
			        "the schema is not current: migration %s is pending; run "
			        "`deliberd migrate` first",
			        s.items[i].name);
			ok = false;
		}
	}
out:
	free(is_applied);
	set_free(&s);
	return ok;
}
