/*
 * utf8: the one UTF-8 validator of the daemon, for extract cells and headers
 * (extract.c, extract_cols.c) and a deliberation's texts (terms_text.c), so that
 * both refuse exactly the same bytes.
 */
#ifndef DELIBERD_UTF8_H
#define DELIBERD_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Is s[0..len) valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF)?
 * Then *cps is its number of code points. */
bool utf8_valid(const unsigned char *s, size_t len, uint32_t *cps);

#endif
