/*
 * peers: a chained hash table of (address, open connections) under one mutex; an
 * entry goes when its count drops to zero, so the table holds only addresses that
 * are connected now.
 */
#include "peers.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PEERS_BUCKETS 1024
#define PEERS_ADDR_MAX 64

struct peer {
	char addr[PEERS_ADDR_MAX];
	int n;
	struct peer *next;
};

struct peers {
	pthread_mutex_t lock;
	struct peer *buckets[PEERS_BUCKETS];
};

struct peers *peers_new(void)
{
	struct peers *p = calloc(1, sizeof(*p));
	if (p == NULL)
		abort();
	pthread_mutex_init(&p->lock, NULL);
	return p;
}

void peers_free(struct peers *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < PEERS_BUCKETS; i++)
		for (struct peer *e = p->buckets[i], *next; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static size_t peers_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % PEERS_BUCKETS;
}

bool peers_acquire(struct peers *p, const char *addr, int max)
{
	size_t b = peers_hash(addr);
	bool ok = true;
	pthread_mutex_lock(&p->lock);
	struct peer *e = p->buckets[b];
	while (e != NULL && strncmp(e->addr, addr, PEERS_ADDR_MAX - 1) != 0)
		e = e->next;
	if (e == NULL) {
		e = calloc(1, sizeof(*e));
		if (e == NULL)
			abort();
		strncpy(e->addr, addr, PEERS_ADDR_MAX - 1);
		e->next = p->buckets[b];
		p->buckets[b] = e;
	}
	if (e->n >= max)
		ok = false;
	else
		e->n++;
	pthread_mutex_unlock(&p->lock);
	return ok;
}

void peers_release(struct peers *p, const char *addr)
{
	size_t b = peers_hash(addr);
	pthread_mutex_lock(&p->lock);
	for (struct peer **pp = &p->buckets[b]; *pp != NULL; pp = &(*pp)->next) {
		struct peer *e = *pp;
		if (strncmp(e->addr, addr, PEERS_ADDR_MAX - 1) != 0)
			continue;
		if (--e->n <= 0) {
			*pp = e->next;
			free(e);
		}
		break;
	}
	pthread_mutex_unlock(&p->lock);
}
