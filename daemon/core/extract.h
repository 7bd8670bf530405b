/*
 * extract: the streaming validator.  Compiled once from the terms in force and the
 * check parameters, fed an extract in chunks of any size (the same report for every
 * split), it tokenizes the CSV, checks every column and cell against the terms and
 * produces a report of rule ids, lines and columns: never a cell value.
 * Pure core: no SQL, no HTTP, no logging of data.
 */
#ifndef DELIBERD_EXTRACT_H
#define DELIBERD_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "terms.h"

/* Rule ids of the contract, in the contract's order, then the identifier
 * detectors of issue 12 (docs/validation.md). */
enum extract_rule {
	RULE_ENCODING,
	RULE_MALFORMED_CSV,
	RULE_ROW_WIDTH,
	RULE_UNKNOWN_COLUMN,
	RULE_DUPLICATE_COLUMN,
	RULE_MISSING_REQUIRED,
	RULE_TYPE,
	RULE_DAY_PRECISION_DATE,
	RULE_UNCLASSED_AMOUNT,
	RULE_NOT_IN_CODE_LIST,
	RULE_OUT_OF_RANGE,
	RULE_NATIONAL_NUMBER,
	RULE_SAMPLE_CAP,
	RULE_NOT_AUTHORISED,
	RULE_OUTSIDE_VALIDITY,
	RULE_DESTINATION_NOT_ALLOWED,
	RULE_TERMS_UNKNOWN,
	/* identifier detectors beyond national numbers (ident.h), on free-text cells */
	RULE_ENTERPRISE_NUMBER,
	RULE_IBAN,
	RULE_EMAIL_ADDRESS,
	RULE_PHONE_NUMBER,
	RULE_FULL_DATE,
	RULE_COUNT
};

const char *extract_rule_name(enum extract_rule r);

/* What the delivery asks for. */
struct extract_params {
	const char *recipient;
	const char *group;
	int phase;
	const char *destination; /* NULL: not checked */
	int32_t date;            /* YYYYMMDD, the delivery date */
	size_t max_errors;       /* examples kept in the report; 0: default 100 */
};

struct extract_error {
	enum extract_rule rule;
	uint64_t line;   /* 1-based physical line; 0 for check-level rules */
	uint32_t field;  /* 1-based field index; 0 when not about one field */
	char column[64]; /* header name of that field when known, else "" */
};

struct extract_report {
	bool passed;
	uint64_t rows;    /* data rows, header excluded */
	uint64_t persons; /* distinct person_ids */
	char sha256[65];  /* hex, of the bytes exactly as fed */
	uint64_t bytes;
	uint64_t error_counts[RULE_COUNT]; /* exact, even when examples are capped */
	struct extract_error *errors;      /* first max_errors, in file order */
	size_t nerrors;
	int version; /* terms version used, 0 if none in force */
	char reference[32];
	size_t max_errors; /* the examples cap the report was built with */
	/* Codes of the extract's columns whose list or pattern is provisional (a
	 * stand-in for the official nomenclature), sorted; they point into the terms,
	 * which outlive the report. */
	const char **provisional;
	size_t nprovisional;
};

struct extract_validator;

/* Builds a validator; the deliberation must outlive it.  Check-level rules
 * (not_authorised, outside_validity, destination_not_allowed, terms_unknown) are
 * decided here and reported by extract_finish. */
struct extract_validator *extract_new(const struct terms_deliberation *d,
                                      const struct extract_params *p, struct err *e)
    __attribute__((warn_unused_result));
void extract_feed(struct extract_validator *v, const char *buf, size_t len);
/* Ends the input and fills *r (caller frees with extract_report_free). */
void extract_finish(struct extract_validator *v, struct extract_report *r);
void extract_free(struct extract_validator *v);
void extract_report_free(struct extract_report *r);
/* Adds a violation found outside the stream (the registry's cross-delivery cap),
 * keeping counts exact and examples capped and ordered. */
void extract_report_add(struct extract_report *r, enum extract_rule rule, uint64_t line,
                        uint32_t field, const char *column);

/* The distinct person_ids seen, for the registry's cross-delivery cap (iterate
 * after extract_finish; returns false when done). */
bool extract_next_person(struct extract_validator *v, size_t *cursor, uint64_t *person);

/* Validates a whole extract held in memory (e.g. a mapped file) on up to
 * nthreads threads: SHA-256 on one, the records on the others, in segments split
 * at record boundaries that a quote-aware scan proves safe (otherwise, or for
 * small inputs, in one stream).  The report is identical to feeding buf to
 * extract_feed in any chunks.  progress, if not NULL, is called from the calling
 * thread about ten times a second.  Returns the validator (for
 * extract_next_person; free it with extract_free) and fills *r, or NULL with e
 * set, as extract_new. */
struct extract_validator *
extract_run_buffer(const struct terms_deliberation *d, const struct extract_params *p,
                   const char *buf, size_t len, int nthreads,
                   void (*progress)(void *arg, uint64_t done, uint64_t total), void *arg,
                   struct extract_report *r, struct err *e) __attribute__((warn_unused_result));

/* Where extract_run_reader reads an extract of len bytes. */
struct extract_reader {
	uint64_t len;
	/* The n bytes at off (n <= 4 MiB): a pointer into the source itself, or copied
	 * into scratch (n bytes, when copies is set); NULL with e set when they cannot be
	 * read.  Called from several threads at once. */
	const char *(*at)(void *arg, uint64_t off, size_t n, char *scratch, struct err *e);
	void *arg;
	bool copies;
};

/* extract_run_buffer over a reader (a staged file, a body in pieces): the same
 * report.  NULL with e set when a read fails or as extract_new. */
struct extract_validator *extract_run_reader(const struct terms_deliberation *d,
                                             const struct extract_params *p,
                                             const struct extract_reader *rd, int nthreads,
                                             struct extract_report *r, struct err *e)
    __attribute__((warn_unused_result));

/* Reads up to size bytes into buf: *n == 0 at the end; false with e set on an error. */
typedef bool (*extract_read_fn)(void *arg, char *buf, size_t size, size_t *n, struct err *e);

/* Validates an extract read from a stream (a pipe, stdin): the SHA-256 on a thread of
 * its own, overlapped with validation, in 3 buffers of 4 MiB (flat memory).  The same
 * report as extract_feed.  NULL with e set when a read fails or as extract_new. */
struct extract_validator *extract_run_stream(const struct terms_deliberation *d,
                                             const struct extract_params *p, extract_read_fn rd,
                                             void *arg, struct extract_report *r, struct err *e)
    __attribute__((warn_unused_result));

#endif
