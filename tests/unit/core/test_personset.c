/* test_personset: exactness against a reference, iteration, the memory bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "personset.h"

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_basic(void **state)
{
	(void)state;
	struct personset *s = personset_new();
	assert_non_null(s);
	assert_int_equal(personset_add(s, 0), 1);
	assert_int_equal(personset_add(s, 0), 0);
	assert_int_equal(personset_add(s, 9999999999ull), 1);
	assert_int_equal(personset_add(s, 7), 1);
	assert_int_equal(personset_add(s, 9999999999ull), 0);
	assert_int_equal(personset_add(s, UINT64_MAX), -1);
	assert_int_equal(personset_count(s), 3);
	assert_true(personset_contains(s, 0));
	assert_true(personset_contains(s, 7));
	assert_false(personset_contains(s, 8));
	assert_false(personset_contains(s, UINT64_MAX));
	size_t cursor = 0, n = 0;
	uint64_t id, sum = 0;
	while (personset_next(s, &cursor, &id)) {
		n++;
		sum += id;
	}
	assert_int_equal(n, 3);
	assert_true(sum == 9999999999ull + 7);
	personset_free(s);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void test_exact(void **state)
{
	(void)state;
	enum { N = 300000 };
	uint64_t *ids = malloc(N * sizeof(uint64_t));
	struct personset *s = personset_new();
	size_t reported_new = 0;
	for (size_t i = 0; i < N; i++) {
		uint64_t id = (i > 0 && (rng() & 1)) ? ids[rng() % i] : rng() % 10000000000ull;
		ids[i] = id;
		int r = personset_add(s, id);
		assert_true(r == 0 || r == 1);
		reported_new += (size_t)r;
	}
	qsort(ids, N, sizeof(uint64_t), cmp_u64);
	size_t distinct = 0;
	for (size_t i = 0; i < N; i++)
		if (i == 0 || ids[i] != ids[i - 1])
			ids[distinct++] = ids[i];
	assert_int_equal(personset_count(s), distinct);
	assert_int_equal(reported_new, distinct);
	for (size_t i = 0; i < distinct; i++)
		assert_true(personset_contains(s, ids[i]));
	/* iteration yields each exactly once */
	uint64_t *seen = malloc(distinct * sizeof(uint64_t));
	size_t cursor = 0, n = 0;
	uint64_t id;
	while (personset_next(s, &cursor, &id)) {
		assert_true(n < distinct);
		seen[n++] = id;
	}
	assert_int_equal(n, distinct);
	qsort(seen, n, sizeof(uint64_t), cmp_u64);
	assert_memory_equal(seen, ids, n * sizeof(uint64_t));
	assert_true(personset_memory(s) < 16 * distinct);
	free(seen);
	free(ids);
	personset_free(s);
}

/* The bound holds right after every growth, the worst moment. */
static void test_memory_bound(void **state)
{
	(void)state;
	struct personset *s = personset_new();
	size_t last = personset_memory(s);
	for (uint64_t i = 0; i < 2000000; i++) {
		assert_int_equal(personset_add(s, i * 7919), 1);
		size_t m = personset_memory(s);
		if (m != last && i > 1000)
			assert_true(m < 16 * (i + 1));
		last = m;
	}
	personset_free(s);
}

/* Merging a set into another (in the other's slot order) is exact and stays
 * fast: a pre-sized table keeps probe runs short. */
static void test_merge(void **state)
{
	(void)state;
	struct personset *a = personset_new(), *b = personset_new();
	for (uint64_t i = 0; i < 300000; i++) {
		assert_int_equal(personset_add(a, i * 3), 1);
		assert_int_equal(personset_add(b, i * 5), 1);
	}
	assert_true(personset_merge(a, b));
	/* multiples of 3 or 5 below 900000 (a) and 1500000 (b) */
	size_t expect = 300000 + 300000 - 60000; /* multiples of 15 below 900000 */
	assert_int_equal(personset_count(a), expect);
	for (uint64_t i = 0; i < 300000; i++)
		assert_true(personset_contains(a, i * 5));
	assert_false(personset_contains(a, 7));
	assert_true(personset_memory(a) < 16 * expect);
	assert_true(personset_reserve(b, 10));
	assert_int_equal(personset_count(b), 300000);
	personset_free(a);
	personset_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic),
	    cmocka_unit_test(test_exact),
	    cmocka_unit_test(test_memory_bound),
	    cmocka_unit_test(test_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
