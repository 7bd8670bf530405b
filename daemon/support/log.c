/*
 * log: levelled lines on stderr, text for a terminal, JSON lines for a collector.
 * Each line is formatted into one buffer and written with a single write(2) so that
 * lines from worker threads never interleave.
 *
 * Repeated lines are rate limited: a message (by its format string) is written at
 * most LOG_RATE_BURST times a second; the rest are counted, and the next time that
 * message is written, one line "suppressed N repeated lines: <format>" comes first.
 * A flood of clients can so no longer fill the disk through the log (issue 13: 161,000
 * identical warnings in 30 s).
 */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096
#define LOG_RATE_BURST 20 /* lines of one message per second */
#define LOG_RATE_SLOTS 128

/*
 * The settings are the one process-wide state outside main.c's wiring, on purpose:
 * every layer logs, and passing a logger down through every function for two
 * settings would burden hundreds of calls.  Only log_setup writes them, and only the
 * wiring calls it (serve at start and on each SIGHUP reload, a CLI subcommand once
 * at start); every thread reads them.  One atomic word holds the level and the
 * format, so a reload changes both at once and no reader sees half of it.
 */
#define LOG_JSON_BIT 0x100u
static atomic_uint log_settings = LOG_LEVEL_INFO;
/* The id of the request this thread serves: thread-local because a worker serves one
 * request at a time and each of its lines, from any layer, must carry the id without
 * it being passed down through them. */
static _Thread_local char log_rid[65];

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_setup(enum log_level level, enum log_format format)
{
	bool json = format == LOG_FORMAT_AUTO ? !isatty(STDERR_FILENO) : format == LOG_FORMAT_JSON;
	atomic_store(&log_settings, (unsigned)level | (json ? LOG_JSON_BIT : 0u));
}

void log_set_request_id(const char *id)
{
	snprintf(log_rid, sizeof(log_rid), "%s", id != NULL ? id : "");
}

bool log_enabled(enum log_level level)
{
	return (unsigned)level >= (atomic_load(&log_settings) & ~LOG_JSON_BIT);
}

const char *log_level_name(enum log_level level)
{
	if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
		return "?";
	return level_names[level];
}

/* A small append-only buffer that silently truncates: a log line is never worth a
 * failure. */
struct line {
	char buf[LOG_LINE_MAX];
	size_t len;
};

static void line_putc(struct line *l, char c)
{
	/* two bytes stay free for the closing brace and the newline */
	if (l->len + 3 < sizeof(l->buf))
		l->buf[l->len++] = c;
}

static void line_puts(struct line *l, const char *s)
{
	while (*s != '\0')
		line_putc(l, *s++);
}

static void line_printf(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line_printf(struct line *l, const char *fmt, ...)
{
	va_list ap;
	size_t room = sizeof(l->buf) - 2 - l->len;

	va_start(ap, fmt);
	int n = vsnprintf(l->buf + l->len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n < room ? (size_t)n : room - 1;
}

/* Text mode keeps a line a line: control characters become spaces. JSON mode escapes. */
static void line_put_value(struct line *l, const char *s, bool json)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (!json) {
			line_putc(l, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
		} else if (*p == '"' || *p == '\\') {
			line_putc(l, '\\');
			line_putc(l, (char)*p);
		} else if (*p == '\n') {
			line_puts(l, "\\n");
		} else if (*p == '\t') {
			line_puts(l, "\\t");
		} else if (*p < 0x20 || *p == 0x7f) {
			line_printf(l, "\\u%04x", *p);
		} else {
			line_putc(l, (char)*p);
		}
	}
}

static void line_start(struct line *l, enum log_level level, bool json)
{
	struct timespec ts;
	struct tm tm;
	char when[96];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         (long)(ts.tv_nsec / 1000000) % 1000);
	l->len = 0;
	if (json) {
		line_printf(l, "{\"ts\":\"%s\",\"level\":\"%s\"", when, log_level_name(level));
		if (log_rid[0] != '\0') {
			line_puts(l, ",\"request_id\":\"");
			line_put_value(l, log_rid, true);
			line_putc(l, '"');
		}
	} else {
		line_printf(l, "%s %-5s", when, log_level_name(level));
		if (log_rid[0] != '\0') {
			line_puts(l, " [");
			line_put_value(l, log_rid, false);
			line_putc(l, ']');
		}
		line_putc(l, ' ');
	}
}

static void line_emit(struct line *l, bool json)
{
	if (json)
		l->buf[l->len++] = '}';
	l->buf[l->len++] = '\n';
	const char *p = l->buf;
	size_t left = l->len;
	while (left > 0) {
		ssize_t n = write(STDERR_FILENO, p, left);
		if (n <= 0)
			return;
		p += n;
		left -= (size_t)n;
	}
}

/* One message's budget in the current second, in a fixed table (the rate limiter's
 * state: process-wide like the settings, since every thread logs).  A format that
 * finds no slot (more than LOG_RATE_SLOTS distinct messages) is not limited. */
struct log_rate {
	const char *fmt;
	time_t second;
	int written;
	long suppressed;
};
static struct log_rate log_rates[LOG_RATE_SLOTS];
static pthread_mutex_t log_rate_lock = PTHREAD_MUTEX_INITIALIZER;

/* False if this line is over its message's budget.  *summary: lines suppressed
 * since the last one written, to report before it. */
static bool log_rate_admit(const char *fmt, long *summary)
{
	time_t now = time(NULL);
	size_t h = ((uintptr_t)fmt >> 4) % LOG_RATE_SLOTS;
	bool admit = true;
	*summary = 0;
	pthread_mutex_lock(&log_rate_lock);
	for (size_t i = 0; i < LOG_RATE_SLOTS; i++) {
		struct log_rate *r = &log_rates[(h + i) % LOG_RATE_SLOTS];
		if (r->fmt != NULL && r->fmt != fmt)
			continue;
		if (r->fmt == NULL || r->second != now) {
			*summary = r->fmt != NULL ? r->suppressed : 0;
			r->fmt = fmt;
			r->second = now;
			r->written = 0;
			r->suppressed = 0;
		}
		if (r->written >= LOG_RATE_BURST) {
			r->suppressed++;
			admit = false;
		} else {
			r->written++;
		}
		break;
	}
	pthread_mutex_unlock(&log_rate_lock);
	return admit;
}

static void log_line(enum log_level level, bool json, const char *msg)
{
	struct line l;
	line_start(&l, level, json);
	if (json) {
		line_puts(&l, ",\"msg\":\"");
		line_put_value(&l, msg, true);
		line_putc(&l, '"');
	} else {
		line_put_value(&l, msg, false);
	}
	line_emit(&l, json);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char msg[LOG_LINE_MAX - 256];
	va_list ap;

	if (!log_enabled(level))
		return;
	long suppressed = 0;
	if (!log_rate_admit(fmt, &suppressed))
		return;
	bool json = (atomic_load(&log_settings) & LOG_JSON_BIT) != 0;
	if (suppressed > 0) {
		char note[400];
		snprintf(note, sizeof(note), "suppressed %ld repeated lines: %.300s", suppressed,
		         fmt);
		log_line(level, json, note);
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_line(level, json, msg);
}

void log_access(const char *method, const char *route, const char *path, int status,
                double duration_ms, size_t bytes)
{
	struct line l;

	if (!log_enabled(LOG_LEVEL_INFO))
		return;
	bool json = (atomic_load(&log_settings) & LOG_JSON_BIT) != 0;
	line_start(&l, LOG_LEVEL_INFO, json);
	if (json) {
		line_puts(&l, ",\"msg\":\"access\",\"method\":\"");
		line_put_value(&l, method, true);
		line_puts(&l, "\",\"route\":\"");
		line_put_value(&l, route, true);
		line_puts(&l, "\",\"path\":\"");
		line_put_value(&l, path, true);
		line_printf(&l, "\",\"status\":%d,\"duration_ms\":%.3f,\"bytes\":%zu", status,
		            duration_ms, bytes);
	} else {
		line_puts(&l, "access ");
		line_put_value(&l, method, false);
		line_putc(&l, ' ');
		line_put_value(&l, path, false);
		line_puts(&l, " route=");
		line_put_value(&l, route, false);
		line_printf(&l, " status=%d duration_ms=%.3f bytes=%zu", status, duration_ms,
		            bytes);
	}
	line_emit(&l, json);
}
