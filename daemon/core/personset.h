/*
 * personset: an exact set of uint64 person ids (pseudonyms), compact (8-byte
 * slots, open addressing with linear probing, kept between ~55% and 80% full, so
 * under 16 bytes per person) and fast on the common case of an id repeated on
 * consecutive rows.
 */
#ifndef DELIBERD_PERSONSET_H
#define DELIBERD_PERSONSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct personset;

struct personset *personset_new(void);
void personset_free(struct personset *s);
/* Adds id; returns 1 if it was new, 0 if already present, -1 if out of memory
 * (UINT64_MAX is reserved and refused with -1). */
int personset_add(struct personset *s, uint64_t id);
/* Makes room for n ids in all without growing again (before a bulk insert:
 * adding another set's ids in its slot order to a nearly full table would build
 * one long probe run). */
bool personset_reserve(struct personset *s, size_t n);
/* Adds every id of from; false if out of memory. */
bool personset_merge(struct personset *s, const struct personset *from);
bool personset_contains(const struct personset *s, uint64_t id);
size_t personset_count(const struct personset *s);
/* Iterates in an unspecified order; start with *cursor = 0; false when done. */
bool personset_next(const struct personset *s, size_t *cursor, uint64_t *id);
/* Bytes allocated (for tests of the memory bound). */
size_t personset_memory(const struct personset *s);

#endif
