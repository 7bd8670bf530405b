/*
 * peers: open connections per client address, shared by the worker threads, for
 * limits.max_connections_per_address: one client (or one address behind which many
 * reconnect) cannot hold the whole connection pool.
 */
#ifndef DELIBERD_PEERS_H
#define DELIBERD_PEERS_H

#include <stdbool.h>

struct peers;

struct peers *peers_new(void);
void peers_free(struct peers *p);
/* Counts one more connection from addr, unless that would make more than max;
 * false (nothing counted) then.  Thread-safe. */
bool peers_acquire(struct peers *p, const char *addr, int max);
/* Gives back one counted by peers_acquire. */
void peers_release(struct peers *p, const char *addr);

#endif
