/*
 * pattern: a tiny anchored pattern matcher for the code patterns of deliberation
 * files (e.g. "[0-9]{5}" for a NIS code).  A pattern always matches the whole value.
 * Compiled once into a small NFA over byte classes, matched in O(length x atoms)
 * with no backtracking, so no pattern or value can make it slow.
 *
 * Syntax: literal bytes; `.` any byte; `[...]` a class with ranges (`a-z`), `\d`
 * and escapes inside, negated with a leading `^`; `\d` a digit, `\w` [A-Za-z0-9_],
 * `\s` a space or tab; `\` before any other punctuation makes it literal;
 * quantifiers `?` `*` `+` `{n}` `{n,}` `{n,m}` (n, m <= 64) after an atom;
 * alternatives separated by `|` (no groups).  A `^` at the start and a `$` at the
 * end of an alternative are accepted and ignored (the match is always anchored);
 * elsewhere they are errors (`\^`, `\$` for the characters).
 */
#ifndef DELIBERD_PATTERN_H
#define DELIBERD_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct pattern;

/* Compiles src; NULL with e set (ERR_INVALID, naming the offset) if malformed or
 * too large (at most 256 atoms after expanding counted repeats). */
struct pattern *pattern_compile(const char *src, struct err *e) __attribute__((warn_unused_result));
/* Does the whole of s[0..len) match?  Any bytes, NUL included. */
bool pattern_match(const struct pattern *p, const char *s, size_t len);
void pattern_free(struct pattern *p);
/* NULL when p is well-formed, else why not, with *at the 1-based offset of the fault;
 * lighter than pattern_compile (no size limit), for refusing a file at its line. */
const char *pattern_check(const char *p, size_t *at);

#endif
