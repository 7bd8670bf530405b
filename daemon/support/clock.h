/*
 * clock: the one source of "now", and the time arithmetic retention needs.
 * Instants are seconds since the Unix epoch (UTC).  Services never read the
 * system clock themselves: they take an explicit `now` (so that `deliberd
 * retention run --at` and tests can run as if it were another time) and faces
 * get it from clock_now().  Dates are Europe/Brussels calendar dates, int32
 * YYYYMMDD, as everywhere in deliberd.
 */
#ifndef DELIBERD_CLOCK_H
#define DELIBERD_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* The current instant, from the system's real-time clock. */
int64_t clock_now(void);

/* Parses an RFC 3339 timestamp with a zone: "2031-02-01T00:00:00+01:00",
 * "2031-01-31T23:00:00Z" (fractional seconds accepted and dropped; a space may
 * replace the T).  False on anything else, including impossible dates and
 * times. */
bool clock_parse(const char *s, int64_t *out) __attribute__((warn_unused_result));

/* "2031-01-31T23:00:00Z": the one text form of instants deliberd writes. */
void clock_format(int64_t t, char out[21]);

/* Sets the process's time zone to Europe/Brussels (TZ, tzset) once, and checks
 * that the system's tzdata knows it (false: Brussels times would silently be UTC).
 * main() calls it first; the functions below call it too. */
bool clock_init(void) __attribute__((warn_unused_result));
/* Europe/Brussels offset from UTC at instant t, in seconds (3600 or 7200), from
 * the system's time-zone database (a change of summer-time law is a tzdata
 * update, not a code change). */
int clock_brussels_offset(int64_t t);
/* The Europe/Brussels calendar date (YYYYMMDD) of instant t. */
int32_t clock_brussels_date(int64_t t);
/* The instant of 00:00 Europe/Brussels on date (YYYYMMDD); false if no such date. */
bool clock_brussels_midnight(int32_t date, int64_t *out) __attribute__((warn_unused_result));
/* When destruction falls due for a retention deadline (the last day data may be
 * kept): the next day at 00:00 Europe/Brussels. */
bool clock_due_instant(int32_t retention_until, int64_t *out) __attribute__((warn_unused_result));
/* date + days (may be negative), as YYYYMMDD. */
int32_t clock_date_add(int32_t date, int days);
/* Days from a to b (b - a) between two YYYYMMDD dates. */
int clock_days_between(int32_t a, int32_t b);
/* Is s, by its form, "YYYY-MM-DD" or an RFC 3339 instant
 * "YYYY-MM-DDTHH:MM:SS[.ffffff](Z|+HH:MM|-HH:MM)"?  (Filters and expiries take
 * either; PostgreSQL judges the values.) */
bool clock_text_instant_form(const char *s);

#endif
