/*
 * csv: a streaming RFC 4180 tokenizer for extracts.  It works one record at a
 * time on bytes the caller holds: csv_parse() splits a complete record in place
 * (fields point into the input; only a quoted field holding a doubled quote is
 * copied, unescaped, into the record's scratch space), or says it needs more
 * bytes.  csv_scan() is the same state machine reduced to finding where a
 * record ends, resumable byte by byte, so that a caller holding a partial record
 * can extend it without rescanning.  The two always agree on record ends.
 *
 * Dialect: one delimiter byte (',' ';' or TAB, see csv_detect_delimiter); a field
 * starting with '"' is quoted and may hold delimiters, newlines and doubled
 * quotes; records end at LF, a CR just before it is dropped.  Malformed quoting (a
 * quote inside an unquoted field, a byte other than delimiter/newline after a
 * closing quote, a quote still open at end of input) makes the record end at the
 * next LF (resynchronisation).  A record may hold at most CSV_MAX_RECORD bytes
 * before its terminating LF.
 */
#ifndef DELIBERD_CSV_H
#define DELIBERD_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CSV_MAX_RECORD (1024 * 1024)
/* Fields stored per record; wider records are counted but not stored beyond. */
#define CSV_MAX_FIELDS 65536

struct csv_field {
	const char *ptr; /* value bytes: quotes removed, doubled quotes undone */
	uint32_t len;
	uint32_t line; /* newlines of the record before this field starts */
};

enum csv_status {
	CSV_NEED_MORE, /* no complete record yet: call again with more bytes */
	CSV_RECORD,    /* a well-formed record */
	CSV_MALFORMED, /* broken quoting: bad_field/bad_line say where */
	CSV_TOO_LONG,  /* not terminated within CSV_MAX_RECORD bytes */
};

struct csv_record {
	struct csv_field *fields; /* the first min(nfields, CSV_MAX_FIELDS) fields */
	uint32_t fields_cap;
	uint32_t nfields;   /* fields in the record (all of them) */
	uint32_t lines;     /* newlines consumed, terminator included */
	bool high;          /* some byte >= 0x80 in the record */
	bool blank;         /* nothing before the terminator but an optional CR */
	bool unescaped;     /* some field points into scratch, not into the input */
	uint32_t bad_field; /* CSV_MALFORMED: 0-based index of the offending field */
	uint32_t bad_line;  /* CSV_MALFORMED: newlines before that field starts */
	char *scratch;
	size_t scratch_cap;
};

void csv_record_init(struct csv_record *r);
void csv_record_free(struct csv_record *r);

/* Parses the record at the start of p[0..n).  Returns the bytes it consumed and
 * sets *st.  CSV_NEED_MORE consumes nothing (unless eof, where the end of input
 * ends the record).  CSV_MALFORMED consumes up to and including the next LF (all
 * of the input at eof).  CSV_TOO_LONG consumes exactly CSV_MAX_RECORD bytes, sets
 * lines to the newlines among them, and the caller must skip to the next LF.
 * Fields stay valid until the next call with the same record and the input. */
size_t csv_parse(char delim, const char *p, size_t n, bool eof, struct csv_record *r,
                 enum csv_status *st);

/* The resumable record-end finder. */
struct csv_scanner {
	char delim;
	uint8_t state;
	uint64_t bytes; /* bytes of the record scanned so far */
};
void csv_scan_init(struct csv_scanner *s, char delim);
/* Scans p[0..n) as the continuation of the record; returns the bytes up to and
 * including the record's terminating LF and sets *ended, or returns n with
 * *ended false when the record goes on. */
size_t csv_scan(struct csv_scanner *s, const char *p, size_t n, bool *ended);

/* The delimiter of a header line p[0..n) (up to its LF or all of it): the most
 * frequent of ',' ';' TAB outside double quotes, ',' on a tie or when none. */
char csv_detect_delimiter(const char *p, size_t n);
/* Where the first line ends counting quotes by parity: index just past the LF,
 * or 0 if p[0..n) has no such LF.  A record parsed from there never ends later. */
size_t csv_first_line_end(const char *p, size_t n);

#endif
