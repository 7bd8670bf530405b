/*
 * clock: "now", RFC 3339 parsing and formatting, and Europe/Brussels calendar
 * arithmetic.  UTC calendar math is integer math; Brussels time comes from the
 * system's time-zone database (TZ=Europe/Brussels, tzset once, localtime_r and
 * mktime), like the database's own (retention_deadlines in
 * migrations/0004_retention.sql); tests/unit/support/test_clock.c checks both.
 */
#include "clock.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t clock_now(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return (int64_t)time(NULL);
	return (int64_t)ts.tv_sec;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
	static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : n[m - 1];
}

static bool date_split(int32_t date, int64_t *y, int *m, int *d)
{
	*y = date / 10000;
	*m = (date / 100) % 100;
	*d = date % 100;
	return date > 0 && *y >= 1 && *y <= 9999 && *m >= 1 && *m <= 12 && *d >= 1 &&
	       *d <= days_in_month(*y, *m);
}

/* Fixed-width unsigned decimal field; false unless exactly n digits. */
static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

bool clock_parse(const char *s, int64_t *out)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 1;
	if (s == NULL || strlen(s) < 20 || strlen(s) > 40)
		return false;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec))
		return false;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om))
			return false;
		p += 6;
		if (oh > 23 || om > 59)
			return false;
	} else {
		return false;
	}
	if (*p != '\0')
		return false;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
	    sec > 59)
		return false;
	int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	*out = t - sign * (oh * 3600 + om * 60);
	return true;
}

void clock_format(int64_t t, char out[21])
{
	int64_t days = floor_div(t, 86400);
	int64_t rem = t - days * 86400;
	int64_t y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		snprintf(out, 21, "0000-00-00T00:00:00Z");
		return;
	}
	char buf[64];
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, m, d,
	         (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
	memcpy(out, buf, 20);
	out[20] = '\0';
}

/* Brussels time comes from the system's time-zone database: the process's zone is
 * set to Europe/Brussels once (TZ, tzset), after which localtime_r and mktime are
 * thread-safe.  A change of EU or Belgian law on summer time is a tzdata update. */
static pthread_once_t clock_tz_once = PTHREAD_ONCE_INIT;
static bool clock_tz_ok;

static void clock_tz_setup(void)
{
	clock_tz_ok = setenv("TZ", "Europe/Brussels", 1) == 0;
	tzset();
	/* Without tzdata the zone silently falls back to UTC: check a winter and a
	 * summer instant (CET +01:00, CEST +02:00). */
	struct tm w, su;
	time_t tw = 1927666800, ts = 1942264800; /* 2031-02-01, 2031-07-20 */
	clock_tz_ok = clock_tz_ok && localtime_r(&tw, &w) != NULL &&
	              localtime_r(&ts, &su) != NULL && w.tm_gmtoff == 3600 && su.tm_gmtoff == 7200;
}

bool clock_init(void)
{
	pthread_once(&clock_tz_once, clock_tz_setup);
	return clock_tz_ok;
}

int clock_brussels_offset(int64_t t)
{
	pthread_once(&clock_tz_once, clock_tz_setup);
	struct tm tm;
	time_t tt = (time_t)t;
	if (localtime_r(&tt, &tm) == NULL)
		return 3600;
	return (int)tm.tm_gmtoff;
}

int32_t clock_brussels_date(int64_t t)
{
	int64_t y;
	int m, d;
	civil_from_days(floor_div(t + clock_brussels_offset(t), 86400), &y, &m, &d);
	return (int32_t)(y * 10000 + m * 100 + d);
}

bool clock_brussels_midnight(int32_t date, int64_t *out)
{
	int64_t y;
	int m, d;
	if (!date_split(date, &y, &m, &d))
		return false;
	pthread_once(&clock_tz_once, clock_tz_setup);
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)(y - 1900);
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1; /* the zone says whether summer time is in force */
	time_t t = mktime(&tm);
	if (t == (time_t)-1)
		return false;
	*out = (int64_t)t;
	return true;
}

bool clock_due_instant(int32_t retention_until, int64_t *out)
{
	int64_t y;
	int m, d;
	if (!date_split(retention_until, &y, &m, &d))
		return false;
	return clock_brussels_midnight(clock_date_add(retention_until, 1), out);
}

int32_t clock_date_add(int32_t date, int days)
{
	int64_t y;
	int m, d;
	if (!date_split(date, &y, &m, &d))
		return 0;
	civil_from_days(days_from_civil(y, m, d) + days, &y, &m, &d);
	return (int32_t)(y * 10000 + m * 100 + d);
}

int clock_days_between(int32_t a, int32_t b)
{
	int64_t ya, yb;
	int ma, da, mb, db;
	if (!date_split(a, &ya, &ma, &da) || !date_split(b, &yb, &mb, &db))
		return 0;
	return (int)(days_from_civil(yb, mb, db) - days_from_civil(ya, ma, da));
}

bool clock_text_instant_form(const char *s)
{
	static const char date[] = "dddd-dd-dd", time[] = "Tdd:dd:dd";
	size_t n = strlen(s), i;
	for (i = 0; i < 10; i++)
		if (i >= n || (date[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != date[i]))
			return false;
	if (n == 10)
		return true;
	for (i = 0; i < 9; i++)
		if (10 + i >= n ||
		    (time[i] == 'd' ? !isdigit((unsigned char)s[10 + i]) : s[10 + i] != time[i]))
			return false;
	const char *p = s + 19;
	if (*p == '.') {
		size_t d = strspn(p + 1, "0123456789");
		if (d == 0 || d > 6)
			return false;
		p += 1 + d;
	}
	if (strcmp(p, "Z") == 0)
		return true;
	return (p[0] == '+' || p[0] == '-') && strlen(p) == 6 && isdigit((unsigned char)p[1]) &&
	       isdigit((unsigned char)p[2]) && p[3] == ':' && isdigit((unsigned char)p[4]) &&
	       isdigit((unsigned char)p[5]);
}
