/*
 * ident: detectors of direct identifiers in any text, shared by extract
 * validation (header names, free-text cells) and output checking (category codes
 * and cell values).  Each detector has its own rule id; none of them ever returns
 * or quotes what it found, only whether it found it.  The formats, check digits
 * and their limits are in docs/validation.md ("Identifier detectors").
 */
#ifndef DELIBERD_IDENT_H
#define DELIBERD_IDENT_H

#include <stdbool.h>
#include <stddef.h>

enum ident_kind {
	IDENT_NATIONAL_NUMBER,   /* "national_number": register or BIS number (nn.h) */
	IDENT_ENTERPRISE_NUMBER, /* "enterprise_number": Belgian KBO/BCE, 10 digits, mod 97 */
	IDENT_IBAN,              /* "iban": ISO 13616, country length, mod 97 == 1 */
	IDENT_EMAIL,             /* "email_address" */
	IDENT_PHONE,             /* "phone_number": +CC..., 00CC..., or national 0x... */
	IDENT_FULL_DATE,         /* "full_date": a calendar date with its day */
	IDENT_COUNT
};

/* The rule id of a detector ("national_number", ...); "unknown" out of range. */
const char *ident_rule(enum ident_kind k);

/* Does s[0..len) contain an identifier of kind k? */
bool ident_find(enum ident_kind k, const char *s, size_t len);

/* Bit (1u << kind) set for every kind found in s[0..len). */
unsigned ident_scan(const char *s, size_t len);

/* Can a header or variable name be shown in a report?  Only when it cannot carry
 * a value: no run of 3 or more digits (a pseudonym or identifier glued to a name,
 * as in `naric_refugee100001`) and no detector firing on it. */
bool ident_name_safe(const char *s, size_t len);

#endif
