/*
 * terms_text: the checks of a deliberation's string values by kind (identifiers,
 * references, names, free text, code values, patterns' text, dates), shared by
 * the builders of terms_build.c.
 */
#ifndef DELIBERD_TERMS_TEXT_H
#define DELIBERD_TERMS_TEXT_H

enum terms_text_kind {
	STR_IDENT,     /* [a-z][a-z0-9_]{0,62} */
	STR_RECIPIENT, /* terms_id_valid: [a-z0-9][a-z0-9._-]{0,62} */
	STR_REFERENCE, /* [0-9]{1,4}/[0-9]{1,6} */
	STR_SHA256,    /* "" or 64 lowercase hex */
	STR_NAME,      /* one line, 1..512 bytes */
	STR_NAME_OPT,  /* one line, 0..512 bytes */
	STR_LINE,      /* one line, 1..1024 bytes */
	STR_LINE_OPT,  /* one line, 0..1024 bytes */
	STR_TEXT,      /* free text (tabs, newlines), 0..8192 bytes */
	STR_VALUE,     /* class or code value, 1..64 bytes, no surrounding blanks */
	STR_PATTERN,   /* 1..256 printable ASCII bytes */
	STR_DATE,      /* YYYY-MM-DD */
	STR_MONTH,     /* YYYY-MM */
};

/* NULL when s is a valid value of that kind, else why not ("too long"). */
const char *terms_text_check(const char *s, enum terms_text_kind kind);

#endif
