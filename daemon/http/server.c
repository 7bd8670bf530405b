/*
 * server: listeners, TLS, workers, connection limits, the request deadline, signals,
 * reload and drain.  What happens to one request once it is read is route.c's job.
 *
 * Threads: the main thread owns the listening socket, the signals and the current
 * "generation" (config + TLS context, swapped atomically on SIGHUP).  Each worker owns
 * an event_base, an evhttp accepting on a dup of the shared socket, and a PGconn; an
 * evhttp and its connections are only ever touched by their worker.  A worker busy in
 * a slow query simply does not accept; the others do.
 *
 * Connections: each has a struct conn hung on its SSL object (ex_data), created in the
 * bufferevent callback and freed by OpenSSL's ex_data free callback when libevent
 * frees the SSL, so its lifetime is exactly the connection's.  Its timer is the
 * whole-request deadline (libevent 2.1 has none): armed when the connection opens and
 * after each response, disarmed when a request is dispatched, and when it fires the
 * connection is freed.
 *
 * Errors evhttp answers itself (a body over limits.max_body_bytes, headers over
 * limits.max_header_bytes, a malformed request) come as a canned text/html page that
 * libevent 2.1 offers no hook for.  So every response written to a connection outside
 * our request callback is looked at, before it reaches the socket, by a high-priority
 * event (conn_fixup_cb), which replaces such a page by the JSON error shape; the
 * framing (Connection: close, lingering close of the rest of the body) stays evhttp's.
 *
 * In-flight body budget (limits.max_inflight_body_bytes): a small scanner on each
 * connection's input (conn_input_cb) sees the end of a request's headers before evhttp
 * reads the body and reserves its Content-Length from a server-wide counter, released
 * when the response is done or the connection goes.  Over the budget, the connection's
 * evhttp body limit drops to 0, so evhttp drains the body without keeping it and
 * answers 413, which conn_fixup_cb turns into 503.
 */
#include "server.h"

#include <errno.h>
#include <event2/buffer.h>
#include <jansson.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cache.h"
#include "checkpool.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "peers.h"
#include "route.h"

#define SERVER_BACKLOG 511
#define SERVER_MAX_HOOKS 8
#define CANNED_MAX 4096 /* evhttp's error pages are a few hundred bytes */
#define NO_FOREIGN ((size_t)-1)
#define SCAN_LINE_MAX 80     /* enough for "Content-Length: " and 20 digits */
#define TLS_RECORD_MAX 16384 /* a TLS record's plaintext: one SSL_write per output chunk */

/* A configuration and the TLS context built from it, swapped together on SIGHUP. */
struct gen {
	atomic_int refs;
	struct config *config;
	SSL_CTX *tls;
};

struct worker;

struct conn {
	struct worker *w;
	struct bufferevent *bev;
	struct event *deadline;
	bool dispatched;   /* a request is with the handler or its response is being sent */
	bool rejected;     /* over limits.max_connections: closed at the first chance */
	bool in_dispatch;  /* our request callback is running: what it writes is ours */
	bool rewriting;    /* conn_fixup_cb is editing the output */
	bool nodelay;      /* TCP_NODELAY is set on the socket */
	size_t foreign_at; /* output offset of bytes evhttp wrote itself, or NO_FOREIGN */
	struct event *fixup;
	struct evbuffer_cb_entry *outcb;
	/* the in-flight body budget */
	struct evbuffer_cb_entry *incb;
	bool scanning;  /* reading a request's headers: looking for Content-Length */
	bool seen_line; /* the request line went by */
	bool line_long; /* the current line is over SCAN_LINE_MAX: not Content-Length */
	bool has_length;
	bool over_budget;    /* refused: evhttp's 413 becomes 503 */
	int nlength;         /* Content-Length fields seen in this request */
	int nencoding;       /* Transfer-Encoding fields seen */
	const char *framing; /* why the framing is refused (a static string), or NULL */
	int refused;         /* status of our own early answer (conn_refuse), or 0 */
	struct event *refuse_ev;
	bool headers_done;  /* a request's headers have been read once */
	bool rejected_peer; /* over limits.max_connections_per_address */
	bool peer_counted;  /* counted in srv->peers under peer */
	char peer[64];
	struct event *admit_ev;
	size_t linelen;
	char line[SCAN_LINE_MAX + 1];
	unsigned long long length; /* declared Content-Length */
	unsigned long long reserved;
	unsigned served;       /* responses completed */
	struct http_ctx *held; /* a request whose answer comes later (http_defer) */
	struct conn *prev, *next;
};

struct worker {
	struct server *srv;
	int index;
	pthread_t thread;
	bool started;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct event *stop_ev;
	struct event *drain_timer;
	struct gen *applied; /* the generation whose limits evhttp has */
	PGconn *db;
	char *conninfo; /* what db was opened with */
	struct conn *conns;
	int nconns;
	bool paused;             /* listener off: at limits.max_connections */
	struct event *resume_ev; /* polls for a free slot while paused */
	bool draining;
	bool finished; /* the loop has returned: no more loopbreaks */
};

struct server {
	struct event_base *base;
	int fd;
	int port;
	char url[320];
	pthread_mutex_t lock; /* guards gen */
	struct gen *gen;
	struct worker *workers;
	int nworkers;
	atomic_int nconns;
	struct peers *peers;    /* open connections per client address */
	atomic_ullong inflight; /* bytes of declared bodies reserved by conn_input_cb */
	struct event *sig_term, *sig_int, *sig_hup;
	struct cache *cache; /* shared by the workers; NULL: none */
	struct {
		server_reload_fn fn;
		void *arg;
	} hooks[SERVER_MAX_HOOKS];
	int nhooks;
	struct checkpool *checks; /* checks.threads threads, off the event loops */
};

/* The SSL ex_data slot of struct conn; set once, then read-only. */
static int conn_idx = -1;
static pthread_once_t conn_idx_once = PTHREAD_ONCE_INIT;

/* --- generations ------------------------------------------------------------------ */

static struct gen *gen_new(struct config *c, SSL_CTX *tls)
{
	struct gen *g = calloc(1, sizeof(*g));
	if (g == NULL)
		abort();
	atomic_init(&g->refs, 1);
	g->config = c;
	g->tls = tls;
	return g;
}

static struct gen *gen_ref(struct gen *g)
{
	atomic_fetch_add(&g->refs, 1);
	return g;
}

static void gen_release(struct gen *g)
{
	if (g == NULL || atomic_fetch_sub(&g->refs, 1) != 1)
		return;
	config_unref(g->config);
	SSL_CTX_free(g->tls);
	free(g);
}

static struct gen *gen_acquire(struct server *s)
{
	pthread_mutex_lock(&s->lock);
	struct gen *g = gen_ref(s->gen);
	pthread_mutex_unlock(&s->lock);
	return g;
}

/* --- connections ---------------------------------------------------------------------- */

static struct timeval ms_tv(int ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
	return tv;
}

static void conn_arm(struct conn *c, int ms)
{
	struct timeval tv = ms_tv(ms);
	evtimer_add(c->deadline, &tv);
}

/* libevent hands every bufferevent callback the evhttp_connection as its argument;
 * NULL once evhttp has let go of the connection. */
static struct evhttp_connection *conn_evcon(struct conn *c)
{
	void *arg = NULL;
	bufferevent_getcb(c->bev, NULL, NULL, NULL, &arg);
	return arg;
}

static struct conn *conn_of_request(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	if (evcon == NULL)
		return NULL;
	struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);
	SSL *ssl = bev != NULL ? bufferevent_openssl_get_ssl(bev) : NULL;
	return ssl != NULL ? SSL_get_ex_data(ssl, conn_idx) : NULL;
}

static void conn_close(struct conn *c)
{
	struct evhttp_connection *evcon = conn_evcon(c);
	if (evcon != NULL)
		evhttp_connection_free(evcon);
}

static void conn_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct evhttp_connection *evcon = conn_evcon(c);
	(void)fd;
	(void)what;

	if (evcon == NULL)
		return;
	char *peer = NULL;
	ev_uint16_t port = 0;
	evhttp_connection_get_peer(evcon, &peer, &port);
	if (c->refused != 0) {
		/* answered at its headers (conn_refuse_cb): nothing more to say */
	} else if (c->rejected_peer) {
		log_warn("too many connections from %s (limits.max_connections_per_address): "
		         "closed one",
		         c->peer);
		metrics_add_counter("deliberd_http_connections_rejected_total",
		                    "reason=\"per_address\"", 1,
		                    "Connections closed at once because of a connection limit.");
	} else if (!c->headers_done && !c->rejected && !c->w->draining) {
		log_warn("request deadline passed before the headers were complete "
		         "(limits.header_timeout_ms): closed the connection from %s:%u",
		         peer != NULL ? peer : "?", port);
		metrics_add_counter("deliberd_http_header_timeout_closed_total", "", 1,
		                    "Connections closed because no complete request headers came "
		                    "in time (limits.header_timeout_ms).");
	} else if (c->rejected) {
		log_warn("too many connections (limits.max_connections): closed the one from %s:%u",
		         peer != NULL ? peer : "?", port);
		metrics_add_counter("deliberd_http_connections_rejected_total", "reason=\"total\"",
		                    1, "Connections closed at once because of a connection limit.");
	} else if (!c->w->draining) {
		log_warn(
		    "request deadline passed (limits.request_timeout_ms): closed the connection "
		    "from %s:%u",
		    peer != NULL ? peer : "?", port);
		metrics_add_counter("deliberd_http_deadline_closed_total", "", 1,
		                    "Connections closed because a request missed its deadline.");
	}
	evhttp_connection_free(evcon);
}

/* Gives back the body bytes reserved for the current request. */
static void conn_release(struct conn *c)
{
	if (c->reserved == 0)
		return;
	unsigned long long left = atomic_fetch_sub(&c->w->srv->inflight, c->reserved) - c->reserved;
	c->reserved = 0;
	metrics_set_gauge(
	    "deliberd_http_inflight_body_bytes", "", (double)left,
	    "Declared request body bytes being received (limits.max_inflight_body_bytes).");
}

/* The headers of a request are in: reserve its declared body, or refuse it. */
static void conn_reserve(struct conn *c)
{
	const struct config *cfg = c->w->applied->config;
	if (!c->has_length || c->length == 0 || c->length > cfg->max_body_bytes)
		return; /* no body, chunked, or over the per-request limit (evhttp's 413) */
	atomic_ullong *inflight = &c->w->srv->inflight;
	unsigned long long cur = atomic_load(inflight), next;
	do {
		next = cur + c->length;
		if (next > cfg->max_inflight_body_bytes) {
			struct evhttp_connection *evcon = conn_evcon(c);
			c->over_budget = true;
			if (evcon != NULL)
				evhttp_connection_set_max_body_size(evcon, 0);
			log_warn("request body of %llu bytes refused: %llu bytes already in flight "
			         "(limits.max_inflight_body_bytes)",
			         c->length, cur);
			metrics_add_counter(
			    "deliberd_http_inflight_refused_total", "", 1,
			    "Requests refused with 503 by limits.max_inflight_body_bytes.");
			return;
		}
	} while (!atomic_compare_exchange_weak(inflight, &cur, next));
	c->reserved = c->length;
	metrics_set_gauge(
	    "deliberd_http_inflight_body_bytes", "", (double)next,
	    "Declared request body bytes being received (limits.max_inflight_body_bytes).");
}

/* The headers are in: an ambiguous framing gets 400 and a declared body over
 * limits.max_body_bytes 413, both at once (evhttp's own 413 comes only after it has
 * read and discarded the whole body, never for 9223372036854775807 bytes); else the
 * body is reserved from the in-flight budget. */
static void conn_judge(struct conn *c)
{
	if (c->framing == NULL && c->nlength > 0 && c->nencoding > 0)
		c->framing = "both Content-Length and Transfer-Encoding";
	if (c->framing != NULL)
		c->refused = 400;
	else if (c->has_length && c->length > c->w->applied->config->max_body_bytes)
		c->refused = 413;
	if (c->refused == 0) {
		if (!c->headers_done) {
			/* the header timeout is over: the rest of the request has its deadline */
			c->headers_done = true;
			if (!c->dispatched)
				conn_arm(c, c->w->applied->config->request_timeout_ms);
		}
		conn_reserve(c);
		return;
	}
	/* evhttp must never see this request: what it has not read yet goes now, the
	 * answer is written from refuse_ev once evhttp is out of the way */
	struct evbuffer *in = bufferevent_get_input(c->bev);
	if (evbuffer_get_length(in) > 0)
		evbuffer_drain(in, evbuffer_get_length(in));
	event_active(c->refuse_ev, EV_READ, 1);
}

/* Content-Length = 1*DIGIT (RFC 9112 section 6.2), read strictly: no sign, no list
 * ("5, 5"), no leading zero but in "0"; optional whitespace around.  A value past
 * ULLONG_MAX reads as ULLONG_MAX (over any limit).  False if not that grammar. */
static bool framing_length(const char *v, unsigned long long *out)
{
	while (*v == ' ' || *v == '\t')
		v++;
	const char *d = v;
	unsigned long long n = 0;
	for (; *d >= '0' && *d <= '9'; d++) {
		unsigned digit = (unsigned)(*d - '0');
		n = n > (ULLONG_MAX - digit) / 10 ? ULLONG_MAX : n * 10 + digit;
	}
	if (d == v || (v[0] == '0' && d - v > 1))
		return false;
	while (*d == ' ' || *d == '\t')
		d++;
	if (*d != '\0')
		return false;
	*out = n;
	return true;
}

/* Is the line the field name (case-insensitive) followed by a colon? */
static bool framing_is(const char *line, const char *name)
{
	size_t n = strlen(name);
	return strncasecmp(line, name, n) == 0 && line[n] == ':';
}

/* One complete header line (without CR LF) of the request being scanned, of which
 * the first SCAN_LINE_MAX bytes are in c->line.  Besides the declared length, it
 * notes what makes the framing ambiguous (RFC 9112 sections 5.1, 5.2, 6.1, 6.3):
 * request smuggling lives where two parsers (ours, libevent's, a proxy's) could read
 * different bodies. */
static void conn_scan_line(struct conn *c)
{
	c->line[c->linelen] = '\0';
	if (c->linelen == 0 && !c->line_long) {
		if (c->seen_line) {
			c->scanning = false;
			conn_judge(c);
		}
		return;
	}
	if (!c->seen_line) {
		c->seen_line = true;
		return;
	}
	const char *colon = memchr(c->line, ':', c->linelen);
	if (c->line[0] == ' ' || c->line[0] == '\t') {
		c->framing = "a folded header line (obsolete line folding is refused)";
	} else if (colon != NULL && colon > c->line && (colon[-1] == ' ' || colon[-1] == '\t')) {
		c->framing = "whitespace between a header field name and its colon";
	} else if (framing_is(c->line, "Content-Length")) {
		unsigned long long n = 0;
		if (++c->nlength > 1)
			c->framing = "more than one Content-Length field";
		else if (c->line_long || !framing_length(c->line + 15, &n))
			c->framing = "Content-Length is not one decimal number (no sign, list or "
			             "leading zero)";
		else {
			c->has_length = true;
			c->length = n;
		}
	} else if (framing_is(c->line, "Transfer-Encoding")) {
		const char *v = c->line + 18;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t n = strlen(v);
		while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
		if (++c->nencoding > 1)
			c->framing = "more than one Transfer-Encoding field";
		else if (c->line_long || n != 7 || strncasecmp(v, "chunked", 7) != 0)
			c->framing = "a Transfer-Encoding other than chunked";
	}
}

/* Feeds bytes of the input stream to the header scanner until the headers end. */
static void conn_scan(struct conn *c, const char *p, size_t n)
{
	for (size_t i = 0; i < n && c->scanning; i++) {
		char ch = p[i];
		if (ch == '\n') {
			if (c->linelen > 0 && c->line[c->linelen - 1] == '\r')
				c->linelen--;
			conn_scan_line(c);
			c->linelen = 0;
			c->line_long = false;
		} else if (c->linelen < SCAN_LINE_MAX) {
			c->line[c->linelen++] = ch;
		} else {
			c->line_long = true;
		}
	}
}

/* Scans the input from offset at (bytes not seen yet). */
static void conn_scan_from(struct conn *c, struct evbuffer *buf, size_t at)
{
	size_t len = evbuffer_get_length(buf);
	char chunk[4096];
	struct evbuffer_ptr pos;
	while (c->scanning && at < len) {
		size_t n = len - at < sizeof(chunk) ? len - at : sizeof(chunk);
		if (evbuffer_ptr_set(buf, &pos, at, EVBUFFER_PTR_SET) != 0 ||
		    evbuffer_copyout_from(buf, &pos, chunk, n) != (ev_ssize_t)n)
			return;
		conn_scan(c, chunk, n);
		at += n;
	}
}

static void conn_scan_reset(struct conn *c)
{
	c->scanning = true;
	c->seen_line = c->line_long = c->has_length = false;
	c->linelen = 0;
	c->length = 0;
	c->nlength = c->nencoding = 0;
	c->framing = NULL;
}

/* Small responses must not wait for the client's delayed ACK (Nagle: a second write
 * waits until the first is acknowledged, 40 ms on Linux).  Linux copies TCP_NODELAY
 * from the listening socket to accepted ones; this makes sure of it per connection,
 * before the first response (evhttp gives the socket to the bufferevent only after
 * our bufferevent callback, so the first input is the first chance). */
static void conn_nodelay(struct conn *c)
{
	if (c->nodelay)
		return;
	evutil_socket_t fd = bufferevent_getfd(c->bev);
	int one = 1;
	if (fd >= 0 && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0)
		c->nodelay = true;
}

/* New bytes arrived (always appended): scan them before evhttp parses them. */
static void conn_input_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;
	conn_nodelay(c);
	if (c->refused != 0) {
		if (info->n_added > 0)
			evbuffer_drain(buf, evbuffer_get_length(buf));
		return;
	}
	if (!c->scanning || info->n_added == 0)
		return;
	size_t len = evbuffer_get_length(buf);
	conn_scan_from(c, buf, len - info->n_added);
}

/* Accept backpressure: at limits.max_connections a worker stops accepting, so new
 * connections wait in the kernel's listen queue (and are served when a slot frees)
 * instead of being accepted and closed at once, which a reconnecting client turns
 * into a storm of handshakes and log lines.  A worker polls while paused, since the
 * slot may free up in another worker. */
#define WORKER_RESUME_MS 50

static struct evconnlistener *worker_listener(struct worker *w)
{
	return w->bound != NULL ? evhttp_bound_socket_get_listener(w->bound) : NULL;
}

static void worker_pause(struct worker *w)
{
	struct evconnlistener *l = worker_listener(w);
	if (w->paused || l == NULL)
		return;
	evconnlistener_disable(l);
	w->paused = true;
	struct timeval tv = {.tv_usec = WORKER_RESUME_MS * 1000};
	evtimer_add(w->resume_ev, &tv);
	metrics_add_counter("deliberd_http_accept_paused_total", "", 1,
	                    "Times a worker stopped accepting at limits.max_connections.");
	log_info("worker %d: limits.max_connections (%d) reached: not accepting until a "
	         "connection closes",
	         w->index, w->applied->config->max_connections);
}

static void worker_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	(void)fd;
	(void)what;
	struct evconnlistener *l = worker_listener(w);
	if (!w->paused)
		return;
	if (l == NULL || w->draining) {
		w->paused = false;
		evtimer_del(w->resume_ev);
		return;
	}
	if (atomic_load(&w->srv->nconns) < w->applied->config->max_connections) {
		w->paused = false;
		evtimer_del(w->resume_ev);
		evconnlistener_enable(l);
		return;
	}
	struct timeval tv = {.tv_usec = WORKER_RESUME_MS * 1000};
	evtimer_add(w->resume_ev, &tv);
}

/* Right after the accept: the client's address, counted against
 * limits.max_connections_per_address. */
static void conn_admit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	(void)fd;
	(void)what;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	evutil_socket_t sock = bufferevent_getfd(c->bev);
	if (sock < 0 || getpeername(sock, (struct sockaddr *)&ss, &sl) != 0 ||
	    getnameinfo((struct sockaddr *)&ss, sl, c->peer, sizeof(c->peer), NULL, 0,
	                NI_NUMERICHOST) != 0)
		return;
	int max = c->w->applied->config->max_connections_per_address;
	if (peers_acquire(c->w->srv->peers, c->peer, max)) {
		c->peer_counted = true;
		return;
	}
	c->rejected = c->rejected_peer = true;
	conn_arm(c, 0);
}

/* OpenSSL calls this for every SSL freed in the process; only ours carry a conn. */
static void conn_ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
                         void *argp)
{
	struct conn *c = ptr;
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (c == NULL)
		return;
	struct worker *w = c->w;
	if (c->held != NULL)
		route_gone(c->held); /* the client left before its deferred answer */
	event_free(c->deadline);
	event_free(c->fixup);
	event_free(c->refuse_ev);
	event_free(c->admit_ev);
	if (c->peer_counted)
		peers_release(w->srv->peers, c->peer);
	if (c->outcb != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), c->outcb);
	if (c->incb != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->incb);
	conn_release(c);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	w->nconns--;
	int open = atomic_fetch_sub(&w->srv->nconns, 1) - 1;
	metrics_set_gauge("deliberd_http_connections", "", open, "Open HTTPS connections.");
	if (w->draining && w->nconns == 0 && !w->finished)
		event_base_loopbreak(w->base);
	if (w->paused && !w->finished)
		worker_resume_cb(-1, 0, w);
	free(c);
}

static void conn_idx_init(void)
{
	conn_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, conn_ex_free);
}

/* Output written outside our request callback is evhttp's own: have it looked at
 * before the socket gets it (conn_fixup_cb's priority beats the write event's). */
static void conn_output_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;
	if (c->rewriting)
		return;
	if (c->refused != 0) {
		/* the answer has left: a short linger lets the client read it before the
		 * close (unread input at close() makes a reset) */
		if (info->n_deleted > 0 && evbuffer_get_length(buf) == 0)
			conn_arm(c, 100);
		return;
	}
	if (c->foreign_at != NO_FOREIGN && info->n_deleted > 0)
		c->foreign_at =
		    info->n_deleted >= c->foreign_at ? 0 : c->foreign_at - info->n_deleted;
	if (info->n_added > 0 && !c->in_dispatch && c->foreign_at == NO_FOREIGN)
		c->foreign_at = info->orig_size;
	if (info->n_added > 0)
		event_active(c->fixup, EV_READ, 1);
}

/* bufferevent_openssl makes one SSL_write, so one TLS record (and, with TCP_NODELAY,
 * one segment), per chunk of the output buffer; evhttp leaves the status line and
 * headers in one chunk and the body in others.  Joining the first TLS_RECORD_MAX
 * bytes makes a small answer one record and a large one full records. */
static void conn_coalesce(struct conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t len = evbuffer_get_length(out);
	size_t n = len < TLS_RECORD_MAX ? len : TLS_RECORD_MAX;
	if (n > 0 && evbuffer_get_contiguous_space(out) < n)
		evbuffer_pullup(out, (ev_ssize_t)n);
}

/* Finds "\r\nName: value" (case-insensitive name) in a header block. */
static bool canned_has_header(const char *head, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = strstr(head, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n"))
		if (strncasecmp(p + 2, line, n) == 0)
			return true;
	return false;
}

/* The JSON error that stands for one of evhttp's canned pages. */
static void canned_json(const struct config *cfg, int status, bool over_budget,
                        struct evbuffer *out)
{
	const char *code = "invalid";
	char msg[200];
	if (over_budget && status == 413) {
		code = "unavailable";
		snprintf(msg, sizeof(msg),
		         "too many request bodies in flight (limits.max_inflight_body_bytes, %zu "
		         "bytes): retry later",
		         (size_t)cfg->max_inflight_body_bytes);
	} else if (status == 413) {
		code = "too_large";
		snprintf(msg, sizeof(msg),
		         "the request body exceeds limits.max_body_bytes (%zu bytes)",
		         (size_t)cfg->max_body_bytes);
	} else if (status == 400 || status == 431) {
		snprintf(msg, sizeof(msg),
		         "malformed request line or headers, or headers over "
		         "limits.max_header_bytes (%zu bytes)",
		         (size_t)cfg->max_header_bytes);
	} else {
		code = status == 503 ? "unavailable" : status < 500 ? "invalid" : "internal";
		snprintf(msg, sizeof(msg), "the request could not be handled (HTTP %d)", status);
	}
	json_t *j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
	char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	if (text != NULL)
		evbuffer_add_printf(out, "%s\n", text);
	else
		evbuffer_add_printf(out, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}\n", code,
		                    code);
	free(text);
	json_decref(j);
}

/* Replaces an evhttp error page (status >= 400, text/html) at c->foreign_at in the
 * output by the JSON error shape, keeping evhttp's status line and other headers. */
static void conn_fixup_canned(struct conn *c)
{
	size_t at = c->foreign_at;
	c->foreign_at = NO_FOREIGN;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t len = evbuffer_get_length(out);
	if (at == NO_FOREIGN || at >= len || len - at > CANNED_MAX)
		return;
	char text[CANNED_MAX + 1];
	struct evbuffer_ptr pos;
	if (evbuffer_ptr_set(out, &pos, at, EVBUFFER_PTR_SET) != 0 ||
	    evbuffer_copyout_from(out, &pos, text, len - at) != (ev_ssize_t)(len - at))
		return;
	text[len - at] = '\0';
	char *end = strstr(text, "\r\n\r\n");
	int status = strncmp(text, "HTTP/1.", 7) == 0 && strlen(text) > 12 ? atoi(text + 9) : 0;
	if (end == NULL || status < 400)
		return;
	end[2] = '\0'; /* the header block, each line ending in \r\n */
	if (!canned_has_header(text, "Content-Type: text/html"))
		return;

	struct evbuffer *body = evbuffer_new();
	struct evbuffer *keep = evbuffer_new();
	if (body == NULL || keep == NULL)
		abort();
	bool busy = c->over_budget && status == 413;
	canned_json(c->w->applied->config, status, c->over_budget, body);
	c->rewriting = true;
	evbuffer_remove_buffer(out, keep, at);
	evbuffer_drain(out, len - at);
	char *line = text;
	if (busy) {
		evbuffer_add_printf(keep, "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n");
		line = strstr(text, "\r\n") + 2;
	}
	for (char *next; (next = strstr(line, "\r\n")) != NULL; line = next + 2) {
		bool first = line == text;
		if (!first && (strncasecmp(line, "Content-Type:", 13) == 0 ||
		               strncasecmp(line, "Content-Length:", 15) == 0))
			continue;
		evbuffer_add(keep, line, (size_t)(next + 2 - line));
	}
	evbuffer_add_printf(keep,
	                    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
	                    "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\r\n",
	                    evbuffer_get_length(body));
	evbuffer_add_buffer(keep, body);
	evbuffer_add_buffer(out, keep);
	c->rewriting = false;
	evbuffer_free(keep);
	evbuffer_free(body);
	log_info("HTTP %d answered by the connection layer (limits or malformed request)", status);
}

/* Runs before the socket write of anything added to the output. */
static void conn_fixup_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	(void)fd;
	(void)what;
	conn_fixup_canned(c);
	conn_coalesce(c);
}

/* Our own answer to a request refused at its headers (conn_judge): evhttp stops
 * reading and writing on this connection (its callbacks go, its event callback stays
 * so that a closing peer still frees it), the JSON error goes out with Connection:
 * close, the rest of the input is discarded (conn_input_cb), and the connection is
 * freed shortly after the answer has left (conn_output_cb). */
static void conn_refuse_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	(void)fd;
	(void)what;
	bufferevent_event_cb eventcb = NULL;
	void *cbarg = NULL;
	bufferevent_getcb(c->bev, NULL, NULL, &eventcb, &cbarg);
	bufferevent_setcb(c->bev, NULL, NULL, eventcb, cbarg);
	evtimer_del(c->deadline);

	const struct config *cfg = c->w->applied->config;
	char msg[200];
	const char *code = "invalid", *reason = "Bad Request";
	if (c->refused == 413) {
		code = "too_large";
		reason = "Payload Too Large";
		snprintf(msg, sizeof(msg),
		         "the declared request body exceeds limits.max_body_bytes (%zu bytes)",
		         (size_t)cfg->max_body_bytes);
	} else {
		snprintf(msg, sizeof(msg), "ambiguous request framing: %s (RFC 9112)",
		         c->framing != NULL ? c->framing : "?");
	}
	json_t *j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
	char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (text == NULL)
		abort();
	struct evbuffer *out = bufferevent_get_output(c->bev);
	c->rewriting = true; /* not evhttp's page: conn_output_cb leaves it alone */
	evbuffer_add_printf(
	    out,
	    "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n"
	    "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\r\n%s\n",
	    c->refused, reason, strlen(text) + 1, text);
	c->rewriting = false;
	free(text);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	/* whatever happens to the write, the connection goes within a second */
	conn_arm(c, 1000);
	log_info("HTTP %d at the headers: %s", c->refused, c->refused == 413 ? msg : c->framing);
	metrics_add_counter("deliberd_http_framing_refused_total",
	                    c->refused == 413 ? "status=\"413\"" : "status=\"400\"", 1,
	                    "Requests answered at their headers: ambiguous framing (400) or a "
	                    "declared body over limits.max_body_bytes (413).");
}

/* The limits evhttp copies into each new connection follow the current generation. */
static void worker_apply(struct worker *w, struct gen *g)
{
	if (w->applied == g)
		return;
	const struct config *c = g->config;
	evhttp_set_max_body_size(w->http, (ev_ssize_t)c->max_body_bytes);
	evhttp_set_max_headers_size(w->http, (ev_ssize_t)c->max_header_bytes);
	struct timeval tv = ms_tv(c->request_timeout_ms);
	evhttp_set_timeout_tv(w->http, &tv);
	gen_release(w->applied);
	w->applied = gen_ref(g);
}

/* evhttp's bufferevent callback: every accepted socket becomes a TLS connection. */
static struct bufferevent *conn_new(struct event_base *base, void *arg)
{
	struct worker *w = arg;
	struct server *s = w->srv;
	struct gen *g = gen_acquire(s);

	worker_apply(w, g);
	SSL *ssl = SSL_new(g->tls);
	int timeout_ms = g->config->request_timeout_ms;
	if (g->config->header_timeout_ms < timeout_ms)
		timeout_ms = g->config->header_timeout_ms;
	int limit = g->config->max_connections;
	gen_release(g);
	struct conn *c = calloc(1, sizeof(*c));
	/* evhttp would fall back to plain HTTP on a NULL bufferevent: never return one */
	if (ssl == NULL || c == NULL)
		abort();
	c->w = w;
	c->deadline = evtimer_new(base, conn_deadline_cb, c);
	if (c->deadline == NULL)
		abort();
	SSL_set_ex_data(ssl, conn_idx, c);
	c->bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
	                                        BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		abort();
	c->foreign_at = NO_FOREIGN;
	c->fixup = event_new(base, -1, 0, conn_fixup_cb, c);
	c->refuse_ev = event_new(base, -1, 0, conn_refuse_cb, c);
	c->admit_ev = event_new(base, -1, 0, conn_admit_cb, c);
	c->outcb = evbuffer_add_cb(bufferevent_get_output(c->bev), conn_output_cb, c);
	c->incb = evbuffer_add_cb(bufferevent_get_input(c->bev), conn_input_cb, c);
	conn_scan_reset(c);
	if (c->fixup == NULL || c->refuse_ev == NULL || c->admit_ev == NULL || c->outcb == NULL ||
	    c->incb == NULL || event_priority_set(c->fixup, 0) != 0)
		abort();
	c->next = w->conns;
	if (w->conns != NULL)
		w->conns->prev = c;
	w->conns = c;
	w->nconns++;
	int open = atomic_fetch_add(&s->nconns, 1) + 1;
	metrics_set_gauge("deliberd_http_connections", "", open, "Open HTTPS connections.");
	if (open > limit || w->draining) {
		c->rejected = true;
		conn_arm(c, 0);
	} else {
		conn_arm(c, timeout_ms);
		event_active(c->admit_ev, EV_READ, 1); /* once evhttp has given it the socket */
	}
	if (open >= limit)
		worker_pause(w);
	return c->bev;
}

/* After each response: the next request on a kept-alive connection gets a fresh
 * deadline. */
static void conn_request_done(struct evhttp_request *req, void *arg)
{
	struct conn *c = arg;
	(void)req;
	c->dispatched = false;
	c->served++;
	conn_release(c);
	if (c->over_budget) {
		struct evhttp_connection *evcon = conn_evcon(c);
		if (evcon != NULL)
			evhttp_connection_set_max_body_size(
			    evcon, (ev_ssize_t)c->w->applied->config->max_body_bytes);
		c->over_budget = false;
	}
	/* a pipelined next request may be waiting in the input already */
	conn_scan_reset(c);
	conn_scan_from(c, bufferevent_get_input(c->bev), 0);
	if (!c->w->draining) {
		struct gen *g = gen_acquire(c->w->srv);
		conn_arm(c, g->config->request_timeout_ms);
		gen_release(g);
	}
}

/* route.c's hooks for answers given later (http_defer). */
static void conn_hold(void *conn, struct http_ctx *ctx)
{
	((struct conn *)conn)->held = ctx;
}

static bool conn_alive(void *conn)
{
	return conn_evcon(conn) != NULL;
}

static void conn_sending(void *conn, bool on)
{
	((struct conn *)conn)->in_dispatch = on;
}

/* evhttp's request callback: the request is read entirely. */
static void worker_request(struct evhttp_request *req, void *arg)
{
	struct worker *w = arg;
	struct conn *c = conn_of_request(req);
	struct gen *g = gen_acquire(w->srv);

	if (c != NULL) {
		evtimer_del(c->deadline);
		c->dispatched = true;
		evhttp_request_set_on_complete_cb(req, conn_request_done, c);
	}
	if (w->conninfo == NULL || strcmp(w->conninfo, g->config->database_conninfo) != 0) {
		/* first request, or database.conninfo changed on reload */
		db_close(w->db);
		w->db = NULL;
		free(w->conninfo);
		w->conninfo = strdup(g->config->database_conninfo);
	}
	struct route_env env = {.config = g->config,
	                        .db = &w->db,
	                        .cache = w->srv->cache,
	                        .closing = w->draining,
	                        .checks = w->srv->checks};
	if (c != NULL) {
		env.conn = c;
		env.hold = conn_hold;
		env.alive = conn_alive;
		env.sending = conn_sending;
	}
	if (c != NULL)
		c->in_dispatch = true;
	route_dispatch(req, &env);
	if (c != NULL)
		c->in_dispatch = false;
	gen_release(g);
}

/* --- workers ------------------------------------------------------------------------ */

/* Idle: between requests on a kept-alive connection, nothing of a next one read yet. */
static bool conn_idle(struct conn *c)
{
	return c->rejected || (!c->dispatched && c->served > 0 &&
	                       evbuffer_get_length(bufferevent_get_input(c->bev)) == 0);
}

static void worker_drain_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	(void)fd;
	(void)what;
	if (w->nconns > 0)
		log_warn("worker %d: %d connection(s) still open at the drain deadline: closing",
		         w->index, w->nconns);
	for (struct conn *c = w->conns, *next; c != NULL; c = next) {
		next = c->next;
		conn_close(c);
	}
	event_base_loopbreak(w->base);
}

/* Activated from the main thread: stop accepting, close idle connections, let the
 * others finish (bounded by the request deadline). */
static void worker_stop(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	(void)fd;
	(void)what;

	w->draining = true;
	if (w->bound != NULL) {
		evhttp_del_accept_socket(w->http, w->bound);
		w->bound = NULL;
	}
	for (struct conn *c = w->conns, *next; c != NULL; c = next) {
		next = c->next;
		if (conn_idle(c))
			conn_close(c);
	}
	if (w->nconns == 0) {
		event_base_loopbreak(w->base);
		return;
	}
	struct gen *g = gen_acquire(w->srv);
	struct timeval tv = ms_tv(g->config->request_timeout_ms);
	gen_release(g);
	evtimer_add(w->drain_timer, &tv);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	event_base_dispatch(w->base);
	w->finished = true;
	return NULL;
}

static bool worker_init(struct worker *w, struct server *s, int index, struct err *e)
{
	w->srv = s;
	w->index = index;
	w->base = event_base_new();
	/* priority 0: conn_fixup_cb, before any socket write; the rest run at 1 */
	if (w->base != NULL && event_base_priority_init(w->base, 2) != 0) {
		err_set(e, ERR_INTERNAL, "cannot set the event priorities of worker %d", index);
		return false;
	}
	w->http = w->base != NULL ? evhttp_new(w->base) : NULL;
	if (w->http == NULL) {
		err_set(e, ERR_INTERNAL, "cannot create the event loop of worker %d", index);
		return false;
	}
	evhttp_set_bevcb(w->http, conn_new, w);
	evhttp_set_gencb(w->http, worker_request, w);
	evhttp_set_flags(w->http, EVHTTP_SERVER_LINGERING_CLOSE);
	/* every method reaches route.c, which answers 401/404/405 in JSON */
	evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
	                                        EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
	                                        EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS |
	                                        EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT);
	struct gen *g = gen_acquire(s);
	worker_apply(w, g);
	gen_release(g);
	int fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0 || (w->bound = evhttp_accept_socket_with_handle(w->http, fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		err_set(e, ERR_INTERNAL, "worker %d cannot accept on the listening socket", index);
		return false;
	}
	w->stop_ev = event_new(w->base, -1, 0, worker_stop, w);
	w->drain_timer = evtimer_new(w->base, worker_drain_timeout, w);
	w->resume_ev = evtimer_new(w->base, worker_resume_cb, w);
	if (w->stop_ev == NULL || w->drain_timer == NULL || w->resume_ev == NULL) {
		err_set(e, ERR_INTERNAL, "cannot create the events of worker %d", index);
		return false;
	}
	return true;
}

/* Runs in the main thread once the worker's thread is gone (or never started). */
static void worker_cleanup(struct worker *w)
{
	if (w->http != NULL) {
		w->finished = true;
		evhttp_free(w->http); /* closes the connections; their conns go with the SSLs */
		w->http = NULL;
		/* libevent frees bufferevents in finalizers: let them (and so conn_ex_free) run
		 * while the base is whole */
		for (int i = 0; i < 8 && w->nconns > 0; i++)
			event_base_loop(w->base, EVLOOP_NONBLOCK);
		event_base_loop(w->base, EVLOOP_NONBLOCK);
	}
	if (w->stop_ev != NULL)
		event_free(w->stop_ev);
	if (w->resume_ev != NULL)
		event_free(w->resume_ev);
	if (w->drain_timer != NULL)
		event_free(w->drain_timer);
	if (w->base != NULL)
		event_base_free(w->base);
	gen_release(w->applied);
	db_close(w->db);
	free(w->conninfo);
	memset(w, 0, sizeof(*w));
}

/* --- listening socket --------------------------------------------------------------- */

static bool server_listen(struct server *s, const struct config *c, struct err *e)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
	                         .ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	char port[16];
	int rc;

	snprintf(port, sizeof(port), "%d", c->listen_port);
	if ((rc = getaddrinfo(c->listen_address, port, &hints, &res)) != 0) {
		err_set_field(e, ERR_INVALID, "listen.address",
		              "listen.address: cannot resolve %s: %s", c->listen_address,
		              gai_strerror(rc));
		return false;
	}
	int saved = 0;
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		                ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		/* inherited by accepted sockets on Linux; conn_nodelay makes sure */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, SERVER_BACKLOG) != 0) {
			saved = errno;
			close(fd);
			continue;
		}
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char host[NI_MAXHOST], serv[NI_MAXSERV];
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
		    getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), serv, sizeof(serv),
		                NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
			saved = errno;
			close(fd);
			continue;
		}
		s->fd = fd;
		s->port = atoi(serv);
		snprintf(s->url, sizeof(s->url),
		         ss.ss_family == AF_INET6 ? "https://[%s]:%s" : "https://%s:%s", host,
		         serv);
		freeaddrinfo(res);
		return true;
	}
	freeaddrinfo(res);
	err_set_field(e, ERR_UNAVAILABLE, "listen.port", "cannot listen on %s port %d: %s",
	              c->listen_address, c->listen_port, strerror(saved != 0 ? saved : EINVAL));
	return false;
}

/* --- the server ---------------------------------------------------------------------- */

struct server *server_new(struct config *c, struct err *e)
{
	pthread_once(&conn_idx_once, conn_idx_init);
	if (conn_idx < 0) {
		err_set(e, ERR_INTERNAL, "cannot allocate an OpenSSL ex_data index");
		return NULL;
	}
	if (evthread_use_pthreads() != 0) {
		err_set(e, ERR_INTERNAL, "libevent has no pthreads support");
		return NULL;
	}
	SSL_CTX *tls = server_tls_new(c, e);
	if (tls == NULL)
		return NULL;
	struct server *s = calloc(1, sizeof(*s));
	if (s == NULL)
		abort();
	s->fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	atomic_init(&s->nconns, 0);
	s->peers = peers_new();
	atomic_init(&s->inflight, 0);
	s->gen = gen_new(config_ref(c), tls);
	s->cache = cache_new(CACHE_DEFAULT_BYTES);
	s->base = event_base_new();
	if (s->base == NULL) {
		err_set(e, ERR_INTERNAL, "cannot create the main event loop");
		server_free(s);
		return NULL;
	}
	if (!server_listen(s, c, e)) {
		server_free(s);
		return NULL;
	}
	s->checks = checkpool_new(c);
	if (s->checks == NULL) {
		err_set(e, ERR_INTERNAL, "cannot start the check pool");
		server_free(s);
		return NULL;
	}
	return s;
}

struct event_base *server_base(struct server *s)
{
	return s->base;
}

void server_on_reload(struct server *s, server_reload_fn fn, void *arg)
{
	if (s->nhooks < SERVER_MAX_HOOKS) {
		s->hooks[s->nhooks].fn = fn;
		s->hooks[s->nhooks].arg = arg;
		s->nhooks++;
	}
}

/* SIGHUP: a new config and TLS context, both validated, or nothing changes. */
static void server_reload(struct server *s)
{
	struct gen *cur = gen_acquire(s);
	const char *path = cur->config->path;
	struct err e = {0};

	log_info("SIGHUP: reloading the configuration from %s", path);
	struct config *nc = config_load(path, &e);
	SSL_CTX *tls = nc != NULL ? server_tls_new(nc, &e) : NULL;
	if (tls == NULL) {
		log_error("reload failed, keeping the current configuration: %s", e.message);
		metrics_add_counter("deliberd_config_reloads_total", "result=\"failure\"", 1,
		                    "Configuration reloads (SIGHUP) by result.");
		config_unref(nc);
		gen_release(cur);
		return;
	}
	const struct config *oc = cur->config;
	if (strcmp(oc->listen_address, nc->listen_address) != 0 ||
	    oc->listen_port != nc->listen_port || oc->workers != nc->workers)
		log_warn("listen.address, listen.port and listen.workers change on a restart only");
	struct gen *ng = gen_new(nc, tls);
	pthread_mutex_lock(&s->lock);
	struct gen *old = s->gen;
	s->gen = ng;
	pthread_mutex_unlock(&s->lock);
	gen_release(old);
	log_setup(nc->log_level, nc->log_format);
	metrics_add_counter("deliberd_config_reloads_total", "result=\"success\"", 1,
	                    "Configuration reloads (SIGHUP) by result.");
	log_info("configuration reloaded from %s", path);
	checkpool_configure(s->checks, nc);
	for (int i = 0; i < s->nhooks; i++)
		s->hooks[i].fn(nc, s->hooks[i].arg);
	gen_release(cur);
}

static void server_signal(evutil_socket_t sig, short what, void *arg)
{
	struct server *s = arg;
	(void)what;
	if (sig == SIGHUP) {
		server_reload(s);
		return;
	}
	log_info("%s: stopping: no new connections, draining the requests in flight",
	         sig == SIGTERM ? "SIGTERM" : "SIGINT");
	event_base_loopbreak(s->base);
}

bool server_run(struct server *s, struct err *e)
{
	struct gen *g = gen_acquire(s);
	int n = g->config->workers;
	gen_release(g);

	s->sig_term = evsignal_new(s->base, SIGTERM, server_signal, s);
	s->sig_int = evsignal_new(s->base, SIGINT, server_signal, s);
	s->sig_hup = evsignal_new(s->base, SIGHUP, server_signal, s);
	if (s->sig_term == NULL || s->sig_int == NULL || s->sig_hup == NULL ||
	    evsignal_add(s->sig_term, NULL) != 0 || evsignal_add(s->sig_int, NULL) != 0 ||
	    evsignal_add(s->sig_hup, NULL) != 0) {
		err_set(e, ERR_INTERNAL, "cannot install the signal handlers");
		return false;
	}
	signal(SIGPIPE, SIG_IGN);

	s->workers = calloc((size_t)n, sizeof(*s->workers));
	if (s->workers == NULL)
		abort();
	s->nworkers = n;
	for (int i = 0; i < n; i++)
		if (!worker_init(&s->workers[i], s, i, e))
			return false;

	/* workers never see the signals: the main thread's loop handles them */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (int i = 0; i < n; i++) {
		struct worker *w = &s->workers[i];
		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			err_set(e, ERR_INTERNAL, "cannot start worker thread %d", i);
			return false;
		}
		w->started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	log_info("listening on %s with %d worker(s)", s->url, n);
	printf("deliberd: listening on %s\n", s->url);
	fflush(stdout);

	event_base_dispatch(s->base);

	for (int i = 0; i < n; i++)
		event_active(s->workers[i].stop_ev, EV_READ, 1);
	/* the socket stops listening once the workers have closed their duplicates too */
	close(s->fd);
	s->fd = -1;
	for (int i = 0; i < n; i++) {
		if (s->workers[i].started)
			pthread_join(s->workers[i].thread, NULL);
		s->workers[i].started = false;
	}
	log_info("stopped");
	return true;
}

void server_free(struct server *s)
{
	if (s == NULL)
		return;
	/* a check still running must not wake a worker whose loop is being freed */
	checkpool_quiesce(s->checks);
	for (int i = 0; i < s->nworkers; i++) {
		struct worker *w = &s->workers[i];
		if (w->started) {
			/* server_run failed half-way: stop the threads that did start */
			event_active(w->stop_ev, EV_READ, 1);
			pthread_join(w->thread, NULL);
		}
		worker_cleanup(w);
	}
	free(s->workers);
	checkpool_free(s->checks); /* after the workers: no request waits on it any more */
	if (s->sig_term != NULL)
		event_free(s->sig_term);
	if (s->sig_int != NULL)
		event_free(s->sig_int);
	if (s->sig_hup != NULL)
		event_free(s->sig_hup);
	if (s->base != NULL)
		event_base_free(s->base);
	if (s->fd >= 0)
		close(s->fd);
	gen_release(s->gen);
	cache_free(s->cache);
	peers_free(s->peers);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
