/*
 * server: the HTTPS face of `deliberd serve`.  One listening socket shared by N worker
 * threads, each with its own event_base, evhttp and database connection; TLS through
 * bufferevent_openssl; request limits and a whole-request deadline; signals (SIGTERM
 * and SIGINT drain and stop, SIGHUP reloads the configuration) on the main thread.
 */
#ifndef DELIBERD_SERVER_H
#define DELIBERD_SERVER_H

#include <event2/event.h>
#include <openssl/ssl.h>
#include <stdbool.h>

#include "config.h"
#include "err.h"

struct server;

/* A TLS context for the config's certificate and key: TLS 1.2 and 1.3 only, Mozilla's
 * "intermediate" ciphers.  ERR_INVALID naming the key and file when they do not load. */
SSL_CTX *server_tls_new(const struct config *c, struct err *e) __attribute__((warn_unused_result));

/* Builds the TLS context and binds the listening socket (connections queue from now
 * on); takes its own reference on c. */
struct server *server_new(struct config *c, struct err *e) __attribute__((warn_unused_result));
/* The main thread's event loop: signals, and timers such as the retention scheduler. */
struct event_base *server_base(struct server *s);

/* Called on the main thread after each successful SIGHUP reload. */
typedef void (*server_reload_fn)(const struct config *c, void *arg);
void server_on_reload(struct server *s, server_reload_fn fn, void *arg);

/* Starts the workers, prints the ready line "deliberd: listening on https://HOST:PORT"
 * on stdout, and runs the main loop until SIGTERM or SIGINT; then stops accepting,
 * drains the requests in flight (at most limits.request_timeout_ms) and returns. */
bool server_run(struct server *s, struct err *e) __attribute__((warn_unused_result));
void server_free(struct server *s);

#endif
