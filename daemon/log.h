/*
 * log: levelled logging to stderr, human-readable on a terminal and JSON lines
 * otherwise.  Every line of a request carries its request id (thread-local).
 * Never pass a token or an extract cell value to these functions.
 */
#ifndef DELIBERD_LOG_H
#define DELIBERD_LOG_H

#include "config.h"

void log_setup(enum log_level level, enum log_format format);
/* The request id of the current thread's request, "" outside a request. */
void log_set_request_id(const char *id);
const char *log_request_id(void);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
