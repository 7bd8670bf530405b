/*
 * config: reads deliberd.conf with libconfig into an immutable, reference-counted
 * struct config.  The keys are a table (section, name, kind, bounds, field offset):
 * anything not in it is an error naming file and line, and so is a wrong type or a
 * value out of range.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libconfig.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgnum.h"

#ifndef DELIBERD_SOURCE_DIR
#define DELIBERD_SOURCE_DIR "."
#endif

#define CONFIG_FILE_MAX (1024 * 1024) /* a config file is small; refuse anything huge */
#define REMINDER_DAYS_MAX 16

/* The public struct plus its reference count, which callers never see. */
struct config_box {
	atomic_int refs;
	struct config c;
};

enum key_kind {
	K_STRING, /* char *, any text */
	K_PATH,   /* char *, resolved against the file's directory; "" stays "" */
	K_INT,    /* int with bounds */
	K_SIZE,   /* size_t with bounds */
	K_LEVEL,  /* enum log_level */
	K_FORMAT, /* enum log_format */
	K_DAYS,   /* int list (reminder_days) */
};

struct key_spec {
	const char *section;
	const char *name;
	enum key_kind kind;
	size_t offset;
	long long min, max;
};

#define F(field) offsetof(struct config, field)

static const struct key_spec keys[] = {
    {"listen", "address", K_STRING, F(listen_address), 1, 255},
    {"listen", "port", K_INT, F(listen_port), 0, 65535},
    {"listen", "workers", K_INT, F(workers), 1, 256},
    {"tls", "certificate", K_PATH, F(tls_certificate), 0, 0},
    {"tls", "key", K_PATH, F(tls_key), 0, 0},
    {"database", "conninfo", K_STRING, F(database_conninfo), 0, 4096},
    {"database", "migrations_dir", K_PATH, F(migrations_dir), 0, 0},
    {"log", "level", K_LEVEL, F(log_level), 0, 0},
    {"log", "format", K_FORMAT, F(log_format), 0, 0},
    {"limits", "max_body_bytes", K_SIZE, F(max_body_bytes), 1024, 4294967296LL},
    {"limits", "max_header_bytes", K_SIZE, F(max_header_bytes), 1024, 1048576},
    {"limits", "max_inflight_body_bytes", K_SIZE, F(max_inflight_body_bytes), 1024,
     1099511627776LL},
    {"limits", "request_timeout_ms", K_INT, F(request_timeout_ms), 100, 3600000},
    {"limits", "max_connections", K_INT, F(max_connections), 1, 100000},
    {"checks", "staging_dir", K_PATH, F(staging_dir), 0, 0},
    {"checks", "person_key_file", K_PATH, F(person_key_file), 0, 0},
    {"checks", "report_max_errors", K_SIZE, F(report_max_errors), 1, 1000000},
    {"checks", "ship_within_days", K_INT, F(ship_within_days), 1, 3650},
    {"checks", "threads", K_INT, F(check_threads), 1, 64},
    {"checks", "queue", K_INT, F(check_queue), 0, 10000},
    {"checks", "validator_threads", K_INT, F(validator_threads), 0, 16},
    {"retention", "interval_seconds", K_INT, F(retention_interval_seconds), 0, 604800},
    {"retention", "reminder_days", K_DAYS, F(reminder_days), 1, 3650},
    {"retention", "order_lead_days", K_INT, F(order_lead_days), 1, 3650},
    {"retention", "no_longer_needed_days", K_INT, F(no_longer_needed_days), 0, 3650},
    {"retention", "webhook_timeout_ms", K_INT, F(webhook_timeout_ms), 100, 600000},
    {"signing", "key", K_PATH, F(signing_key), 0, 0},
    {"signing", "certificate", K_PATH, F(signing_certificate), 0, 0},
    {"ui", "session_minutes", K_INT, F(ui_session_minutes), 5, 1440},
    {"database", "migrate_conninfo", K_STRING, F(migrate_conninfo), 0, 4096},
    {"limits", "header_timeout_ms", K_INT, F(header_timeout_ms), 100, 3600000},
    {"limits", "max_connections_per_address", K_INT, F(max_connections_per_address), 1, 100000},
    {"checks", "staging_uid", K_INT, F(staging_uid), -1, 2147483647},
    {"audit", "checkpoint_dir", K_PATH, F(audit_checkpoint_dir), 0, 0},
    {"audit", "checkpoint_key", K_PATH, F(audit_checkpoint_key), 0, 0},
    {"audit", "checkpoint_interval_seconds", K_INT, F(audit_checkpoint_interval_seconds), 0, 86400},
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* Keys that once existed: a file still setting one is refused with what replaced it,
 * rather than silently running with a meaning it no longer has. */
static const struct {
	const char *section, *name, *instead;
} removed_keys[] = {
    {"retention", "grace_days",
     "removed: an order is overdue at its due_at, with no grace period (D+1 00:00 "
     "Europe/Brussels for a deadline); set retention.order_lead_days (how many days before "
     "due_at the deadline order is issued, default 90) instead"},
};

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (d == NULL)
		abort(); /* out of memory while building a config: nothing sane to do */
	return d;
}

static char **str_field(struct config *c, const struct key_spec *k)
{
	return (char **)((char *)c + k->offset);
}

static struct config_box *box_of(struct config *c)
{
	return (struct config_box *)((char *)c - offsetof(struct config_box, c));
}

struct config *config_default(void)
{
	static const int days[] = {60, 30, 14, 7, 1};
	struct config_box *b = calloc(1, sizeof(*b));

	if (b == NULL)
		abort();
	atomic_init(&b->refs, 1);
	struct config *c = &b->c;
	c->path = xstrdup("");
	c->listen_address = xstrdup("127.0.0.1");
	c->listen_port = 8443;
	c->tls_certificate = xstrdup("");
	c->tls_key = xstrdup("");
	c->database_conninfo = xstrdup("");
	c->workers = 4;
	c->log_level = LOG_LEVEL_INFO;
	c->log_format = LOG_FORMAT_AUTO;
	c->max_body_bytes = 512u * 1024 * 1024;
	c->max_header_bytes = 16 * 1024;
	c->max_inflight_body_bytes = 1024u * 1024 * 1024;
	c->request_timeout_ms = 30000;
	c->max_connections = 256;
	c->staging_dir = xstrdup("");
	c->person_key_file = xstrdup("");
	c->report_max_errors = 100;
	c->check_threads = 2;
	c->check_queue = 16;
	c->validator_threads = 0;
	c->retention_interval_seconds = 3600;
	c->nreminder_days = sizeof(days) / sizeof(days[0]);
	c->reminder_days = malloc(sizeof(days));
	if (c->reminder_days == NULL)
		abort();
	memcpy(c->reminder_days, days, sizeof(days));
	c->ship_within_days = 7;
	c->order_lead_days = 90;
	c->no_longer_needed_days = 30;
	c->webhook_timeout_ms = 10000;
	c->signing_key = xstrdup("");
	c->signing_certificate = xstrdup("");
	c->migrations_dir = xstrdup(DELIBERD_SOURCE_DIR "/migrations");
	c->ui_session_minutes = 480;
	c->migrate_conninfo = xstrdup("");
	c->header_timeout_ms = 10000;
	c->max_connections_per_address = 64;
	c->staging_uid = -1;
	c->audit_checkpoint_dir = xstrdup(""); /* no file: off; a file's default is beside it */
	c->audit_checkpoint_key = xstrdup("");
	c->audit_checkpoint_interval_seconds = 3600;
	return c;
}

struct config *config_ref(struct config *c)
{
	if (c != NULL)
		atomic_fetch_add(&box_of(c)->refs, 1);
	return c;
}

void config_unref(struct config *c)
{
	if (c == NULL)
		return;
	struct config_box *b = box_of(c);
	if (atomic_fetch_sub(&b->refs, 1) != 1)
		return;
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].kind == K_STRING || keys[i].kind == K_PATH)
			free(*str_field(c, &keys[i]));
	free(c->path);
	free(c->reminder_days);
	free(b);
}

/* The directory of path, absolute, so that a reload from any working directory
 * resolves the same way. */
static char *dir_of(const char *path)
{
	char *copy = xstrdup(path);
	char *slash = strrchr(copy, '/');
	const char *dir;

	if (slash == NULL)
		dir = ".";
	else if (slash == copy)
		dir = "/";
	else {
		*slash = '\0';
		dir = copy;
	}
	char *abs = realpath(dir, NULL);
	if (abs == NULL)
		abs = xstrdup(dir);
	free(copy);
	return abs;
}

/*
 * libconfig 1.5 reads an integer literal with atoi(): 4294967296 silently becomes 0.
 * Before parsing, every decimal or hex literal outside int32 gets the L suffix that
 * makes libconfig read it as int64, and one beyond int64 is an error with its line
 * (the bounds: cfgnum.c, shared with the deliberation-file reader).
 * @include is refused: a configuration is one file.  Strings and comments are skipped.
 */
static char *config_prepare(const char *text, size_t len, const char *path, struct err *e)
{
	char *out = malloc(len * 2 + 1);
	size_t o = 0;
	int line = 1;

	if (out == NULL)
		abort();
	for (size_t i = 0; i < len;) {
		char ch = text[i];
		if (ch == '\0') {
			err_set(e, ERR_INVALID, "%s:%d: NUL byte in the file", path, line);
			goto fail;
		}
		if (ch == '\n') {
			line++;
			out[o++] = text[i++];
		} else if (ch == '"') {
			out[o++] = text[i++];
			while (i < len && text[i] != '"') {
				if (text[i] == '\n')
					line++;
				if (text[i] == '\\' && i + 1 < len)
					out[o++] = text[i++];
				out[o++] = text[i++];
			}
			if (i < len)
				out[o++] = text[i++];
		} else if (ch == '#' || (ch == '/' && i + 1 < len && text[i + 1] == '/')) {
			while (i < len && text[i] != '\n')
				out[o++] = text[i++];
		} else if (ch == '/' && i + 1 < len && text[i + 1] == '*') {
			out[o++] = text[i++];
			out[o++] = text[i++];
			while (i < len && !(text[i] == '*' && i + 1 < len && text[i + 1] == '/')) {
				if (text[i] == '\n')
					line++;
				out[o++] = text[i++];
			}
			for (int k = 0; k < 2 && i < len; k++)
				out[o++] = text[i++]; /* the closing star and slash */
		} else if (ch == '@') {
			err_set(e, ERR_INVALID, "%s:%d: @include is not supported", path, line);
			goto fail;
		} else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '*' ||
		           ch == '_') {
			/* a name or keyword: may contain digits that are no number */
			while (i < len && (text[i] == '-' || text[i] == '_' || text[i] == '*' ||
			                   (text[i] >= '0' && text[i] <= '9') ||
			                   (text[i] >= 'a' && text[i] <= 'z') ||
			                   (text[i] >= 'A' && text[i] <= 'Z')))
				out[o++] = text[i++];
		} else if (ch >= '0' && ch <= '9') {
			size_t start = i;
			bool is_float = false;
			while (i < len && ((text[i] >= '0' && text[i] <= '9') ||
			                   (text[i] >= 'a' && text[i] <= 'z') ||
			                   (text[i] >= 'A' && text[i] <= 'Z') || text[i] == '.' ||
			                   ((text[i] == '+' || text[i] == '-') && i > start &&
			                    (text[i - 1] == 'e' || text[i - 1] == 'E')))) {
				if (text[i] == '.')
					is_float = true;
				i++;
			}
			size_t n = i - start;
			bool hex = n > 2 && text[start] == '0' &&
			           (text[start + 1] == 'x' || text[start + 1] == 'X');
			size_t skip = hex ? 2 : 0, k = start + skip;
			while (k < i && (hex ? isxdigit((unsigned char)text[k])
			                     : text[k] >= '0' && text[k] <= '9'))
				k++;
			if (k == i && n > skip && !is_float) {
				/* a plain integer without the suffix L: does it fit libconfig's int? */
				bool neg = start > 0 && text[start - 1] == '-';
				enum cfgnum_width w =
				    cfgnum_width(text + start + skip, n - skip, neg, hex);
				if (w == CFGNUM_TOO_LARGE) {
					err_set(e, ERR_INVALID, "%s:%d: integer too large", path,
					        line);
					goto fail;
				}
				memcpy(out + o, text + start, n);
				o += n;
				if (w == CFGNUM_INT64)
					out[o++] = 'L';
				continue;
			}
			memcpy(out + o, text + start, n);
			o += n;
		} else {
			out[o++] = text[i++];
		}
	}
	out[o] = '\0';
	return out;
fail:
	free(out);
	return NULL;
}

static const char *kind_wants(enum key_kind kind)
{
	switch (kind) {
	case K_STRING:
	case K_PATH:
		return "must be a string";
	case K_INT:
	case K_SIZE:
		return "must be an integer";
	case K_LEVEL:
		return "must be one of \"debug\", \"info\", \"warn\", \"error\"";
	case K_FORMAT:
		return "must be one of \"auto\", \"text\", \"json\"";
	case K_DAYS:
		return "must be a list of integers, e.g. [180, 90, 30, 7]";
	}
	return "has the wrong type";
}

static int cmp_desc(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x < y) - (x > y);
}

/* Stores one setting into c; false with e set (file:line: section.key: why). */
static bool config_apply(struct config *c, const struct key_spec *k, config_setting_t *s,
                         const char *path, const char *dir, struct err *e)
{
	int line = config_setting_source_line(s);
	int type = config_setting_type(s);
	char name[96];

	snprintf(name, sizeof(name), "%s.%s", k->section, k->name);
	switch (k->kind) {
	case K_STRING:
	case K_PATH: {
		if (type != CONFIG_TYPE_STRING)
			break;
		const char *v = config_setting_get_string(s);
		size_t n = strlen(v);
		if (k->kind == K_STRING && (n < (size_t)k->min || n > (size_t)k->max)) {
			err_set_field(e, ERR_INVALID, name,
			              "%s:%d: %s: must be between %lld and %lld characters long",
			              path, line, name, k->min, k->max);
			return false;
		}
		if (k->kind == K_PATH && n > PATH_MAX) {
			err_set_field(e, ERR_INVALID, name, "%s:%d: %s: path too long", path, line,
			              name);
			return false;
		}
		char **f = str_field(c, k);
		free(*f);
		if (k->kind == K_PATH && n > 0 && v[0] != '/') {
			size_t m = strlen(dir) + 1 + n + 1;
			*f = malloc(m);
			if (*f == NULL)
				abort();
			snprintf(*f, m, "%s/%s", dir, v);
		} else {
			*f = xstrdup(v);
		}
		return true;
	}
	case K_INT:
	case K_SIZE: {
		if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
			break;
		long long v = config_setting_get_int64(s);
		if (v < k->min || v > k->max) {
			err_set_field(e, ERR_INVALID, name,
			              "%s:%d: %s: must be between %lld and %lld", path, line, name,
			              k->min, k->max);
			return false;
		}
		if (k->kind == K_INT)
			*(int *)((char *)c + k->offset) = (int)v;
		else
			*(size_t *)((char *)c + k->offset) = (size_t)v;
		return true;
	}
	case K_LEVEL:
	case K_FORMAT: {
		static const char *const levels[] = {"debug", "info", "warn", "error", NULL};
		static const char *const formats[] = {"auto", "text", "json", NULL};
		const char *const *names = k->kind == K_LEVEL ? levels : formats;
		if (type != CONFIG_TYPE_STRING)
			break;
		const char *v = config_setting_get_string(s);
		for (int i = 0; names[i] != NULL; i++) {
			if (strcmp(v, names[i]) == 0) {
				if (k->kind == K_LEVEL)
					c->log_level = (enum log_level)i;
				else
					c->log_format = (enum log_format)i;
				return true;
			}
		}
		break;
	}
	case K_DAYS: {
		if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
			break;
		int n = config_setting_length(s);
		if (n > REMINDER_DAYS_MAX) {
			err_set_field(e, ERR_INVALID, name, "%s:%d: %s: at most %d values", path,
			              line, name, REMINDER_DAYS_MAX);
			return false;
		}
		int days[REMINDER_DAYS_MAX];
		for (int i = 0; i < n; i++) {
			config_setting_t *el = config_setting_get_elem(s, (unsigned)i);
			int t = config_setting_type(el);
			if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
				err_set_field(e, ERR_INVALID, name,
				              "%s:%d: %s[%d]: must be an integer", path, line, name,
				              i);
				return false;
			}
			long long v = config_setting_get_int64(el);
			if (v < k->min || v > k->max) {
				err_set_field(e, ERR_INVALID, name,
				              "%s:%d: %s[%d]: must be between %lld and %lld", path,
				              line, name, i, k->min, k->max);
				return false;
			}
			for (int j = 0; j < i; j++) {
				if (days[j] == v) {
					err_set_field(e, ERR_INVALID, name,
					              "%s:%d: %s[%d]: %lld appears twice", path,
					              line, name, i, v);
					return false;
				}
			}
			days[i] = (int)v;
		}
		qsort(days, (size_t)n, sizeof(int), cmp_desc);
		free(c->reminder_days);
		c->reminder_days = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
		if (c->reminder_days == NULL)
			abort();
		memcpy(c->reminder_days, days, sizeof(int) * (size_t)n);
		c->nreminder_days = (size_t)n;
		return true;
	}
	}
	err_set_field(e, ERR_INVALID, name, "%s:%d: %s: %s", path, line, name, kind_wants(k->kind));
	return false;
}

static const struct key_spec *key_find(const char *section, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 &&
		    (name == NULL || strcmp(keys[i].name, name) == 0))
			return &keys[i];
	return NULL;
}

/* Walks every setting of the file: each must be a known section holding known keys. */
static bool config_walk(struct config *c, config_t *lc, const char *path, const char *dir,
                        struct err *e)
{
	config_setting_t *root = config_root_setting(lc);
	int nsec = config_setting_length(root);

	for (int i = 0; i < nsec; i++) {
		config_setting_t *sec = config_setting_get_elem(root, (unsigned)i);
		const char *sname = config_setting_name(sec);
		int line = config_setting_source_line(sec);
		if (sname == NULL || key_find(sname, NULL) == NULL) {
			err_set_field(e, ERR_INVALID, sname != NULL ? sname : "",
			              "%s:%d: %s: unknown section (known: listen, tls, database, "
			              "log, limits, checks, retention, signing, ui, audit)",
			              path, line, sname != NULL ? sname : "?");
			return false;
		}
		if (!config_setting_is_group(sec)) {
			err_set_field(e, ERR_INVALID, sname,
			              "%s:%d: %s: must be a group, e.g. %s = { ... };", path, line,
			              sname, sname);
			return false;
		}
		int nkeys = config_setting_length(sec);
		for (int j = 0; j < nkeys; j++) {
			config_setting_t *s = config_setting_get_elem(sec, (unsigned)j);
			const char *kname = config_setting_name(s);
			const struct key_spec *k = kname != NULL ? key_find(sname, kname) : NULL;
			if (k == NULL) {
				char field[96];
				snprintf(field, sizeof(field), "%s.%s", sname,
				         kname != NULL ? kname : "?");
				for (size_t r = 0; kname != NULL && r < sizeof(removed_keys) /
				                                            sizeof(removed_keys[0]);
				     r++)
					if (strcmp(removed_keys[r].section, sname) == 0 &&
					    strcmp(removed_keys[r].name, kname) == 0) {
						err_set_field(e, ERR_INVALID, field,
						              "%s:%d: %s: %s", path,
						              config_setting_source_line(s), field,
						              removed_keys[r].instead);
						return false;
					}
				err_set_field(e, ERR_INVALID, field, "%s:%d: %s: unknown key", path,
				              config_setting_source_line(s), field);
				return false;
			}
			if (!config_apply(c, k, s, path, dir, e))
				return false;
		}
	}
	return true;
}

/* Default paths that live beside the configuration file: the audit checkpoints (and
 * their key inside that directory unless set). */
static void config_anchor_defaults(struct config *c, const char *dir)
{
	if (c->audit_checkpoint_dir == NULL) { /* not in the file */
		size_t n = strlen(dir) + sizeof("/audit-checkpoints");
		c->audit_checkpoint_dir = malloc(n);
		if (c->audit_checkpoint_dir == NULL)
			abort();
		snprintf(c->audit_checkpoint_dir, n, "%s/audit-checkpoints", dir);
	}
	if (c->audit_checkpoint_key[0] == '\0' && c->audit_checkpoint_dir[0] != '\0') {
		size_t n = strlen(c->audit_checkpoint_dir) + sizeof("/checkpoint.key");
		char *key = malloc(n);
		if (key == NULL)
			abort();
		snprintf(key, n, "%s/checkpoint.key", c->audit_checkpoint_dir);
		free(c->audit_checkpoint_key);
		c->audit_checkpoint_key = key;
	}
}

struct config *config_parse(const char *text, size_t len, const char *path, struct err *e)
{
	config_t lc;

	if (len > CONFIG_FILE_MAX) {
		err_set(e, ERR_INVALID, "%s: larger than %d bytes", path, CONFIG_FILE_MAX);
		return NULL;
	}
	char *prepared = config_prepare(text, len, path, e);
	if (prepared == NULL)
		return NULL;
	config_init(&lc);
	if (config_read_string(&lc, prepared) != CONFIG_TRUE) {
		err_set(e, ERR_INVALID, "%s:%d: %s", path, config_error_line(&lc),
		        config_error_text(&lc) != NULL ? config_error_text(&lc) : "syntax error");
		config_destroy(&lc);
		free(prepared);
		return NULL;
	}
	free(prepared);
	struct config *c = config_default();
	free(c->path);
	c->path = xstrdup(path);
	char *dir = dir_of(path);
	free(c->audit_checkpoint_dir);
	c->audit_checkpoint_dir = NULL; /* config_anchor_defaults: unless the file says */
	bool ok = config_walk(c, &lc, path, dir, e);
	if (ok)
		config_anchor_defaults(c, dir);
	free(dir);
	config_destroy(&lc);
	if (!ok) {
		config_unref(c);
		return NULL;
	}
	return c;
}

struct config *config_load(const char *path, struct err *e)
{
	FILE *f = fopen(path, "rb");
	struct stat st;

	if (f == NULL) {
		err_set(e, ERR_INVALID, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		err_set(e, ERR_INVALID, "%s: not a regular file", path);
		fclose(f);
		return NULL;
	}
	if (st.st_size > CONFIG_FILE_MAX) {
		err_set(e, ERR_INVALID, "%s: larger than %d bytes", path, CONFIG_FILE_MAX);
		fclose(f);
		return NULL;
	}
	char *text = malloc((size_t)st.st_size + 1);
	if (text == NULL)
		abort();
	size_t n = fread(text, 1, (size_t)st.st_size, f);
	bool bad = ferror(f) != 0;
	fclose(f);
	if (bad) {
		err_set(e, ERR_INVALID, "%s: read error", path);
		free(text);
		return NULL;
	}
	text[n] = '\0';
	struct config *c = config_parse(text, n, path, e);
	free(text);
	return c;
}
