/*
 * codeset: closed code lists (see codeset.h).  The perfect hash is searched with
 * seeds from a fixed sequence over 4n slots (a random seed works about exp(-n/8)
 * of the time), then 8n, 16n, 32n; lists over 256 values skip it.
 */
#include "codeset.h"

#include <stdlib.h>

struct entry {
	uint64_t a, b;
	uint32_t len;
	uint32_t used;
	const char *s;
};

struct codeset {
	struct codeset_key *ph;
	uint64_t seed;
	unsigned shift;
	struct entry *e; /* values over 15 bytes, or all without a perfect hash */
	size_t mask;
	bool longer;
};

static inline uint64_t mix(uint64_t a, uint64_t b, uint32_t len)
{
	uint64_t h = (a ^ 0x9E3779B97F4A7C15ull) * 0xff51afd7ed558ccdull;
	h ^= (b + len) * 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 31;
	return h * 0x94d049bb133111ebull;
}

static uint64_t key_hash(const char *s, uint32_t len, const char *end, uint64_t *a, uint64_t *b)
{
	if (len <= 16) {
		codeset_pack(s, len, end, a, b);
		return mix(*a, *b, len);
	}
	*a = *b = 0;
	uint64_t h = len;
	uint32_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		h = mix(h, w, i);
	}
	uint64_t x, y;
	codeset_pack(s + i, len - i, NULL, &x, &y);
	return mix(h ^ x, y, len);
}

static void entry_add(struct codeset *t, const char *v, uint32_t len)
{
	uint64_t a, b;
	size_t j = key_hash(v, len, NULL, &a, &b) & t->mask;
	while (t->e[j].used)
		j = (j + 1) & t->mask;
	t->e[j] = (struct entry){a, b, len, 1, v};
}

/* Tries seeds for a collision-free table of 2^bits slots; -1 out of memory. */
static int perfect_build(struct codeset *t, char *const *values, size_t n, unsigned bits)
{
	size_t size = (size_t)1 << bits;
	struct codeset_key *ph = calloc(size, sizeof(*ph));
	if (!ph)
		return -1;
	uint64_t x = 0x2545F4914F6CDD1Dull;
	for (int attempt = 0; attempt < 64; attempt++) {
		x += 0x9E3779B97F4A7C15ull; /* splitmix64 */
		uint64_t seed = x;
		seed = (seed ^ (seed >> 30)) * 0xBF58476D1CE4E5B9ull;
		seed = (seed ^ (seed >> 27)) * 0x94D049BB133111EBull;
		seed = (seed ^ (seed >> 31)) | 1;
		memset(ph, 0, size * sizeof(*ph));
		bool ok = true;
		for (size_t i = 0; ok && i < n; i++) {
			uint32_t len = (uint32_t)strlen(values[i]);
			if (len > 15)
				continue;
			uint64_t a, b;
			codeset_pack(values[i], len, NULL, &a, &b);
			b = codeset_with_len(b, len);
			struct codeset_key *k =
			    &ph[(codeset_prehash(a, b, 0) * seed) >> (64 - bits)];
			if (k->b && !(k->a == a && k->b == b))
				ok = false;
			*k = (struct codeset_key){a, b};
		}
		if (ok) {
			t->ph = ph;
			t->seed = seed;
			t->shift = 64 - bits;
			return 1;
		}
	}
	free(ph);
	return 0;
}

struct codeset *codeset_new(char *const *values, size_t n, bool with_empty)
{
	struct codeset *t = calloc(1, sizeof(*t));
	char **all = calloc(n + 1, sizeof(char *));
	size_t cap = 16;
	while (cap < n * 2 + 2)
		cap *= 2;
	if (!t || !all || !(t->e = calloc(cap, sizeof(*t->e))))
		goto oom;
	t->mask = cap - 1;
	unsigned bits = 3;
	while (((size_t)1 << bits) < 4 * n)
		bits++;
	int perfect = 0;
	if (n <= 256) { /* a single seed rarely works for long lists */
		memcpy(all, values, n * sizeof(char *));
		all[n] = (char *)"";
		for (unsigned k = bits; perfect == 0 && k <= bits + 3 && k < 31; k++)
			perfect = perfect_build(t, all, n + with_empty, k);
		if (perfect < 0)
			goto oom;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t len = (uint32_t)strlen(values[i]);
		if (len > 15 || !perfect) {
			entry_add(t, values[i], len);
			t->longer = true;
		}
	}
	free(all);
	return t;
oom:
	free(all);
	codeset_free(t);
	return NULL;
}

void codeset_free(struct codeset *t)
{
	if (t) {
		free(t->ph);
		free(t->e);
		free(t);
	}
}

bool codeset_has(const struct codeset *t, const char *s, uint32_t len, const char *end)
{
	if (t->ph && len <= 15) {
		struct codeset_perfect p = codeset_perfect(t);
		if (codeset_perfect_has(&p, s, len, end))
			return true;
	}
	if (!t->longer)
		return false;
	uint64_t a, b;
	size_t j = key_hash(s, len, end, &a, &b) & t->mask;
	for (;;) {
		const struct entry *x = &t->e[j];
		if (!x->used)
			return false;
		if (x->len == len &&
		    (len <= 16 ? (x->a == a && x->b == b) : memcmp(x->s, s, len) == 0))
			return true;
		j = (j + 1) & t->mask;
	}
}

struct codeset_perfect codeset_perfect(const struct codeset *t)
{
	struct codeset_perfect p = {t->ph, t->seed, t->shift};
	return p;
}
