/*
 * outbox: the persisted notification queue and its webhook sender.  Sending is
 * asynchronous on the serve process's event loop (evhttp client over
 * bufferevent_openssl), so a slow receiver never blocks anything else; each
 * event is claimed in the database for a lease first, so that several deliberd
 * processes sharing one database do not send it twice at the same time, and a
 * process that dies mid-send leaves it to be retried when the lease ends.
 */
#include "outbox.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "db.h"
#include "log.h"
#include "metrics.h"
#include "store_retention.h"

#define OUTBOX_MAX_INFLIGHT 8
#define OUTBOX_POLL_S 1
#define OUTBOX_MAX_RESPONSE (64 * 1024)

struct outbox_send {
	struct outbox *o;
	struct evhttp_connection *conn;
	struct bufferevent *bev;
	int64_t id;
	int attempts;
	char event[64];
	char error[160];
};

struct outbox {
	struct event_base *base;
	const struct config *c;
	PGconn *db;
	SSL_CTX *ssl;
	struct evdns_base *dns;
	struct event *timer;
	struct outbox_send *inflight[OUTBOX_MAX_INFLIGHT];
	bool db_warned;
};

int outbox_backoff(int attempts)
{
	if (attempts < 1)
		attempts = 1;
	if (attempts > 13)
		return OUTBOX_MAX_BACKOFF_S;
	int d = 1 << (attempts - 1);
	return d > OUTBOX_MAX_BACKOFF_S ? OUTBOX_MAX_BACKOFF_S : d;
}

void outbox_signature(const char *secret, const char *body, size_t len, char out[72])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	static const char hex[] = "0123456789abcdef";
	HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, len, md,
	     &mdlen);
	memcpy(out, "sha256=", 7);
	for (unsigned int i = 0; i < mdlen && i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[7 + 2 * (mdlen < 32 ? mdlen : 32)] = '\0';
}

static bool loopback_host(const char *host)
{
	return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "::1") == 0 ||
	       strcmp(host, "[::1]") == 0 || strcmp(host, "localhost") == 0;
}

bool outbox_url_allowed(const char *url, struct err *e)
{
	struct evhttp_uri *u = url != NULL ? evhttp_uri_parse(url) : NULL;
	if (u == NULL) {
		err_set(e, ERR_INVALID, "the webhook URL does not parse");
		return false;
	}
	const char *scheme = evhttp_uri_get_scheme(u);
	const char *host = evhttp_uri_get_host(u);
	bool ok = true;
	if (scheme == NULL || host == NULL || host[0] == '\0') {
		err_set(e, ERR_INVALID, "the webhook URL needs a scheme and a host");
		ok = false;
	} else if (strcmp(scheme, "https") != 0 &&
	           !(strcmp(scheme, "http") == 0 && loopback_host(host))) {
		err_set(e, ERR_INVALID, "webhooks use https (http only to a loopback address)");
		ok = false;
	} else if (evhttp_uri_get_userinfo(u) != NULL) {
		err_set(e, ERR_INVALID, "the webhook URL may not carry credentials");
		ok = false;
	}
	evhttp_uri_free(u);
	return ok;
}

bool outbox_enqueue(PGconn *db, const char *audience, const char *recipient, const char *event,
                    json_t *payload, struct err *e)
{
	json_t *body = json_deep_copy(payload);
	if (body == NULL || json_object_set_new(body, "event", json_string(event)) != 0) {
		json_decref(body);
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	char *text = json_dumps(body, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(body);
	if (text == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	bool ok = store_outbox_insert(db, audience, recipient, event, text, NULL, e);
	free(text);
	return ok;
}

/* Records the outcome of one attempt; a lost database is only logged, the
 * lease makes the event due again. */
static void outbox_record(struct outbox *o, int64_t id, int attempts, int status, const char *error)
{
	struct err e = {0};
	bool ok;
	if (error == NULL) {
		ok = store_outbox_delivered(o->db, id, status, &e);
		if (ok)
			log_info("outbox: event %" PRId64 " delivered (HTTP %d, attempt %d)", id,
			         status, attempts);
		metrics_add_counter("deliberd_outbox_deliveries_total", "result=\"delivered\"", 1,
		                    "Webhook delivery attempts by result");
	} else {
		int delay = outbox_backoff(attempts);
		ok = store_outbox_failed(o->db, id, status, error, delay, &e);
		log_warn("outbox: event %" PRId64 " not delivered (attempt %d): %s; retry in %d s",
		         id, attempts, error, delay);
		metrics_add_counter("deliberd_outbox_deliveries_total", "result=\"failed\"", 1,
		                    "Webhook delivery attempts by result");
	}
	if (!ok)
		log_warn("outbox: could not record the outcome of event %" PRId64 ": %s", id,
		         e.message);
}

static void send_forget(struct outbox_send *s)
{
	for (int i = 0; i < OUTBOX_MAX_INFLIGHT; i++)
		if (s->o->inflight[i] == s)
			s->o->inflight[i] = NULL;
	free(s);
}

static const char *request_error_name(enum evhttp_request_error err)
{
	switch (err) {
	case EVREQ_HTTP_TIMEOUT:
		return "timed out";
	case EVREQ_HTTP_EOF:
		return "connection closed early";
	case EVREQ_HTTP_INVALID_HEADER:
		return "invalid response header";
	case EVREQ_HTTP_BUFFER_ERROR:
		return "connection failed";
	case EVREQ_HTTP_REQUEST_CANCEL:
		return "cancelled";
	case EVREQ_HTTP_DATA_TOO_LONG:
		return "response too long";
	}
	return "failed";
}

static void send_error_cb(enum evhttp_request_error err, void *arg)
{
	struct outbox_send *s = arg;
	unsigned long ssl_err = s->bev != NULL ? bufferevent_get_openssl_error(s->bev) : 0;
	if (ssl_err != 0) {
		char buf[120];
		ERR_error_string_n(ssl_err, buf, sizeof(buf));
		snprintf(s->error, sizeof(s->error), "%s (TLS: %s)", request_error_name(err), buf);
	} else {
		snprintf(s->error, sizeof(s->error), "%s", request_error_name(err));
	}
}

static void send_done_cb(struct evhttp_request *req, void *arg)
{
	struct outbox_send *s = arg;
	int status = req != NULL ? evhttp_request_get_response_code(req) : 0;
	if (status >= 200 && status < 300) {
		outbox_record(s->o, s->id, s->attempts, status, NULL);
	} else if (status > 0) {
		char msg[64];
		snprintf(msg, sizeof(msg), "the receiver answered HTTP %d", status);
		outbox_record(s->o, s->id, s->attempts, status, msg);
	} else {
		outbox_record(s->o, s->id, s->attempts, 0,
		              s->error[0] != '\0' ? s->error : "connection failed");
	}
	/* free_on_completion releases the connection once we return. */
	send_forget(s);
}

/* Starts one POST; false (with error filled) when it cannot even start. */
static bool send_start(struct outbox *o, struct outbox_send *s, const char *url, const char *key,
                       const char *body, const char *secret, char *error, size_t errlen)
{
	struct err e = {0};
	if (!outbox_url_allowed(url, &e)) {
		snprintf(error, errlen, "%s", e.message);
		return false;
	}
	struct evhttp_uri *u = evhttp_uri_parse(url);
	const char *scheme = evhttp_uri_get_scheme(u);
	const char *host = evhttp_uri_get_host(u);
	bool tls = strcmp(scheme, "https") == 0;
	int port = evhttp_uri_get_port(u);
	if (port < 0)
		port = tls ? 443 : 80;
	char hostname[256], hostraw[256];
	snprintf(hostname, sizeof(hostname), "%s", host);
	snprintf(hostraw, sizeof(hostraw), "%s", host); /* as in the URL: the Host header */
	/* evhttp keeps IPv6 literals bracketed; sockets and certificates do not. */
	size_t hl = strlen(hostname);
	if (hl > 2 && hostname[0] == '[' && hostname[hl - 1] == ']') {
		memmove(hostname, hostname + 1, hl - 2);
		hostname[hl - 2] = '\0';
	}
	char path[2048];
	const char *p = evhttp_uri_get_path(u);
	const char *q = evhttp_uri_get_query(u);
	snprintf(path, sizeof(path), "%s%s%s", p != NULL && p[0] != '\0' ? p : "/",
	         q != NULL ? "?" : "", q != NULL ? q : "");
	evhttp_uri_free(u);

	struct bufferevent *bev = NULL;
	if (tls) {
		SSL *ssl = SSL_new(o->ssl);
		if (ssl == NULL) {
			snprintf(error, errlen, "TLS setup failed");
			return false;
		}
		unsigned char ipbuf[16];
		X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
		if (inet_pton(AF_INET, hostname, ipbuf) == 1 ||
		    inet_pton(AF_INET6, hostname, ipbuf) == 1) {
			X509_VERIFY_PARAM_set1_ip_asc(param, hostname);
		} else {
			SSL_set_tlsext_host_name(ssl, hostname);
			SSL_set1_host(ssl, hostname);
		}
		bev =
		    bufferevent_openssl_socket_new(o->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
		                                   BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
		if (bev == NULL) {
			SSL_free(ssl);
			snprintf(error, errlen, "TLS setup failed");
			return false;
		}
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	}
	struct evhttp_connection *conn = evhttp_connection_base_bufferevent_new(
	    o->base, o->dns, bev, hostname, (unsigned short)port);
	if (conn == NULL) {
		if (bev != NULL)
			bufferevent_free(bev);
		snprintf(error, errlen, "could not create a connection");
		return false;
	}
	int ms = o->c->webhook_timeout_ms > 0 ? o->c->webhook_timeout_ms : 10000;
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	evhttp_connection_set_timeout_tv(conn, &tv);
	evhttp_connection_set_retries(conn, 0);
	evhttp_connection_set_max_body_size(conn, OUTBOX_MAX_RESPONSE);
	evhttp_connection_set_max_headers_size(conn, 16 * 1024);

	struct evhttp_request *req = evhttp_request_new(send_done_cb, s);
	if (req == NULL) {
		evhttp_connection_free(conn);
		snprintf(error, errlen, "out of memory");
		return false;
	}
	evhttp_request_set_error_cb(req, send_error_cb);
	s->conn = conn;
	s->bev = bev;
	char sig[72], hosthdr[300], len[24];
	outbox_signature(secret, body, strlen(body), sig);
	if (port == (tls ? 443 : 80))
		snprintf(hosthdr, sizeof(hosthdr), "%s", hostraw);
	else
		snprintf(hosthdr, sizeof(hosthdr), "%s:%d", hostraw, port);
	snprintf(len, sizeof(len), "%zu", strlen(body));
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", hosthdr);
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Content-Length", len);
	evhttp_add_header(h, "User-Agent", "deliberd/" DELIBERD_VERSION);
	evhttp_add_header(h, "X-Deliberd-Event", s->event);
	evhttp_add_header(h, "X-Deliberd-Signature", sig);
	evhttp_add_header(h, "Idempotency-Key", key);
	evhttp_add_header(h, "Connection", "close");
	evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
	if (evhttp_make_request(conn, req, EVHTTP_REQ_POST, path) != 0) {
		/* evhttp_make_request frees req on failure. */
		evhttp_connection_free(conn);
		snprintf(error, errlen, "could not send the request");
		return false;
	}
	evhttp_connection_free_on_completion(conn);
	return true;
}

static void outbox_poll(struct outbox *o)
{
	int free_slots = 0;
	for (int i = 0; i < OUTBOX_MAX_INFLIGHT; i++)
		free_slots += o->inflight[i] == NULL;
	if (free_slots == 0)
		return;
	struct err e = {0};
	if (!db_ensure(&o->db, o->c, &e)) {
		if (!o->db_warned)
			log_warn("outbox: %s", e.message);
		o->db_warned = true;
		return;
	}
	o->db_warned = false;
	int ms = o->c->webhook_timeout_ms > 0 ? o->c->webhook_timeout_ms : 10000;
	json_t *due = store_outbox_claim(o->db, free_slots, 2 * (ms / 1000) + 30, &e);
	if (due == NULL) {
		log_warn("outbox: cannot claim events: %s", e.message);
		return;
	}
	size_t i;
	json_t *ev;
	json_array_foreach(due, i, ev)
	{
		int64_t id = json_integer_value(json_object_get(ev, "id"));
		int attempts = (int)json_integer_value(json_object_get(ev, "attempts"));
		const char *url = json_string_value(json_object_get(ev, "url"));
		const char *secret = json_string_value(json_object_get(ev, "secret"));
		const char *key = json_string_value(json_object_get(ev, "key"));
		const char *body = json_string_value(json_object_get(ev, "body"));
		const char *event = json_string_value(json_object_get(ev, "event"));
		if (url == NULL || secret == NULL || secret[0] == '\0') {
			outbox_record(o, id, attempts, 0, "no webhook configured for the audience");
			continue;
		}
		struct outbox_send *s = calloc(1, sizeof(*s));
		int slot = -1;
		for (int k = 0; k < OUTBOX_MAX_INFLIGHT && slot < 0; k++)
			if (o->inflight[k] == NULL)
				slot = k;
		if (s == NULL || slot < 0) {
			free(s);
			outbox_record(o, id, attempts, 0, "no sending slot");
			continue;
		}
		s->o = o;
		s->id = id;
		s->attempts = attempts;
		snprintf(s->event, sizeof(s->event), "%s", event != NULL ? event : "");
		o->inflight[slot] = s;
		char error[512];
		if (!send_start(o, s, url, key != NULL ? key : "", body != NULL ? body : "{}",
		                secret, error, sizeof(error))) {
			o->inflight[slot] = NULL;
			free(s);
			outbox_record(o, id, attempts, 0, error);
		}
	}
	json_decref(due);
}

static void outbox_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	outbox_poll(arg);
}

void outbox_set_config(struct outbox *o, const struct config *c)
{
	if (o != NULL)
		o->c = c;
}

void outbox_kick(struct outbox *o)
{
	if (o != NULL)
		outbox_poll(o);
}

struct outbox *outbox_start(struct event_base *base, const struct config *c, struct err *e)
{
	struct outbox *o = calloc(1, sizeof(*o));
	if (o == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	o->base = base;
	o->c = c;
	o->ssl = SSL_CTX_new(TLS_client_method());
	if (o->ssl == NULL) {
		err_set(e, ERR_INTERNAL, "cannot create the webhook TLS context");
		free(o);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(o->ssl, TLS1_2_VERSION);
	/* The system trust store; SSL_CERT_FILE / SSL_CERT_DIR point elsewhere. */
	SSL_CTX_set_default_verify_paths(o->ssl);
	SSL_CTX_set_verify(o->ssl, SSL_VERIFY_PEER, NULL);
	o->dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
	if (o->dns == NULL)
		log_warn("outbox: no DNS resolver configured; webhook hosts must be addresses");
	o->timer = event_new(base, -1, EV_PERSIST, outbox_tick, o);
	struct timeval tv = {OUTBOX_POLL_S, 0};
	if (o->timer == NULL || event_add(o->timer, &tv) != 0) {
		err_set(e, ERR_INTERNAL, "cannot start the outbox timer");
		outbox_stop(o);
		return NULL;
	}
	return o;
}

void outbox_stop(struct outbox *o)
{
	if (o == NULL)
		return;
	if (o->timer != NULL)
		event_free(o->timer);
	for (int i = 0; i < OUTBOX_MAX_INFLIGHT; i++) {
		if (o->inflight[i] != NULL) {
			/* Frees the request without calling back; the lease expires and
			 * the event is sent again later. */
			evhttp_connection_free(o->inflight[i]->conn);
			free(o->inflight[i]);
		}
	}
	if (o->dns != NULL)
		evdns_base_free(o->dns, 0);
	SSL_CTX_free(o->ssl);
	db_close(o->db);
	free(o);
}
