/*
 * log: levelled logging to stderr, human-readable on a terminal and JSON lines
 * otherwise.  Every line of a request carries its request id (thread-local).
 * Never pass a token or an extract cell value to these functions.
 */
#ifndef DELIBERD_LOG_H
#define DELIBERD_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* May be called again at any time (SIGHUP); LOG_FORMAT_AUTO picks text when stderr is a
 * terminal, JSON lines otherwise. */
void log_setup(enum log_level level, enum log_format format);
/* Sets the request id that the current thread's log lines carry ("" or NULL: none). */
void log_set_request_id(const char *id);
bool log_enabled(enum log_level level);
const char *log_level_name(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

/* The one access-log line per HTTP request (info level): route is the route's name
 * ("-" when none matched); path has no query string. */
void log_access(const char *method, const char *route, const char *path, int status,
                double duration_ms, size_t bytes);

#endif
