/*
 * extract: the streaming validator (rules and their precedence: docs/validation.md).
 *
 * extract_new() decides the check-level rules and compiles each variable of the
 * terms once (closed lists into hash sets, patterns into matchers); the header
 * turns that into a per-column kind table, so a cell costs one switch and no
 * string compare.  extract_feed() processes complete records in place from the
 * caller's chunk and copies only a trailing partial record into a carry buffer
 * (at most CSV_MAX_RECORD + 1 bytes), extended with the resumable csv_scan() so
 * that any split, down to one byte at a time, gives the same report.
 *
 * extract_run_buffer() (extract_par.c) validates an in-memory extract on several
 * threads with the helpers declared at the end of this file's private section.
 */
#include "extract.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codeset.h"
#include "csv.h"
#include "extract_priv.h"
#include "hex.h"
#include "mem.h"
#include "ident.h"
#include "nn.h"
#include "pattern.h"
#include "personset.h"
#include "utf8.h"

/* Grows one of the bounded buffers (carry, tmp) to hold n bytes. */
static void buffer_reserve(char **buf, size_t *cap, size_t n)
{
	if (n <= *cap)
		return;
	size_t c = *cap ? *cap : 4096;
	while (c < n)
		c *= 2;
	if (c > CARRY_SIZE)
		c = CARRY_SIZE;
	char *p = realloc(*buf, c);
	if (!p) {
		fputs("deliberd: out of memory in the validator\n", stderr);
		abort();
	}
	*buf = p;
	*cap = c;
}

/* ---- errors ------------------------------------------------------------ */

static void store_error(struct extract_validator *v, enum extract_rule rule, uint64_t line,
                        uint32_t field, const char *column)
{
	if (v->nerrors >= v->max_errors)
		return;
	if (v->nerrors == v->errors_cap) {
		size_t cap = v->errors_cap ? v->errors_cap * 2 : 16;
		if (cap > v->max_errors)
			cap = v->max_errors;
		struct extract_error *e = realloc(v->errors, cap * sizeof(*e));
		if (!e) {
			fputs("deliberd: out of memory in the validator\n", stderr);
			abort();
		}
		v->errors = e;
		v->errors_cap = cap;
	}
	struct extract_error *x = &v->errors[v->nerrors++];
	x->rule = rule;
	x->line = line;
	x->field = field;
	snprintf(x->column, sizeof(x->column), "%s", column ? column : "");
}

static void add_error(struct extract_validator *v, enum extract_rule rule, uint64_t line,
                      uint32_t field, const char *column)
{
	v->counts[rule]++;
	store_error(v, rule, line, field, column);
}

void extract_priv_add_error(struct extract_validator *v, enum extract_rule rule, uint64_t line,
                            uint32_t field, const char *column)
{
	add_error(v, rule, line, field, column);
}

/* ---- value checks ------------------------------------------------------ */

static inline bool dig(char c)
{
	return (unsigned)(c - '0') < 10;
}

static inline bool digits4(const char *s, int *out)
{
	if (!(dig(s[0]) && dig(s[1]) && dig(s[2]) && dig(s[3])))
		return false;
	*out = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	return true;
}

static inline bool digits2(const char *s, int *out)
{
	if (!(dig(s[0]) && dig(s[1])))
		return false;
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	return true;
}

static bool real_date(int y, int m, int d)
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	if (m == 2 && d == 29)
		return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return true;
}

/* After a date: nothing, or 'T'/' ' then HH:MM and more time-like bytes. */
static bool time_part(const char *s, size_t len)
{
	if (len == 0)
		return true;
	int h, m;
	if (len < 6 || (s[0] != 'T' && s[0] != ' ') || !digits2(s + 1, &h) || s[3] != ':' ||
	    !digits2(s + 4, &m) || h > 24 || m > 59)
		return false;
	for (size_t i = 6; i < len; i++)
		if (!(dig(s[i]) || s[i] == ':' || s[i] == '.' || s[i] == '+' || s[i] == '-' ||
		      s[i] == 'Z' || s[i] == ' '))
			return false;
	return true;
}

/* Is this a full calendar date (day precision), with an optional time? */
static bool day_precision(const char *s, size_t len)
{
	int y, m, d;
	if (len < 8)
		return false;
	if (len >= 10) {
		char a = s[4];
		if ((a == '-' || a == '/' || a == '.') && s[7] == a && digits4(s, &y) &&
		    digits2(s + 5, &m) && digits2(s + 8, &d) && real_date(y, m, d) &&
		    time_part(s + 10, len - 10))
			return true;
		a = s[2];
		if ((a == '-' || a == '/' || a == '.') && s[5] == a && digits2(s, &d) &&
		    digits2(s + 3, &m) && digits4(s + 6, &y) && real_date(y, m, d) &&
		    time_part(s + 10, len - 10))
			return true;
	}
	return digits4(s, &y) && digits2(s + 4, &m) && digits2(s + 6, &d) && real_date(y, m, d) &&
	       time_part(s + 8, len - 8);
}

/* A raw amount: optional sign, digit groups joined by single '.', ',', ' ' or '''. */
static bool raw_number(const char *s, size_t len)
{
	size_t i = 0;
	if (len && (s[0] == '-' || s[0] == '+'))
		i++;
	if (i == len || !dig(s[i]))
		return false;
	for (; i < len; i++) {
		if (dig(s[i]))
			continue;
		if ((s[i] == '.' || s[i] == ',' || s[i] == ' ' || s[i] == '\'') && i + 1 < len &&
		    dig(s[i + 1]))
			continue;
		return false;
	}
	return true;
}

/* A C0 control other than TAB, LF and CR, or DEL (text cells reject them).  A
 * word at a time: bytes below 0x20 or equal to 0x7F flag the word (exact as a
 * yes/no), then the flagged word's bytes are looked at. */
static inline bool has_control(const char *s, size_t len)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		uint64_t del = w ^ (0x7f * ones);
		if (!(((w - 0x20 * ones) & ~w & highs) | ((del - ones) & ~del & highs)))
			continue;
		for (size_t j = i; j < i + 8; j++) {
			unsigned char c = (unsigned char)s[j];
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
				return true;
		}
	}
	for (; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			return true;
	}
	return false;
}

/* The number in an int or decimal cell already checked for shape. */
static double parse_number(const char *s, size_t len)
{
	char buf[72];
	if (len >= sizeof(buf))
		return s[0] == '-' ? -1e308 : 1e308;
	memcpy(buf, s, len);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (buf[i] == ',')
			buf[i] = '.';
	return strtod(buf, NULL);
}

/* Fast path of parse_number for up to 18 digits on each side of the point. */
static inline double number_of(const char *s, size_t len)
{
	size_t i = 0;
	bool neg = false;
	if (s[0] == '-') {
		neg = true;
		i = 1;
	}
	uint64_t ip = 0, fp = 0;
	size_t id = 0, fd = 0;
	for (; i < len && dig(s[i]); i++, id++)
		ip = ip * 10 + (uint64_t)(s[i] - '0');
	if (i < len) {
		i++;
		for (; i < len; i++, fd++)
			fp = fp * 10 + (uint64_t)(s[i] - '0');
	}
	if (id > 18 || fd > 18)
		return parse_number(s, len);
	static const double pow10[19] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8, 1e9,
	                                 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
	double x = (double)ip + (fd ? (double)fp / pow10[fd] : 0.0);
	return neg ? -x : x;
}

static inline bool out_of_bounds(const struct varinfo *vi, double x)
{
	return (vi->has_min && x < vi->min) || (vi->has_max && x > vi->max);
}

/* Month-level bounds of year_month and period values; ym_first/ym_last are the
 * first and last month the value covers. */
static inline bool month_out_of_range(const struct extract_validator *v, const struct varinfo *vi,
                                      int32_t ym_first, int32_t ym_last)
{
	return (vi->min_month && ym_last < vi->min_month) ||
	       (vi->not_future && ym_first > v->check_month);
}

static bool list_accepts_slow(struct column *c, const char *s, uint32_t len, const char *end)
{
	const struct varinfo *vi = c->vi;
	if (vi->list && codeset_has(vi->list, s, len, end))
		return true;
	if (!vi->pat)
		return !vi->list;
	if (len <= 16 && c->memo) {
		uint64_t a, b;
		codeset_pack(s, len, end, &a, &b);
		size_t j = (codeset_prehash(a, b, len) * 0xD6E8FEB86659FD93ull) >> (64 - MEMO_BITS);
		struct memo *m = c->memo;
		if (m->len[j] == len && m->a[j] == a && m->b[j] == b)
			return true;
		if (!pattern_match(vi->pat, s, len))
			return false;
		m->a[j] = a;
		m->b[j] = b;
		m->len[j] = len;
		return true;
	}
	return pattern_match(vi->pat, s, len);
}

/* (A short listed value was already accepted by check_cell's first lookup.) */
static inline bool list_accepts(struct column *c, const char *s, uint32_t len, const char *end)
{
	return list_accepts_slow(c, s, len, end);
}

static void add_person(struct extract_validator *v, uint64_t id, uint64_t line, uint32_t field,
                       const char *column)
{
	int r = personset_add(v->persons, id);
	if (r < 0) {
		fputs("deliberd: out of memory in the validator\n", stderr);
		abort();
	}
	if (r == 1 && v->cap >= 0 && !v->cap_reported &&
	    (int64_t)personset_count(v->persons) > v->cap) {
		v->cap_reported = true;
		add_error(v, RULE_SAMPLE_CAP, line, field, column);
	}
}

/* One cell, one rule at most: the precedence of docs/validation.md. */
static inline void check_cell(struct extract_validator *v, struct column *c, const char *s,
                              uint32_t len, uint64_t line, uint32_t field, bool high,
                              const char *end)
{
	enum extract_rule rule;
	const struct varinfo *vi = c->vi;
	uint32_t cps = len;

	/* Most cells are listed codes or empty: one lookup settles them. */
	if (c->perfect.ph && len <= 15 && codeset_perfect_has(&c->perfect, s, len, end))
		return;
	if (len == 0) {
		if (c->required)
			add_error(v, RULE_MISSING_REQUIRED, line, field, c->name);
		return;
	}
	if (high && has_high(s, len) && !utf8_valid((const unsigned char *)s, len, &cps)) {
		rule = RULE_ENCODING;
		goto fail;
	}
	if (len >= 11 && nn_find(s, len)) {
		rule = RULE_NATIONAL_NUMBER;
		goto fail;
	}
	switch (c->kind) {
	case K_PSEUDONYM: {
		if (len > 10)
			goto type;
		uint64_t id = 0;
		for (uint32_t i = 0; i < len; i++) {
			unsigned d = (unsigned)(s[i] - '0');
			if (d > 9)
				goto type;
			id = id * 10 + d;
		}
		if (c->person)
			add_person(v, id, line, field, c->name);
		return;
	}
	case K_YEAR_MONTH:
	case K_PERIOD: {
		int y, m;
		if (len == 7 && s[4] == '-' && digits4(s, &y) && digits2(s + 5, &m)) {
			if (m < 1 || m > 12 || month_out_of_range(v, vi, y * 100 + m, y * 100 + m))
				goto range;
			return;
		}
		if (c->kind == K_PERIOD && len == 6 && s[4] == 'Q' && digits4(s, &y) && dig(s[5])) {
			int q = s[5] - '0';
			if (q < 1 || q > 4 ||
			    month_out_of_range(v, vi, y * 100 + 3 * q - 2, y * 100 + 3 * q))
				goto range;
			return;
		}
		goto date_fail;
	}
	case K_YEAR: {
		int y;
		if (len == 4 && digits4(s, &y)) {
			if ((vi->min_month && y < vi->min_month / 100) ||
			    (vi->not_future && y > v->check_year) || out_of_bounds(vi, y))
				goto range;
			return;
		}
		goto date_fail;
	}
	case K_INT: {
		uint32_t i = s[0] == '-';
		if (i == len)
			goto type;
		for (; i < len; i++)
			if (!dig(s[i]))
				goto type;
		if ((vi->has_min || vi->has_max) && out_of_bounds(vi, number_of(s, len)))
			goto range;
		return;
	}
	case K_DECIMAL: {
		uint32_t i = s[0] == '-';
		uint32_t start = i;
		uint64_t ip = 0;
		while (i < len && dig(s[i]))
			ip = ip * 10 + (uint64_t)(s[i++] - '0');
		if (i == start)
			goto type;
		uint32_t int_end = i;
		if (i < len) {
			if (!(s[i] == '.' || (s[i] == ',' && v->decimal_comma)))
				goto type;
			uint32_t f = ++i;
			while (i < len && dig(s[i]))
				i++;
			if (i == f || i < len)
				goto type;
		}
		if (!(vi->has_min || vi->has_max))
			return;
		/* The value lies in [ip, ip + 1) (or (-ip - 1, -ip]): when that whole
		 * interval is within the bounds, no need for the exact number. */
		if (int_end - start <= 15) {
			double lo = start ? -(double)ip - 1 : (double)ip;
			double hi = start ? -(double)ip : (double)ip + 1;
			if ((!vi->has_min || lo >= vi->min) && (!vi->has_max || hi <= vi->max))
				return;
		}
		if (out_of_bounds(vi, number_of(s, len)))
			goto range;
		return;
	}
	case K_YES_NO:
		if (len == 1 && (s[0] == 'Y' || s[0] == 'N'))
			return;
		goto type;
	case K_LIST:
		if (list_accepts(c, s, len, end))
			return;
		rule = RULE_NOT_IN_CODE_LIST;
		goto fail;
	case K_AMOUNT_CLASS:
		if (list_accepts(c, s, len, end))
			return;
		rule = raw_number(s, len) ? RULE_UNCLASSED_AMOUNT : RULE_NOT_IN_CODE_LIST;
		goto fail;
	case K_TEXT:
		if (has_control(s, len))
			goto type;
		if (len > vi->max_len) {
			if (!high || !has_high(s, len) ||
			    !utf8_valid((const unsigned char *)s, len, &cps))
				cps = len;
			if (cps > vi->max_len)
				goto type;
		}
		/* Free text can carry any identifier; the first detector that fires
		 * names the rule (national numbers were looked for above). */
		_Static_assert(RULE_FULL_DATE - RULE_ENTERPRISE_NUMBER ==
		                   IDENT_FULL_DATE - IDENT_ENTERPRISE_NUMBER,
		               "extract rules follow the ident kinds");
		for (int k = IDENT_ENTERPRISE_NUMBER; k < IDENT_COUNT; k++)
			if (ident_find((enum ident_kind)k, s, len)) {
				rule = (enum extract_rule)(RULE_ENTERPRISE_NUMBER + k -
				                           IDENT_ENTERPRISE_NUMBER);
				goto fail;
			}
		return;
	default: /* K_UNCHECKED, K_NONE */
		return;
	}
date_fail:
	rule = day_precision(s, len) ? RULE_DAY_PRECISION_DATE : RULE_TYPE;
	goto fail;
type:
	rule = RULE_TYPE;
	goto fail;
range:
	rule = RULE_OUT_OF_RANGE;
fail:
	add_error(v, rule, line, field, c->name);
}

/* Encoding and national number only: cells of a row whose width is wrong. */
static void check_light(struct extract_validator *v, const struct csv_record *r, uint64_t line)
{
	uint32_t n = r->nfields < r->fields_cap ? r->nfields : r->fields_cap;
	for (uint32_t i = 0; i < n; i++) {
		const struct csv_field *f = &r->fields[i];
		const char *name = i < v->ncols ? v->cols[i].name : "";
		uint32_t cps;
		if (f->len == 0)
			continue;
		if (r->high && has_high(f->ptr, f->len) &&
		    !utf8_valid((const unsigned char *)f->ptr, f->len, &cps))
			add_error(v, RULE_ENCODING, line + f->line, i + 1, name);
		else if (f->len >= 11 && nn_find(f->ptr, f->len))
			add_error(v, RULE_NATIONAL_NUMBER, line + f->line, i + 1, name);
	}
}

/* ---- records ----------------------------------------------------------- */

/* Blank lines followed by a record are rows of the wrong width. */
static void flush_pending(struct extract_validator *v)
{
	for (uint64_t i = 0; i < v->pending_count; i++) {
		v->rows++;
		if (!v->no_header)
			add_error(v, RULE_ROW_WIDTH, v->pending_first + i, 0, "");
	}
	v->pending_count = 0;
}

static void process_record(struct extract_validator *v, const struct csv_record *r)
{
	uint64_t line = v->line;
	if (r->blank) {
		if (v->pending_count++ == 0)
			v->pending_first = line;
		return;
	}
	if (v->pending_count)
		flush_pending(v);
	v->rows++;
	if (v->no_header)
		return;
	if (r->nfields != v->ncols) {
		add_error(v, RULE_ROW_WIDTH, line, 0, "");
		check_light(v, r, line);
		return;
	}
	if (!v->terms_known) { /* no column rules: encoding and national number only */
		check_light(v, r, line);
		return;
	}
	struct column *cols = v->cols;
	const struct csv_field *f = r->fields;
	bool high = r->high;
	/* fields point into the input up to buf_end, unless some were unescaped */
	const char *end = r->unescaped ? NULL : v->buf_end;
	uint32_t n = r->nfields < r->fields_cap ? r->nfields : r->fields_cap;
	for (uint32_t i = 0; i < n; i++)
		check_cell(v, &cols[i], f[i].ptr, f[i].len, line + f[i].line, i + 1, high, end);
}

/* Parses and processes one record from p[0..n); returns the bytes consumed, 0
 * when the record is incomplete. */
static size_t take_record(struct extract_validator *v, const char *p, size_t n, bool eof)
{
	enum csv_status st;
	size_t used = csv_parse(v->delim, p, n, eof, &v->rec, &st);
	v->buf_end = p + n;
	switch (st) {
	case CSV_NEED_MORE:
		return 0;
	case CSV_RECORD:
		process_record(v, &v->rec);
		break;
	case CSV_MALFORMED: {
		if (v->pending_count)
			flush_pending(v);
		v->rows++;
		uint32_t f = v->rec.bad_field;
		add_error(v, RULE_MALFORMED_CSV, v->line + v->rec.bad_line, f + 1,
		          !v->no_header && f < v->ncols ? v->cols[f].name : "");
		break;
	}
	case CSV_TOO_LONG:
		if (v->pending_count)
			flush_pending(v);
		v->rows++;
		add_error(v, RULE_MALFORMED_CSV, v->line, 0, "");
		v->skipping = true;
		break;
	}
	v->line += v->rec.lines;
	return used;
}

/* ---- header (columns: extract_cols.c) ---------------------------------- */

static size_t bom_len(const struct extract_validator *v)
{
	return v->carry_len >= 3 && memcmp(v->carry, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

/* The header is gathered in the carry buffer until its line ends (or input
 * ends), then parsed; bytes after it are processed as data. */
static void header_process(struct extract_validator *v, bool eof)
{
	size_t off = bom_len(v);
	size_t n = v->carry_len - off;
	v->header_done = true;
	if (n == 0) {
		v->no_header = true;
		add_error(v, RULE_MALFORMED_CSV, 1, 0, "");
		v->carry_len = 0;
		return;
	}
	const char *p = v->carry + off;
	size_t le = csv_first_line_end(p, n);
	v->delim = csv_detect_delimiter(p, le ? le : n);
	v->decimal_comma = v->delim == ';';
	enum csv_status st;
	size_t used = csv_parse(v->delim, p, n, eof, &v->rec, &st);
	if (st == CSV_NEED_MORE) { /* cannot happen: the line has ended */
		used = n;
		v->rec.lines = 0;
	}
	if (st == CSV_RECORD && !v->rec.blank) {
		extract_priv_setup_columns(v, &v->rec);
	} else {
		v->no_header = true;
		if (st == CSV_MALFORMED)
			add_error(v, RULE_MALFORMED_CSV, 1 + v->rec.bad_line, v->rec.bad_field + 1,
			          "");
		else
			add_error(v, RULE_MALFORMED_CSV, 1, 0, "");
		if (st == CSV_TOO_LONG)
			v->skipping = true;
	}
	v->line = 1 + v->rec.lines;
	size_t rest = n - used;
	v->carry_len = 0;
	if (rest) {
		buffer_reserve(&v->tmp, &v->tmp_cap, rest);
		memcpy(v->tmp, p + used, rest);
		extract_priv_consume(v, v->tmp, rest);
	}
}

/* ---- stream ------------------------------------------------------------ */

/* Gathers header bytes (the carry buffer has room for a BOM on top of a
 * maximal record); returns how many of buf it took. */
static size_t header_gather(struct extract_validator *v, const char *buf, size_t len)
{
	size_t room = CARRY_SIZE - v->carry_len;
	size_t take = len < room ? len : room;
	size_t before = v->carry_len;
	buffer_reserve(&v->carry, &v->carry_cap, v->carry_len + take);
	memcpy(v->carry + v->carry_len, buf, take);
	v->carry_len += take;
	size_t off = bom_len(v);
	size_t limit = off + CSV_MAX_RECORD + 1;
	if (v->carry_len > limit) {
		take -= v->carry_len - limit;
		v->carry_len = limit;
	}
	/* Quote parity over the new bytes only (a BOM holds neither '"' nor LF). */
	for (size_t i = before; i < v->carry_len; i++) {
		char c = v->carry[i];
		if (c == '"') {
			v->hdr_quoted = !v->hdr_quoted;
		} else if (c == '\n' && !v->hdr_quoted) {
			/* Give back what follows the line: it is data, fed normally. */
			size_t back = v->carry_len - (i + 1);
			v->carry_len = i + 1;
			header_process(v, false);
			return take - back;
		}
	}
	if (v->carry_len == limit)
		header_process(v, false);
	return take;
}

void extract_priv_consume(struct extract_validator *v, const char *buf, size_t len)
{
	size_t pos = 0;
	while (pos < len) {
		if (!v->header_done) {
			pos += header_gather(v, buf + pos, len - pos);
			continue;
		}
		if (v->skipping) {
			const char *lf = memchr(buf + pos, '\n', len - pos);
			if (!lf)
				return;
			pos = (size_t)(lf - buf) + 1;
			v->line++;
			v->skipping = false;
			continue;
		}
		if (v->carry_len) {
			size_t room = CSV_MAX_RECORD + 1 - v->carry_len;
			size_t take = len - pos < room ? len - pos : room;
			bool ended;
			size_t k = csv_scan(&v->scan, buf + pos, take, &ended);
			buffer_reserve(&v->carry, &v->carry_cap, v->carry_len + k);
			memcpy(v->carry + v->carry_len, buf + pos, k);
			v->carry_len += k;
			pos += k;
			if (!ended && v->carry_len < CSV_MAX_RECORD + 1)
				continue;
			size_t used = take_record(v, v->carry, v->carry_len, false);
			size_t rest = v->carry_len - used;
			v->carry_len = 0;
			if (rest) { /* only after CSV_TOO_LONG: the last byte, in skip mode */
				buffer_reserve(&v->tmp, &v->tmp_cap, rest);
				memcpy(v->tmp, v->carry + used, rest);
				extract_priv_consume(v, v->tmp, rest);
			}
			continue;
		}
		while (pos < len && !v->skipping) {
			size_t used = take_record(v, buf + pos, len - pos, false);
			if (used == 0) {
				size_t rest = len - pos;
				buffer_reserve(&v->carry, &v->carry_cap, rest);
				memcpy(v->carry, buf + pos, rest);
				v->carry_len = rest;
				csv_scan_init(&v->scan, v->delim);
				bool ended;
				(void)csv_scan(&v->scan, v->carry, rest, &ended);
				pos = len;
				break;
			}
			pos += used;
		}
	}
}

void extract_feed(struct extract_validator *v, const char *buf, size_t len)
{
	if (len == 0)
		return;
	if (v->hashing)
		EVP_DigestUpdate(v->sha, buf, len);
	v->bytes += len;
	extract_priv_consume(v, buf, len);
}

void extract_priv_end_input(struct extract_validator *v)
{
	if (!v->header_done)
		header_process(v, true);
	if (v->carry_len && !v->skipping) {
		size_t n = v->carry_len;
		v->carry_len = 0;
		(void)take_record(v, v->carry, n, true);
	}
	v->carry_len = 0;
	v->pending_count = 0; /* trailing blank lines are ignored */
}

/* ---- construction (variables compiled in extract_cols.c) ---------------- */

struct extract_validator *extract_new(const struct terms_deliberation *d,
                                      const struct extract_params *p, struct err *e)
{
	if (!d || !p) {
		err_set(e, ERR_INVALID, "no deliberation or parameters to check against");
		return NULL;
	}
	struct extract_validator *v = mem_calloc(1, sizeof(*v));
	v->d = d;
	v->max_errors = p->max_errors ? p->max_errors : 100;
	v->check_month = p->date / 100;
	v->check_year = p->date / 10000;
	v->cap = -1;
	v->line = 1;
	v->delim = ',';
	snprintf(v->reference, sizeof(v->reference), "%s", d->reference ? d->reference : "");
	csv_record_init(&v->rec);
	v->persons = personset_new();
	v->sha = EVP_MD_CTX_new();
	if (!v->persons || !v->sha || !EVP_DigestInit_ex(v->sha, EVP_sha256(), NULL)) {
		err_set(e, ERR_INTERNAL, "out of memory");
		extract_free(v);
		return NULL;
	}
	v->hashing = true;

	bool not_authorised = false, outside = false, destination = false, unknown = false;
	const struct terms_version *ver = terms_version_at(d, p->date);
	if (!ver) {
		outside = true;
	} else {
		v->version = ver->number;
		if (!ver->on_record) {
			unknown = true;
		} else {
			const struct terms_body *b = &ver->body;
			const struct terms_group *g = terms_find_group(b, p->group);
			const struct terms_phase *ph = terms_find_phase(b, p->phase);
			if (!g) {
				err_set_field(e, ERR_INVALID, "group",
				              "group '%.64s' is not defined by the terms of %s "
				              "version %d",
				              p->group ? p->group : "", v->reference, ver->number);
				extract_free(v);
				return NULL;
			}
			if (!ph) {
				err_set_field(
				    e, ERR_INVALID, "phase",
				    "phase %d is not defined by the terms of %s version %d",
				    p->phase, v->reference, ver->number);
				extract_free(v);
				return NULL;
			}
			v->cap = terms_cap(g, p->phase);
			v->body = b;
			v->terms_known = true;
			not_authorised = !terms_has_recipient(b, p->recipient);
			outside = p->date > b->retention_until;
			destination = p->destination && !terms_phase_allows(ph, p->destination);
			if (!extract_priv_compile_vars(v, e)) {
				extract_free(v);
				return NULL;
			}
		}
	}
	if (not_authorised)
		add_error(v, RULE_NOT_AUTHORISED, 0, 0, "");
	if (outside)
		add_error(v, RULE_OUTSIDE_VALIDITY, 0, 0, "");
	if (destination)
		add_error(v, RULE_DESTINATION_NOT_ALLOWED, 0, 0, "");
	if (unknown)
		add_error(v, RULE_TERMS_UNKNOWN, 0, 0, "");
	return v;
}

/* ---- results ----------------------------------------------------------- */

void extract_priv_report(struct extract_validator *v, struct extract_report *r)
{
	memset(r, 0, sizeof(*r));
	r->rows = v->rows;
	r->persons = personset_count(v->persons);
	r->bytes = v->bytes;
	memcpy(r->error_counts, v->counts, sizeof(r->error_counts));
	bool any = false;
	for (int i = 0; i < RULE_COUNT; i++)
		any |= v->counts[i] != 0;
	r->passed = !any;
	if (v->hashing) {
		unsigned char md[32];
		unsigned int mdlen = 0;
		EVP_DigestFinal_ex(v->sha, md, &mdlen);
		v->hashing = false;
		hex_encode(md, sizeof(md), v->sha_hex);
	}
	memcpy(r->sha256, v->sha_hex, sizeof(r->sha256));
	r->nerrors = v->nerrors;
	r->errors = mem_calloc(v->nerrors, sizeof(*r->errors));
	if (v->nerrors)
		memcpy(r->errors, v->errors, v->nerrors * sizeof(*r->errors));
	r->version = v->version;
	snprintf(r->reference, sizeof(r->reference), "%s", v->reference);
	r->max_errors = v->max_errors;
	r->provisional = mem_calloc(v->ncols + 1, sizeof(*r->provisional));
	for (size_t i = 0; i < v->ncols; i++) {
		const struct varinfo *vi = v->cols[i].vi;
		if (vi == NULL || vi->var == NULL || !vi->var->provisional)
			continue;
		/* sorted insert, no duplicates (a duplicate column names its code twice) */
		size_t k = 0;
		while (k < r->nprovisional && strcmp(r->provisional[k], vi->var->code) < 0)
			k++;
		if (k < r->nprovisional && strcmp(r->provisional[k], vi->var->code) == 0)
			continue;
		memmove(r->provisional + k + 1, r->provisional + k,
		        (r->nprovisional - k) * sizeof(*r->provisional));
		r->provisional[k] = vi->var->code;
		r->nprovisional++;
	}
}

void extract_finish(struct extract_validator *v, struct extract_report *r)
{
	extract_priv_end_input(v);
	extract_priv_report(v, r);
}

void extract_free(struct extract_validator *v)
{
	if (!v)
		return;
	if (v->cols)
		for (size_t i = 0; i < v->ncols; i++)
			free(v->cols[i].memo);
	free(v->cols);
	if (v->owns_vars) {
		for (size_t i = 0; i < v->nvars; i++) {
			codeset_free(v->vars[i].list);
			pattern_free(v->vars[i].pat);
		}
		free(v->vars);
	}
	free(v->carry);
	free(v->tmp);
	csv_record_free(&v->rec);
	free(v->errors);
	personset_free(v->persons);
	EVP_MD_CTX_free(v->sha);
	free(v);
}

bool extract_next_person(struct extract_validator *v, size_t *cursor, uint64_t *person)
{
	return personset_next(v->persons, cursor, person);
}

/* ---- helpers for extract_par.c ----------------------------------------- */

struct extract_validator *extract_priv_clone(const struct extract_validator *v)
{
	struct extract_validator *c = mem_calloc(1, sizeof(*c));
	c->d = v->d;
	c->terms_known = v->terms_known;
	c->body = v->body;
	c->vars = v->vars;
	c->nvars = v->nvars;
	c->owns_vars = false;
	c->check_month = v->check_month;
	c->check_year = v->check_year;
	c->version = v->version;
	memcpy(c->reference, v->reference, sizeof(c->reference));
	c->delim = v->delim;
	c->decimal_comma = v->decimal_comma;
	c->header_done = true;
	c->no_header = v->no_header;
	c->ncols = v->ncols;
	c->cols = mem_calloc(v->ncols, sizeof(*c->cols));
	for (size_t i = 0; i < v->ncols; i++) {
		c->cols[i] = v->cols[i];
		c->cols[i].memo = v->cols[i].memo ? mem_calloc(1, sizeof(struct memo)) : NULL;
	}
	csv_record_init(&c->rec);
	c->line = 1;
	c->max_errors = v->max_errors;
	c->persons = personset_new();
	if (!c->persons) {
		fputs("deliberd: out of memory in the validator\n", stderr);
		abort();
	}
	c->cap = -1; /* the cap is decided when segments are joined */
	return c;
}

bool extract_priv_at_boundary(const struct extract_validator *v)
{
	return v->header_done && v->carry_len == 0 && !v->skipping;
}

bool extract_priv_header_ok(const struct extract_validator *v, char *delim)
{
	*delim = v->delim;
	return v->header_done && !v->no_header;
}

void extract_priv_set_hash(struct extract_validator *v, bool hashing, const char *hex)
{
	v->hashing = hashing;
	if (hex)
		snprintf(v->sha_hex, sizeof(v->sha_hex), "%s", hex);
}

void extract_priv_add_bytes(struct extract_validator *v, uint64_t n)
{
	v->bytes += n;
}

bool extract_priv_absorb(struct extract_validator *a, struct extract_validator *b)
{
	if (a->cap >= 0 && !a->cap_reported) {
		size_t cursor = 0, fresh = 0;
		uint64_t id;
		while (personset_next(b->persons, &cursor, &id))
			fresh += !personset_contains(a->persons, id);
		if ((int64_t)(personset_count(a->persons) + fresh) > a->cap)
			return false;
	}
	if (a->pending_count)
		flush_pending(a);
	uint64_t off = a->line - 1;
	for (size_t i = 0; i < b->nerrors; i++) {
		const struct extract_error *x = &b->errors[i];
		store_error(a, x->rule, x->line + off, x->field, x->column);
	}
	for (int i = 0; i < RULE_COUNT; i++)
		a->counts[i] += b->counts[i];
	a->rows += b->rows;
	if (!personset_merge(a->persons, b->persons)) {
		fputs("deliberd: out of memory in the validator\n", stderr);
		abort();
	}
	a->line += b->line - 1;
	a->pending_first = b->pending_first + off;
	a->pending_count = b->pending_count;
	a->bytes += b->bytes;
	return true;
}
