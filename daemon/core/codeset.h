/*
 * codeset: a closed list of codes (the class or code values of a variable) as a
 * set built once per check.  Values of at most 15 bytes go into a perfect hash:
 * a seed found at build time so that no two collide, so a lookup is one probe and
 * one compare of two words, small enough to inline in the validator's cell loop.
 * Longer values (or all of them, when no seed is found) go into an ordinary
 * open-addressing table.
 */
#ifndef DELIBERD_CODESET_H
#define DELIBERD_CODESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A value of at most 15 bytes, zero-padded, its length + 1 in the top byte of b
 * (all zero: an empty slot). */
struct codeset_key {
	uint64_t a, b;
};

static const uint64_t codeset_mask_a[17] = {
    0,
    0xffull,
    0xffffull,
    0xffffffull,
    0xffffffffull,
    0xffffffffffull,
    0xffffffffffffull,
    0xffffffffffffffull,
    ~0ull,
    ~0ull,
    ~0ull,
    ~0ull,
    ~0ull,
    ~0ull,
    ~0ull,
    ~0ull,
    ~0ull,
};
static const uint64_t codeset_mask_b[17] = {
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0xffull,
    0xffffull,
    0xffffffull,
    0xffffffffull,
    0xffffffffffull,
    0xffffffffffffull,
    0xffffffffffffffull,
    ~0ull,
};

/* Packs s[0..len) (len <= 16) into two words, zero-padded, so that equal words and
 * length mean equal values.  When the buffer holding s goes on for 16 bytes (end;
 * NULL if unknown), two loads and masks do it without branching on the length. */
static inline void codeset_pack(const char *s, uint32_t len, const char *end, uint64_t *a,
                                uint64_t *b)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (end && end - s >= 16) {
		memcpy(a, s, 8);
		memcpy(b, s + 8, 8);
		*a &= codeset_mask_a[len];
		*b &= codeset_mask_b[len];
		return;
	}
#endif
	char tmp[16] = {0};
	memcpy(tmp, s, len);
	memcpy(a, tmp, 8);
	memcpy(b, tmp + 8, 8);
}

static inline uint64_t codeset_with_len(uint64_t b, uint32_t len)
{
	return b | ((uint64_t)(len + 1) << 56);
}

static inline uint64_t codeset_prehash(uint64_t a, uint64_t b, uint32_t len)
{
	return (a * 0x9E3779B97F4A7C15ull) ^ (b * 0xC2B2AE3D27D4EB4Full) ^ len;
}

/* The perfect hash (ph NULL when there is none). */
struct codeset_perfect {
	const struct codeset_key *ph;
	uint64_t seed;
	unsigned shift;
};

/* Is s[0..len) (len <= 15) one of the values in the perfect hash? */
static inline bool codeset_perfect_has(const struct codeset_perfect *p, const char *s, uint32_t len,
                                       const char *end)
{
	uint64_t a, b;
	codeset_pack(s, len, end, &a, &b);
	b = codeset_with_len(b, len);
	const struct codeset_key *k = &p->ph[(codeset_prehash(a, b, 0) * p->seed) >> p->shift];
	return k->a == a && k->b == b;
}

struct codeset;

/* The set of values[0..n); with_empty adds the empty value to the perfect hash
 * (so that an empty cell of an optional column is settled by the same lookup).
 * NULL when out of memory. */
struct codeset *codeset_new(char *const *values, size_t n, bool with_empty);
void codeset_free(struct codeset *s);
/* Is s[0..len) a value of the set?  end as for codeset_pack. */
bool codeset_has(const struct codeset *s, const char *v, uint32_t len, const char *end);
struct codeset_perfect codeset_perfect(const struct codeset *s);

#endif
