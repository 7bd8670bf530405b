/*
 * extract_priv: the validator's internals shared by extract.c (the stream and
 * the cell checks), extract_cols.c (compiled variables and the header's column
 * table) and extract_par.c (the multi-threaded runner, which runs segments of one
 * extract on separate validators and joins them exactly).  Not for other modules.
 */
#ifndef DELIBERD_EXTRACT_PRIV_H
#define DELIBERD_EXTRACT_PRIV_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "codeset.h"
#include "csv.h"
#include "extract.h"

/* A partial record, or the header with a BOM before it. */
#define CARRY_SIZE (CSV_MAX_RECORD + 4)

/* Direct-mapped memo of short values a pattern accepted. */
#define MEMO_BITS 10
#define MEMO_SLOTS (1u << MEMO_BITS)
struct memo {
	uint64_t a[MEMO_SLOTS], b[MEMO_SLOTS];
	uint32_t len[MEMO_SLOTS]; /* 0: empty (the empty value is never looked up) */
};

/* ---- compiled terms ---------------------------------------------------- */

enum kind {
	K_NONE,      /* no terms known: no cell check at all */
	K_UNCHECKED, /* unknown or duplicate column: encoding and national number only */
	K_PSEUDONYM,
	K_PERIOD,
	K_YEAR_MONTH,
	K_YEAR,
	K_INT,
	K_DECIMAL,
	K_YES_NO,
	K_LIST, /* class, code */
	K_AMOUNT_CLASS,
	K_TEXT,
};

struct varinfo {
	const struct terms_variable *var;
	uint8_t kind;
	struct codeset *list;
	bool list_fast; /* the list's perfect hash may be used before other checks */
	struct pattern *pat;
	bool has_min, has_max;
	double min, max;
	int32_t min_month;
	bool not_future;
	uint32_t max_len;
};

struct column {
	uint8_t kind;
	bool required;
	bool person;
	/* the list's perfect hash, copied here so that a lookup needs no pointer
	 * chasing (perfect.ph NULL: none, or not usable before other checks) */
	struct codeset_perfect perfect;
	const struct varinfo *vi;
	struct memo *memo;
	char name[64];
};

struct extract_validator {
	const struct terms_deliberation *d;
	bool terms_known;
	const struct terms_body *body;
	struct varinfo *vars;
	size_t nvars;
	bool owns_vars;
	int32_t check_month; /* YYYYMM of the check date */
	int32_t check_year;
	int version;
	char reference[32];

	/* dialect and header */
	char delim;
	bool decimal_comma;
	bool header_done;
	bool no_header;
	bool hdr_quoted; /* quote parity of the header bytes gathered so far */
	struct column *cols;
	size_t ncols;

	/* stream */
	char *carry; /* grows as needed up to CARRY_SIZE */
	size_t carry_len, carry_cap;
	char *tmp; /* leftovers of the header buffer, re-fed as a chunk */
	size_t tmp_cap;
	struct csv_scanner scan;
	bool skipping;
	uint64_t line; /* physical line on which the next record starts */
	struct csv_record rec;
	const char *buf_end;                   /* end of the buffer the current record lies in */
	uint64_t pending_first, pending_count; /* blank lines not yet known to be trailing */

	/* results */
	uint64_t rows;
	uint64_t counts[RULE_COUNT];
	struct extract_error *errors;
	size_t nerrors, errors_cap, max_errors;
	struct personset *persons;
	int64_t cap;
	bool cap_reported;

	EVP_MD_CTX *sha;
	bool hashing;
	char sha_hex[65]; /* set by extract_par when hashing elsewhere */
	uint64_t bytes;
};

/* Any byte >= 0x80?  Only then does a cell need the UTF-8 check. */
static inline bool has_high(const char *s, size_t len)
{
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080ull)
			return true;
	}
	for (; i < len; i++)
		if (s[i] & 0x80)
			return true;
	return false;
}

/* Counts an error and keeps it as an example while there is room. */
void extract_priv_add_error(struct extract_validator *v, enum extract_rule rule, uint64_t line,
                            uint32_t field, const char *column);
/* Compiles each variable of v->body once (lists, patterns, bounds). */
bool extract_priv_compile_vars(struct extract_validator *v, struct err *e)
    __attribute__((warn_unused_result));
/* Builds the column table from the header record and reports header errors. */
void extract_priv_setup_columns(struct extract_validator *v, const struct csv_record *r);

/* Feeds bytes without hashing or counting them. */
void extract_priv_consume(struct extract_validator *v, const char *buf, size_t len);
/* Ends the input: last record without LF, trailing blank lines dropped. */
void extract_priv_end_input(struct extract_validator *v);
/* Builds the report from the state (extract_finish without ending input). */
void extract_priv_report(struct extract_validator *v, struct extract_report *r);
/* A validator for a later segment: same terms and header, fresh results, line 1
 * at the segment start, no cap, no hashing.  v must have read its header. */
struct extract_validator *extract_priv_clone(const struct extract_validator *v);
/* Between two records (nothing carried, not skipping)? */
bool extract_priv_at_boundary(const struct extract_validator *v);
/* Header read and usable? Sets the delimiter. */
bool extract_priv_header_ok(const struct extract_validator *v, char *delim);
/* Hash in the validator, or take the hex digest computed elsewhere. */
void extract_priv_set_hash(struct extract_validator *v, bool hashing, const char *hex);
void extract_priv_add_bytes(struct extract_validator *v, uint64_t n);
/* Appends segment b (which starts with a non-blank record right where a stopped)
 * to a.  Returns false, changing nothing, when the sample cap would be crossed
 * inside b: then b's bytes must be fed to a instead. */
bool extract_priv_absorb(struct extract_validator *a, struct extract_validator *b);

#endif
