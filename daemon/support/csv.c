/*
 * csv: the streaming RFC 4180 tokenizer (see csv.h for the dialect).  The common
 * record (no quote) is split in one SSE2 pass that finds delimiters, the
 * terminating LF and any byte >= 0x80 together; a quote switches to a byte-wise
 * state machine from the field holding it.  csv_scan() is that state machine alone.
 */
#include "csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

enum {
	S_FIELD_START,
	S_UNQUOTED,
	S_QUOTED,
	S_QUOTE_SEEN,
	S_CR_AFTER_QUOTE,
	S_RESYNC,
};

void csv_record_init(struct csv_record *r)
{
	memset(r, 0, sizeof(*r));
}

void csv_record_free(struct csv_record *r)
{
	free(r->fields);
	free(r->scratch);
	memset(r, 0, sizeof(*r));
}

/* Out of memory in the tokenizer cannot be reported through a record: stop. */
static void csv_oom(void)
{
	fputs("deliberd: out of memory in the CSV tokenizer\n", stderr);
	abort();
}

static void grow_fields(struct csv_record *r)
{
	uint32_t cap = r->fields_cap ? r->fields_cap * 2 : 256;
	if (cap > CSV_MAX_FIELDS)
		cap = CSV_MAX_FIELDS;
	struct csv_field *f = realloc(r->fields, (size_t)cap * sizeof(*f));
	if (!f)
		csv_oom();
	r->fields = f;
	r->fields_cap = cap;
}

static inline void push(struct csv_record *r, const char *ptr, size_t len, uint32_t line)
{
	if (r->nfields >= r->fields_cap && r->fields_cap < CSV_MAX_FIELDS)
		grow_fields(r);
	if (r->nfields < r->fields_cap) {
		struct csv_field *f = &r->fields[r->nfields];
		f->ptr = ptr;
		f->len = (uint32_t)len;
		f->line = line;
	}
	r->nfields++;
}

static void grow_scratch(struct csv_record *r, size_t need)
{
	size_t cap = r->scratch_cap ? r->scratch_cap : 4096;
	while (cap < need)
		cap *= 2;
	char *s = realloc(r->scratch, cap);
	if (!s)
		csv_oom();
	r->scratch = s;
	r->scratch_cap = cap;
}

static uint32_t count_lf(const char *p, size_t n)
{
	uint32_t k = 0;
	const char *end = p + n;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		k++;
		p++;
	}
	return k;
}

static unsigned high_bits(const char *p, size_t n)
{
	unsigned h = 0;
	for (size_t i = 0; i < n; i++)
		h |= (unsigned char)p[i];
	return h & 0x80;
}

static size_t too_long(const char *p, struct csv_record *r, enum csv_status *st)
{
	r->lines = count_lf(p, CSV_MAX_RECORD);
	*st = CSV_TOO_LONG;
	return CSV_MAX_RECORD;
}

/* Slow path, from the start of field i (fields before it already pushed):
 * quotes are interpreted here. */
static size_t parse_slow(char delim, const char *p, size_t n, size_t limit, bool eof, size_t i,
                         unsigned hi, struct csv_record *r, enum csv_status *st)
{
	uint32_t lines = 0;
	size_t used = 0; /* scratch bytes used by earlier fields */
	size_t resync_at;

	for (;;) {
		uint32_t fline = lines;
		if (i < limit && p[i] == '"') {
			size_t j = i + 1, seg = j;
			char *out = NULL;
			size_t olen = 0;
			for (;;) {
				const char *q = memchr(p + j, '"', limit - j);
				if (!q) {
					if (n > CSV_MAX_RECORD)
						return too_long(p, r, st);
					if (!eof) {
						*st = CSV_NEED_MORE;
						return 0;
					}
					r->bad_field = r->nfields;
					r->bad_line = fline;
					r->lines = lines + count_lf(p + j, limit - j);
					r->high = true;
					*st = CSV_MALFORMED;
					return n;
				}
				size_t k = (size_t)(q - p);
				lines += count_lf(p + j, k - j);
				hi |= high_bits(p + j, k - j);
				if (k + 1 >= limit) {
					if (n > CSV_MAX_RECORD)
						return too_long(p, r, st);
					if (!eof) {
						*st = CSV_NEED_MORE;
						return 0;
					}
				}
				char c = k + 1 < limit ? p[k + 1] : '\n';
				if (c == '"') {
					if (!out) {
						/* Room for the rest of the record, once, before
						 * anything of this record is in scratch. */
						if (!r->unescaped && r->scratch_cap < limit)
							grow_scratch(r, limit);
						out = r->scratch + used;
						olen = 0;
						r->unescaped = true;
					}
					memcpy(out + olen, p + seg, k + 1 - seg);
					olen += k + 1 - seg;
					seg = j = k + 2;
					continue;
				}
				if (out) {
					memcpy(out + olen, p + seg, k - seg);
					olen += k - seg;
					used += olen;
					push(r, out, olen, fline);
				} else {
					push(r, p + i + 1, k - i - 1, fline);
				}
				if (k + 1 >= limit) { /* closing quote at end of input */
					r->lines = lines;
					r->high = hi != 0;
					*st = CSV_RECORD;
					return n;
				}
				if (c == delim) {
					i = k + 2;
					break;
				}
				if (c == '\n') {
					r->lines = lines + 1;
					r->high = hi != 0;
					*st = CSV_RECORD;
					return k + 2;
				}
				if (c == '\r') {
					if (k + 2 >= limit) {
						if (n > CSV_MAX_RECORD)
							return too_long(p, r, st);
						if (!eof) {
							*st = CSV_NEED_MORE;
							return 0;
						}
						r->lines = lines;
						r->high = hi != 0;
						*st = CSV_RECORD;
						return n;
					}
					if (p[k + 2] == '\n') {
						r->lines = lines + 1;
						r->high = hi != 0;
						*st = CSV_RECORD;
						return k + 3;
					}
				}
				r->bad_field = r->nfields - 1;
				r->bad_line = fline;
				resync_at = k + 1;
				goto resync;
			}
			continue;
		}
		size_t k = i;
		while (k < limit) {
			unsigned char c = (unsigned char)p[k];
			if (c == (unsigned char)delim || c == '\n' || c == '"')
				break;
			hi |= c;
			k++;
		}
		if (k < limit && p[k] == '"') {
			r->bad_field = r->nfields;
			r->bad_line = fline;
			resync_at = k;
			goto resync;
		}
		if (k < limit && p[k] == delim) {
			push(r, p + i, k - i, fline);
			i = k + 1;
			continue;
		}
		if (k == limit) {
			if (n > CSV_MAX_RECORD)
				return too_long(p, r, st);
			if (!eof) {
				*st = CSV_NEED_MORE;
				return 0;
			}
		}
		size_t end = k;
		if (end > i && p[end - 1] == '\r')
			end--;
		push(r, p + i, end - i, fline);
		r->lines = lines + (k < limit);
		r->high = (hi & 0x80) != 0;
		*st = CSV_RECORD;
		return k < limit ? k + 1 : n;
	}
resync : {
	const char *lf = memchr(p + resync_at, '\n', limit - resync_at);
	if (lf) {
		r->lines = lines + 1;
		r->high = true; /* not examined: callers skip malformed records */
		*st = CSV_MALFORMED;
		return (size_t)(lf - p) + 1;
	}
	if (n > CSV_MAX_RECORD)
		return too_long(p, r, st);
	if (!eof) {
		*st = CSV_NEED_MORE;
		return 0;
	}
	r->lines = lines;
	*st = CSV_MALFORMED;
	return n;
}
}

/* Pushes the fields ending at the delimiters of one block (mask bits). */
static inline void push_delims(struct csv_record *r, const char *p, size_t base, uint32_t mask,
                               size_t *fstart)
{
	if (r->nfields + 32 <= r->fields_cap) {
		struct csv_field *f = r->fields + r->nfields;
		r->nfields += (uint32_t)__builtin_popcount(mask);
		while (mask) {
			size_t pos = base + (size_t)__builtin_ctz(mask);
			f->ptr = p + *fstart;
			f->len = (uint32_t)(pos - *fstart);
			f->line = 0;
			f++;
			*fstart = pos + 1;
			mask &= mask - 1;
		}
		return;
	}
	while (mask) {
		size_t pos = base + (size_t)__builtin_ctz(mask);
		push(r, p + *fstart, pos - *fstart, 0);
		*fstart = pos + 1;
		mask &= mask - 1;
	}
}

#ifdef __SSE2__
/* Splits unquoted fields of p[i..limit) 16 bytes at a time until the first quote
 * or LF, or until less than a block remains; returns where it stopped. */
static size_t scan_sse2(char delim, const char *p, size_t i, size_t limit, struct csv_record *r,
                        size_t *fstart, unsigned *hi)
{
	const __m128i vd = _mm_set1_epi8(delim);
	const __m128i vq = _mm_set1_epi8('"');
	const __m128i vl = _mm_set1_epi8('\n');
	while (i + 16 <= limit) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		uint32_t md = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vd));
		uint32_t ms = (uint32_t)_mm_movemask_epi8(
		    _mm_or_si128(_mm_cmpeq_epi8(x, vq), _mm_cmpeq_epi8(x, vl)));
		uint32_t mh = (uint32_t)_mm_movemask_epi8(x);
		if (ms) {
			uint32_t stop = (uint32_t)__builtin_ctz(ms);
			uint32_t below = (1u << stop) - 1;
			push_delims(r, p, i, md & below, fstart);
			*hi |= (mh & below) ? 0x80 : 0;
			return i + stop;
		}
		push_delims(r, p, i, md, fstart);
		*hi |= mh ? 0x80 : 0;
		i += 16;
	}
	return i;
}
#endif

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_SCAN 1
/* The same, 32 bytes at a time (chosen at run time on CPUs with AVX2). */
__attribute__((target("avx2"))) static size_t scan_avx2(char delim, const char *p, size_t i,
                                                        size_t limit, struct csv_record *r,
                                                        size_t *fstart, unsigned *hi)
{
	const __m256i vd = _mm256_set1_epi8(delim);
	const __m256i vq = _mm256_set1_epi8('"');
	const __m256i vl = _mm256_set1_epi8('\n');
	while (i + 32 <= limit) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
		uint32_t md = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, vd));
		uint32_t ms = (uint32_t)_mm256_movemask_epi8(
		    _mm256_or_si256(_mm256_cmpeq_epi8(x, vq), _mm256_cmpeq_epi8(x, vl)));
		uint32_t mh = (uint32_t)_mm256_movemask_epi8(x);
		if (ms) {
			uint32_t stop = (uint32_t)__builtin_ctz(ms);
			uint32_t below = stop == 32 ? ~0u : (1u << stop) - 1;
			push_delims(r, p, i, md & below, fstart);
			*hi |= (mh & below) ? 0x80 : 0;
			return i + stop;
		}
		push_delims(r, p, i, md, fstart);
		*hi |= mh ? 0x80 : 0;
		i += 32;
	}
	return i;
}
#endif

size_t csv_parse(char delim, const char *p, size_t n, bool eof, struct csv_record *r,
                 enum csv_status *st)
{
	size_t limit = n < CSV_MAX_RECORD + 1 ? n : CSV_MAX_RECORD + 1;
	size_t i = 0, fstart = 0;
	unsigned hi = 0;

	r->nfields = 0;
	r->lines = 0;
	r->high = false;
	r->blank = false;
	r->unescaped = false;
	r->bad_field = 0;
	r->bad_line = 0;
#ifdef HAVE_AVX2_SCAN
	if (__builtin_cpu_supports("avx2"))
		i = scan_avx2(delim, p, i, limit, r, &fstart, &hi);
#endif
#ifdef __SSE2__
	i = scan_sse2(delim, p, i, limit, r, &fstart, &hi);
#endif
	for (; i < limit; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == (unsigned char)delim) {
			push(r, p + fstart, i - fstart, 0);
			fstart = i + 1;
		} else if (c == '"' || c == '\n') {
			break;
		} else {
			hi |= c;
		}
	}
	if (i < limit && p[i] == '\n') {
		size_t end = i;
		if (end > fstart && p[end - 1] == '\r')
			end--;
		r->blank = end == 0;
		push(r, p + fstart, end - fstart, 0);
		r->lines = 1;
		r->high = (hi & 0x80) != 0;
		*st = CSV_RECORD;
		return i + 1;
	}
	if (i < limit) /* a quote */
		return parse_slow(delim, p, n, limit, eof, fstart, hi, r, st);
	if (n > CSV_MAX_RECORD)
		return too_long(p, r, st);
	if (!eof) {
		*st = CSV_NEED_MORE;
		return 0;
	}
	size_t end = n;
	if (end > fstart && p[end - 1] == '\r')
		end--;
	r->blank = end == 0;
	push(r, p + fstart, end - fstart, 0);
	r->high = (hi & 0x80) != 0;
	*st = CSV_RECORD;
	return n;
}

void csv_scan_init(struct csv_scanner *s, char delim)
{
	s->delim = delim;
	s->state = S_FIELD_START;
	s->bytes = 0;
}

size_t csv_scan(struct csv_scanner *s, const char *p, size_t n, bool *ended)
{
	uint8_t state = s->state;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		switch (state) {
		case S_FIELD_START:
			if (c == '"')
				state = S_QUOTED;
			else if (c == '\n')
				goto end;
			else if (c != s->delim)
				state = S_UNQUOTED;
			break;
		case S_UNQUOTED:
			if (c == s->delim)
				state = S_FIELD_START;
			else if (c == '\n')
				goto end;
			else if (c == '"')
				state = S_RESYNC;
			break;
		case S_QUOTED: {
			const char *q = memchr(p + i, '"', n - i);
			if (!q) {
				i = n - 1;
				break;
			}
			i = (size_t)(q - p);
			state = S_QUOTE_SEEN;
			break;
		}
		case S_QUOTE_SEEN:
			if (c == '"')
				state = S_QUOTED;
			else if (c == s->delim)
				state = S_FIELD_START;
			else if (c == '\n')
				goto end;
			else if (c == '\r')
				state = S_CR_AFTER_QUOTE;
			else
				state = S_RESYNC;
			break;
		case S_CR_AFTER_QUOTE:
			if (c == '\n')
				goto end;
			state = S_RESYNC;
			break;
		default: { /* S_RESYNC */
			const char *lf = memchr(p + i, '\n', n - i);
			if (!lf) {
				i = n - 1;
				break;
			}
			i = (size_t)(lf - p);
			goto end;
		}
		}
		continue;
	end:
		s->state = S_FIELD_START;
		s->bytes = 0;
		*ended = true;
		return i + 1;
	}
	s->state = state;
	s->bytes += n;
	*ended = false;
	return n;
}

char csv_detect_delimiter(const char *p, size_t n)
{
	size_t comma = 0, semi = 0, tab = 0;
	bool quoted = false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '"')
			quoted = !quoted;
		else if (quoted)
			continue;
		else if (c == '\n')
			break;
		else if (c == ',')
			comma++;
		else if (c == ';')
			semi++;
		else if (c == '\t')
			tab++;
	}
	if (comma >= semi && comma >= tab)
		return ',';
	return semi >= tab ? ';' : '\t';
}

size_t csv_first_line_end(const char *p, size_t n)
{
	bool quoted = false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"')
			quoted = !quoted;
		else if (p[i] == '\n' && !quoted)
			return i + 1;
	}
	return 0;
}
