/*
 * outbox: notifications that survive restarts.  A service enqueues an event in
 * the transaction of the change it announces (so both commit or neither does);
 * `deliberd serve` then POSTs each event to its audience's webhook (the
 * recipient's, or governance's) as JSON over HTTPS, signed
 * `X-Deliberd-Signature: sha256=<hex HMAC-SHA256 of the body under the
 * webhook's secret>` and carrying an `Idempotency-Key`, retrying with
 * exponential backoff (1 s, 2 s, 4 s ... at most an hour) until a 2xx answer.
 * Delivery is at least once: receivers deduplicate on the key.
 */
#ifndef DELIBERD_OUTBOX_H
#define DELIBERD_OUTBOX_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "err.h"

struct event_base;
struct outbox;

#define OUTBOX_MAX_BACKOFF_S 3600

/* Queues event for audience "recipient" (recipient set) or "governance"
 * (recipient NULL).  payload is borrowed; the body POSTed is payload plus
 * "event", serialised once here with sorted keys, so that every retry sends the
 * same bytes. */
bool outbox_enqueue(PGconn *db, const char *audience, const char *recipient, const char *event,
                    json_t *payload, struct err *e) __attribute__((warn_unused_result));

/* Starts delivering on base: polls every second, at most a few requests at a
 * time, each bounded by c->webhook_timeout_ms.  c must outlive the outbox. */
struct outbox *outbox_start(struct event_base *base, const struct config *c, struct err *e)
    __attribute__((warn_unused_result));
/* After a configuration reload: c replaces the one given to outbox_start (which
 * the caller may release afterwards). */
void outbox_set_config(struct outbox *o, const struct config *c);
/* Looks for due events now rather than at the next tick. */
void outbox_kick(struct outbox *o);
/* Stops polling; requests in flight are abandoned (they are retried later: the
 * database still holds them). */
void outbox_stop(struct outbox *o);

/* Seconds to wait after the attempts-th failed attempt. */
int outbox_backoff(int attempts);
/* "sha256=" + hex HMAC-SHA256 of body under secret, into out. */
void outbox_signature(const char *secret, const char *body, size_t len, char out[72]);
/* May a webhook go to this URL: https anywhere, http only to a loopback host
 * (tests, a local relay)?  e says why not. */
bool outbox_url_allowed(const char *url, struct err *e);

#endif
