/*
 * terms: the in-memory model of a deliberation and its versions, read from a
 * deliberation file (libconfig, docs/deliberation-format.md) or rebuilt from the
 * registry.  Pure core: no SQL, no HTTP.  A model is immutable once built; the
 * validator and the registry only read it.
 *
 * Dates are calendar dates in Europe/Brussels, held as integers YYYYMMDD so that
 * they compare with < and >.
 */
#ifndef DELIBERD_TERMS_H
#define DELIBERD_TERMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum terms_type {
	TERMS_PSEUDONYM,    /* 1 to 10 digits */
	TERMS_PERIOD,       /* YYYYQn or YYYY-MM */
	TERMS_YEAR_MONTH,   /* YYYY-MM */
	TERMS_YEAR,         /* YYYY */
	TERMS_INT,          /* optional '-', digits; range in the terms */
	TERMS_DECIMAL,      /* '.' decimal point (',' too with ';' delimiter) */
	TERMS_YES_NO,       /* Y or N */
	TERMS_CLASS,        /* closed list of class codes */
	TERMS_AMOUNT_CLASS, /* closed list of amount class codes */
	TERMS_CODE,         /* closed list or declared pattern */
	TERMS_TEXT,         /* free text, bounded length */
	TERMS_TYPE_COUNT
};

struct terms_variable {
	char *code;    /* column name in extracts, e.g. "age_class" */
	char *section; /* person, labour, education, naric */
	char *source;  /* ksz, naric */
	char *label;   /* label in the deliberation's language */
	enum terms_type type;
	bool required;    /* person_id and reference_period */
	bool provisional; /* its list/pattern is a stand-in for the official nomenclature */
	/* class, amount_class, code: a closed list (sorted, unique) and/or a pattern */
	char **values;
	size_t nvalues;
	char *pattern; /* anchored pattern, see pattern.h; NULL if none */
	/* int, decimal, year: numeric bounds */
	bool has_min, has_max;
	double min, max;
	/* year, year_month, period: earliest allowed, as YYYYMM (0: none) */
	int32_t min_month;
	/* year, year_month, period: no value after the check date's month */
	bool not_future;
	/* text: maximum length in UTF-8 code points (0: the default, 255) */
	uint32_t max_length;
};

struct terms_cap {
	int phase;
	int64_t persons; /* distinct person_ids per extract and per recipient so far */
};

struct terms_group {
	char *code; /* naric, flemish_diploma, foreign_born */
	char *description;
	int64_t population;     /* estimate, 0 if unknown */
	struct terms_cap *caps; /* phases with no entry are uncapped */
	size_t ncaps;
};

struct terms_phase {
	int number;
	char *description;
	char **destinations; /* recipient_premises, secure_room */
	size_t ndestinations;
};

/* Output checking (phase 2, docs/output-checking.md): the thresholds a table
 * leaving the secure room is judged by.  `set` is false when the terms do not
 * say; output checking then uses the ACRO defaults (output.h). */
struct terms_output_checking {
	bool set;
	int64_t threshold;       /* a cell needs at least this many persons */
	int64_t dominance_n;     /* the n largest contributors ... */
	double dominance_k;      /* ... may make up at most this share of the total */
	double p_percent;        /* total - 2 largest >= p% of the largest */
	double identifier_ratio; /* categories per person from which a variable identifies */
};

/* The terms of one version: what was permitted while it was in force. */
struct terms_body {
	int32_t retention_until; /* YYYYMMDD: destruction due from the next day */
	char **recipients;       /* recipient ids */
	size_t nrecipients;
	struct terms_group *groups;
	size_t ngroups;
	struct terms_phase *phases;
	size_t nphases;
	struct terms_variable *variables;
	size_t nvariables;
	struct terms_output_checking output_checking;
};

struct terms_version {
	int number;            /* 1 = original, 2.. = amendments */
	int32_t decided_on;    /* YYYYMMDD */
	int32_t in_force_from; /* YYYYMMDD */
	char *summary;
	char *source_sha256;    /* hex of the source document, "" if not known */
	bool on_record;         /* false: the terms of this version are not known */
	struct terms_body body; /* empty unless on_record */
};

struct terms_recipient {
	char *id; /* e.g. maastricht-sbe */
	char *name;
	char *organisation;
	char *contact;
};

struct terms_deliberation {
	char *reference; /* "21/128" */
	char *chamber;
	char *title;
	char *purpose;
	char *legal_basis;
	char **duties; /* e.g. no_third_party_disclosure */
	size_t nduties;
	struct terms_recipient *recipients; /* details of recipients named in the file */
	size_t nrecipients;
	struct terms_version *versions; /* sorted by number, in_force_from ascending */
	size_t nversions;
};

/* Parses a deliberation file.  On error returns NULL and names file, line and field. */
struct terms_deliberation *terms_load_file(const char *path, struct err *e)
    __attribute__((warn_unused_result));
/* The same from a string (used by the API, tests and fuzzers). */
struct terms_deliberation *terms_load_string(const char *text, const char *name, struct err *e)
    __attribute__((warn_unused_result));
void terms_free(struct terms_deliberation *d);

/* The version in force on date (YYYYMMDD): latest in_force_from <= date; NULL if none. */
const struct terms_version *terms_version_at(const struct terms_deliberation *d, int32_t date);
const struct terms_variable *terms_find_variable(const struct terms_body *b, const char *code);
const struct terms_group *terms_find_group(const struct terms_body *b, const char *code);
const struct terms_phase *terms_find_phase(const struct terms_body *b, int number);
/* Cap for a group in a phase, or -1 when that phase is uncapped. */
int64_t terms_cap(const struct terms_group *g, int phase);
bool terms_has_recipient(const struct terms_body *b, const char *recipient);

const char *terms_type_name(enum terms_type t);
bool terms_type_parse(const char *name, enum terms_type *out);

/* Dates: "YYYY-MM-DD" <-> YYYYMMDD; false on anything not a real calendar date. */
bool terms_date_parse(const char *s, int32_t *out);
void terms_date_format(int32_t date, char out[11]);

/* Added by the terms module (additive to the interface above). */

/* Largest deliberation file or string accepted (docs/deliberation-format.md). */
#define TERMS_MAX_BYTES (4u * 1024u * 1024u)

/* Months: "YYYY-MM" <-> YYYYMM (min_month); false on anything else. */
bool terms_month_parse(const char *s, int32_t *out);
void terms_month_format(int32_t month, char out[8]);

const struct terms_version *terms_find_version(const struct terms_deliberation *d, int number);
const struct terms_recipient *terms_find_recipient(const struct terms_deliberation *d,
                                                   const char *id);
/* Does the phase allow this destination (recipient_premises, secure_room)? */
bool terms_phase_allows(const struct terms_phase *p, const char *destination);
/* Is value in the variable's closed list (binary search of the sorted values)? */
bool terms_value_listed(const struct terms_variable *v, const char *value);

/* The one rule for recipient ids, everywhere (registry, credentials, checks,
 * deliberation files and the SQL CHECKs of migrations 0002-0004):
 * [a-z0-9][a-z0-9._-]{0,62}, i.e. 1 to TERMS_ID_MAX lower-case characters. */
#define TERMS_ID_MAX 63
bool terms_id_valid(const char *s);

/* The one parser of deliberation references: "21/128" or its URL form "21-128"
 * (1 to 4 digits, '/' or '-', 1 to 6 digits) into "21/128"; ERR_INVALID naming
 * field (e.g. "reference", "deliberation") for anything else, NULL included. */
#define TERMS_REFERENCE_SIZE 16
bool terms_reference_parse(const char *text, const char *field, char out[TERMS_REFERENCE_SIZE],
                           struct err *e) __attribute__((warn_unused_result));

/* Builds and checks a model from a parsed libconfig tree whose root holds the one
 * key `deliberation` (terms_build.c; terms_json.c converts JSON into such a tree).
 * name is the file name for messages, NULL for JSON. */
struct config_setting_t;
struct terms_deliberation *terms_build(const struct config_setting_t *root, const char *name,
                                       struct err *e) __attribute__((warn_unused_result));

#endif
