/*
 * mem: allocation for the code that has no error channel (the validator's and the
 * output builder's hot paths): out of memory there stops the process with a line
 * on stderr, instead of a NULL every caller would have to carry back.
 */
#ifndef DELIBERD_MEM_H
#define DELIBERD_MEM_H

#include <stddef.h>

/* malloc(n), at least one byte; never NULL (aborts). */
void *mem_malloc(size_t n);
/* calloc(n, size), at least one byte; never NULL (aborts). */
void *mem_calloc(size_t n, size_t size);
/* realloc(p, n), at least one byte; never NULL (aborts). */
void *mem_realloc(void *p, size_t n);

#endif
