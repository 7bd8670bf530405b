/*
 * mem: allocations that abort on failure (see mem.h).
 */
#include "mem.h"

#include <stdio.h>
#include <stdlib.h>

static void mem_out(void)
{
	fputs("deliberd: out of memory\n", stderr);
	abort();
}

void *mem_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		mem_out();
	return p;
}

void *mem_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		mem_out();
	return p;
}

void *mem_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		mem_out();
	return q;
}
