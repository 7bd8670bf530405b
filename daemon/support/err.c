/* err: setting and naming the error type shared by every layer. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void err_vset(struct err *e, enum err_kind kind, const char *field, const char *fmt,
                     va_list ap)
{
	if (e == NULL || e->kind != ERR_NONE)
		return;
	e->kind = kind;
	snprintf(e->field, sizeof(e->field), "%s", field != NULL ? field : "");
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
}

void err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(e, kind, NULL, fmt, ap);
	va_end(ap);
}

void err_set_field(struct err *e, enum err_kind kind, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(e, kind, field, fmt, ap);
	va_end(ap);
}

void err_set_code(struct err *e, enum err_kind kind, const char *code, const char *field,
                  const char *fmt, ...)
{
	va_list ap;

	if (e == NULL || e->kind != ERR_NONE)
		return;
	va_start(ap, fmt);
	err_vset(e, kind, field, fmt, ap);
	va_end(ap);
	snprintf(e->code, sizeof(e->code), "%s", code != NULL ? code : "");
}

void err_clear(struct err *e)
{
	memset(e, 0, sizeof(*e));
}

static const struct {
	const char *code;
	int status;
} err_table[] = {
    [ERR_NONE] = {"ok", 200},
    [ERR_INVALID] = {"invalid_parameter", 400},
    [ERR_UNAUTHENTICATED] = {"unauthenticated", 401},
    [ERR_FORBIDDEN] = {"forbidden", 403},
    [ERR_NOT_FOUND] = {"not_found", 404},
    [ERR_CONFLICT] = {"conflict", 409},
    [ERR_TOO_LARGE] = {"too_large", 413},
    [ERR_UNAVAILABLE] = {"unavailable", 503},
    [ERR_INTERNAL] = {"internal", 500},
};

const char *err_code(enum err_kind kind)
{
	return err_table[kind].code;
}

int err_http_status(enum err_kind kind)
{
	return err_table[kind].status;
}

const char *err_code_of(const struct err *e)
{
	return e->code[0] != '\0' ? e->code : err_code(e->kind);
}
