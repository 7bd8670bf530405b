/*
 * hex: the one hexadecimal encoder and decoder of the daemon (keys, hashes,
 * signatures), so that every module reads and writes hex the same way.
 */
#ifndef DELIBERD_HEX_H
#define DELIBERD_HEX_H

#include <stdbool.h>
#include <stddef.h>

/* n bytes as 2n lower-case hex digits and a NUL: out holds 2n + 1 characters. */
void hex_encode(const unsigned char *in, size_t n, char *out);

/* SHA-256 of len bytes as 64 lower-case hex digits and a NUL.  false (and out "")
 * only when OpenSSL cannot allocate; a caller that compares the result with a stored
 * hash may ignore it, as "" matches none. */
bool hex_sha256(const void *data, size_t len, char out[65]);

/* len hex digits (either case) to len / 2 bytes in out.  false when len is odd or a
 * character is not a hex digit; out may then be partly written. */
bool hex_decode(const char *in, size_t len, unsigned char *out) __attribute__((warn_unused_result));

#endif
