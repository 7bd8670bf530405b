/*
 * config: the daemon's configuration, read from a libconfig file (conf/deliberd.conf
 * documents every key).  A loaded config is immutable and reference-counted: SIGHUP
 * builds a new one and swaps it in; requests in flight keep the one they started with.
 */
#ifndef DELIBERD_CONFIG_H
#define DELIBERD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };
enum log_format { LOG_FORMAT_AUTO, LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

struct config {
	char *path; /* the file it came from */
	/* listen */
	char *listen_address; /* default 127.0.0.1 */
	int listen_port;      /* default 8443; 0 = ephemeral (printed on the ready line) */
	/* tls */
	char *tls_certificate; /* PEM */
	char *tls_key;         /* PEM */
	/* database: libpq conninfo; "" = libpq's PG* environment variables */
	char *database_conninfo;
	int workers; /* HTTP worker threads, each with its own event_base and connection */
	/* log */
	enum log_level log_level;
	enum log_format log_format;
	/* limits */
	size_t max_body_bytes;          /* default 512 MiB */
	size_t max_header_bytes;        /* default 16 KiB */
	int request_timeout_ms;         /* whole-request deadline, default 30 s */
	int max_connections;            /* default 256 */
	size_t max_inflight_body_bytes; /* declared bodies being read, all connections; 1 GiB */
	/* checks */
	char *staging_dir;        /* where staged_file names are resolved; "" = disabled */
	char *person_key_file;    /* HMAC key for stored pseudonym hashes */
	size_t report_max_errors; /* default 100 */
	int ship_within_days;     /* a passed check may be shipped this many days, default 7 */
	int check_threads;        /* check pool threads, off the event loops; default 2 */
	int check_queue;          /* checks waiting for a pool thread at most; default 16 */
	int validator_threads;    /* threads one check validates on; 0 = online CPUs (max 8) */
	/* retention */
	int retention_interval_seconds; /* scheduler period, default 3600 */
	int *reminder_days;             /* days before an order's due_at, default 60,30,14,7,1 */
	size_t nreminder_days;
	int order_lead_days;       /* deadline orders issued this long before due_at, 90 */
	int no_longer_needed_days; /* such an order is due this long after it is made, 30 */
	int webhook_timeout_ms;    /* default 10 s */
	/* signing */
	char *signing_key;         /* ECDSA P-256 PEM */
	char *signing_certificate; /* X.509 PEM */
	/* database, continued */
	char *migrations_dir; /* default DELIBERD_SOURCE_DIR "/migrations" */
	/* database, continued: the role that owns the schema (deliberd migrate); "" = conninfo */
	char *migrate_conninfo;
	/* limits, continued */
	int header_timeout_ms;           /* a new connection's first request headers, 10 s */
	int max_connections_per_address; /* open connections from one client address, 64 */
	int staging_uid;                 /* owner staged files must have; -1 = any */
	/* audit checkpoints (signed tree heads kept outside the database) */
	char *audit_checkpoint_dir; /* default "audit-checkpoints" beside the config file */
	char *audit_checkpoint_key; /* Ed25519 PEM; default <checkpoint_dir>/checkpoint.key */
	int audit_checkpoint_interval_seconds; /* default 3600; 0 = only at shutdown */
	/* ui (the web console) */
	int ui_session_minutes; /* sign-in session lifetime, default 480 */
};

/* Loads and validates; errors name file and line.  Relative paths in the file are
 * resolved against the file's directory. */
struct config *config_load(const char *path, struct err *e) __attribute__((warn_unused_result));
/* Built-in defaults only (no file): for tests and for subcommands run without --config. */
struct config *config_default(void);
/* Like config_load, but from text already in memory (tests, fuzzing); path names the
 * source in messages and its directory anchors relative paths. */
struct config *config_parse(const char *text, size_t len, const char *path, struct err *e)
    __attribute__((warn_unused_result));
/* Thread-safe (atomic) reference counting; config_unref(NULL) is a no-op. */
struct config *config_ref(struct config *c);
void config_unref(struct config *c);

#endif
