/*
 * extract_priv: what extract.c lends extract_par.c (the multi-threaded runner)
 * to run segments of one extract on separate validators and join them exactly.
 * Not for other modules.
 */
#ifndef DELIBERD_EXTRACT_PRIV_H
#define DELIBERD_EXTRACT_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "extract.h"

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
