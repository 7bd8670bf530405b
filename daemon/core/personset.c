/*
 * personset: open addressing over 8-byte slots holding id + 1 (0 marks an empty
 * slot).  The table is not a power of two: it grows by about 1.45x when 78% full,
 * which keeps it at least 54% full and so under 16 bytes per person; the slot is
 * picked by multiply-shift ("fastrange") from a mixed hash.
 */
#include "personset.h"

#include <stdlib.h>

struct personset {
	uint64_t *slots;
	size_t cap;
	size_t count;
	size_t limit;  /* grow when count reaches this */
	uint64_t last; /* last id added + 1, for repeated rows */
};

static inline size_t slot_of(uint64_t key, size_t cap)
{
	uint64_t h = key * 0x9E3779B97F4A7C15ull;
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ull;
	h ^= h >> 32;
	return (size_t)(((unsigned __int128)h * cap) >> 64);
}

static bool rehash(struct personset *s, size_t cap)
{
	uint64_t *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return false;
	for (size_t i = 0; i < s->cap; i++) {
		uint64_t k = s->slots[i];
		if (!k)
			continue;
		size_t j = slot_of(k, cap);
		while (slots[j])
			j = j + 1 == cap ? 0 : j + 1;
		slots[j] = k;
	}
	free(s->slots);
	s->slots = slots;
	s->cap = cap;
	s->limit = cap / 100 * 78 + (cap % 100) * 78 / 100;
	return true;
}

struct personset *personset_new(void)
{
	struct personset *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (!rehash(s, 64)) {
		free(s);
		return NULL;
	}
	return s;
}

void personset_free(struct personset *s)
{
	if (!s)
		return;
	free(s->slots);
	free(s);
}

int personset_add(struct personset *s, uint64_t id)
{
	if (id == UINT64_MAX)
		return -1;
	uint64_t k = id + 1;
	if (k == s->last)
		return 0;
	size_t j = slot_of(k, s->cap);
	for (;;) {
		uint64_t v = s->slots[j];
		if (v == k) {
			s->last = k;
			return 0;
		}
		if (!v)
			break;
		j = j + 1 == s->cap ? 0 : j + 1;
	}
	if (s->count + 1 > s->limit) {
		if (!rehash(s, s->cap + s->cap / 100 * 45 + 16))
			return -1;
		j = slot_of(k, s->cap);
		while (s->slots[j])
			j = j + 1 == s->cap ? 0 : j + 1;
	}
	s->slots[j] = k;
	s->count++;
	s->last = k;
	return 1;
}

bool personset_reserve(struct personset *s, size_t n)
{
	if (n <= s->limit)
		return true;
	/* about 55% full once n ids are in, as after a growth */
	return rehash(s, n / 55 * 100 + 64);
}

bool personset_merge(struct personset *s, const struct personset *from)
{
	size_t fresh = 0;
	for (size_t i = 0; i < from->cap; i++)
		if (from->slots[i] && !personset_contains(s, from->slots[i] - 1))
			fresh++;
	if (!personset_reserve(s, s->count + fresh))
		return false;
	for (size_t i = 0; i < from->cap; i++)
		if (from->slots[i] && personset_add(s, from->slots[i] - 1) < 0)
			return false;
	return true;
}

bool personset_contains(const struct personset *s, uint64_t id)
{
	if (id == UINT64_MAX)
		return false;
	uint64_t k = id + 1;
	size_t j = slot_of(k, s->cap);
	for (;;) {
		uint64_t v = s->slots[j];
		if (v == k)
			return true;
		if (!v)
			return false;
		j = j + 1 == s->cap ? 0 : j + 1;
	}
}

size_t personset_count(const struct personset *s)
{
	return s->count;
}

bool personset_next(const struct personset *s, size_t *cursor, uint64_t *id)
{
	for (size_t i = *cursor; i < s->cap; i++) {
		if (s->slots[i]) {
			*id = s->slots[i] - 1;
			*cursor = i + 1;
			return true;
		}
	}
	*cursor = s->cap;
	return false;
}

size_t personset_memory(const struct personset *s)
{
	return sizeof(*s) + s->cap * sizeof(uint64_t);
}
