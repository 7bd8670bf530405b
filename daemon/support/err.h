/*
 * err: the one error type services hand upward.  A kind says what went wrong
 * (and so which HTTP status or exit code it becomes); the message says it
 * precisely (file, line, field, rule) and never contains an extract cell value.
 */
#ifndef DELIBERD_ERR_H
#define DELIBERD_ERR_H

#include <stdbool.h>

enum err_kind {
	ERR_NONE = 0,
	ERR_INVALID,         /* bad input: 400, exit 2 */
	ERR_UNAUTHENTICATED, /* 401 */
	ERR_FORBIDDEN,       /* 403 */
	ERR_NOT_FOUND,       /* 404 */
	ERR_CONFLICT,        /* 409 */
	ERR_TOO_LARGE,       /* 413 */
	ERR_UNAVAILABLE,     /* 503: database down, shutting down */
	ERR_INTERNAL,        /* 500 */
};

struct err {
	enum err_kind kind;
	char field[64];    /* the offending field or parameter, "" if none */
	char code[32];     /* a finer code than the kind's ("check_expired"), "" if none */
	char message[480]; /* human-readable, precise, value-free */
};

/* Records the first error only: later calls keep the original cause. */
void err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void err_set_field(struct err *e, enum err_kind kind, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same with a code of its own, finer than the kind's (409 "check_expired"). */
void err_set_code(struct err *e, enum err_kind kind, const char *code, const char *field,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void err_clear(struct err *e);
/* e->code when set, else the kind's code. */
const char *err_code_of(const struct err *e);
/* Stable snake_case code for JSON bodies: "invalid_parameter", "not_found", ... */
const char *err_code(enum err_kind kind);
int err_http_status(enum err_kind kind);

#endif
