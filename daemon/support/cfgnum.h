/*
 * cfgnum: how wide an integer literal of a libconfig file is, for the two readers
 * that guard libconfig 1.5 (config.c, configuration files; terms.c, deliberation
 * files).  libconfig 1.5 reads an unsuffixed literal into 32 bits with atoi() or
 * strtoul(), so 4294967296 silently becomes 0; with the suffix L it reads 64 bits.
 * The bounds live here once; what a reader does with a literal that needs 64 bits
 * is its own documented rule (a configuration file gets the L added, a deliberation
 * file must write it: docs/deliberation-format.md).
 */
#ifndef DELIBERD_CFGNUM_H
#define DELIBERD_CFGNUM_H

#include <stdbool.h>
#include <stddef.h>

enum cfgnum_width {
	CFGNUM_INT32,     /* libconfig reads it right without a suffix */
	CFGNUM_INT64,     /* right only with the suffix L */
	CFGNUM_TOO_LARGE, /* beyond 64 bits: never right */
};

/* The width of the literal whose digits are s[0..n) (no sign, "0x" or suffix; n > 0);
 * negative when a '-' precedes it, hex when "0x" did. */
enum cfgnum_width cfgnum_width(const char *s, size_t n, bool negative, bool hex);

#endif
