/*
 * webhook_receiver: a tiny HTTPS server for the retention integration tests.
 * It accepts POSTs one at a time, checks the X-Deliberd-Signature HMAC against
 * --secret, records each event once per Idempotency-Key in --out
 * (KEY.json holds the body; "received" gets one line per request: key, event,
 * signature ok|bad) and answers 200 (or --status).  It writes its port to
 * --port-file once listening, so tests wait for that file, never sleep.
 *
 *   webhook_receiver --cert C --key K --secret S --out DIR --port-file F [--port P]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/ssl.h>

#define MAX_HEAD 16384
#define MAX_BODY (1024 * 1024)

static const char *arg(int argc, char **argv, const char *name, const char *def)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return def;
}

static void header(const char *head, const char *name, char *out, size_t size)
{
	out[0] = '\0';
	size_t n = strlen(name);
	for (const char *p = head; (p = strstr(p, "\r\n")) != NULL;) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;
			while (*v == ' ')
				v++;
			size_t len = strcspn(v, "\r\n");
			if (len >= size)
				len = size - 1;
			memcpy(out, v, len);
			out[len] = '\0';
			return;
		}
	}
}

/* Keys become file names: keep them to a safe alphabet. */
static int safe_key(const char *k)
{
	if (k[0] == '\0' || strlen(k) > 100)
		return 0;
	for (const char *p = k; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return 0;
	return 1;
}

static void serve_one(SSL *ssl, const char *secret, const char *out, int status)
{
	static char buf[MAX_HEAD + MAX_BODY];
	size_t have = 0;
	char *end = NULL;
	while (end == NULL && have < MAX_HEAD) {
		int n = SSL_read(ssl, buf + have, (int)(MAX_HEAD - have));
		if (n <= 0)
			return;
		have += (size_t)n;
		buf[have] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	if (end == NULL)
		return;
	size_t headlen = (size_t)(end - buf) + 4;
	char len_s[32], key[128], event[64], sig[128];
	header(buf, "Content-Length", len_s, sizeof(len_s));
	header(buf, "Idempotency-Key", key, sizeof(key));
	header(buf, "X-Deliberd-Event", event, sizeof(event));
	header(buf, "X-Deliberd-Signature", sig, sizeof(sig));
	size_t len = (size_t)strtoul(len_s, NULL, 10);
	if (len > MAX_BODY)
		return;
	while (have < headlen + len) {
		int n = SSL_read(ssl, buf + have, (int)(headlen + len - have));
		if (n <= 0)
			return;
		have += (size_t)n;
	}
	const char *body = buf + headlen;
	unsigned char md[32];
	unsigned int mdlen = 0;
	HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, len, md,
	     &mdlen);
	char want[80] = "sha256=";
	for (unsigned i = 0; i < mdlen; i++)
		sprintf(want + 7 + 2 * i, "%02x", md[i]);
	int ok = strcmp(want, sig) == 0;
	if (safe_key(key)) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s.json", out, key);
		FILE *f = fopen(path, "w");
		if (f != NULL) {
			fwrite(body, 1, len, f);
			fclose(f);
		}
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/received", out);
	FILE *log = fopen(path, "a");
	if (log != NULL) {
		fprintf(log, "%s %s %s\n", safe_key(key) ? key : "-", event[0] ? event : "-",
		        ok ? "ok" : "bad");
		fclose(log);
	}
	char reply[128];
	int n =
	    snprintf(reply, sizeof(reply),
	             "HTTP/1.1 %d X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", status);
	SSL_write(ssl, reply, n);
}

int main(int argc, char **argv)
{
	const char *cert = arg(argc, argv, "--cert", NULL), *key = arg(argc, argv, "--key", NULL);
	const char *secret = arg(argc, argv, "--secret", ""), *out = arg(argc, argv, "--out", ".");
	const char *port_file = arg(argc, argv, "--port-file", NULL);
	int port = atoi(arg(argc, argv, "--port", "0"));
	int status = atoi(arg(argc, argv, "--status", "200"));
	if (cert == NULL || key == NULL || port_file == NULL) {
		fprintf(stderr, "usage: webhook_receiver --cert C --key K --secret S --out DIR "
		                "--port-file F [--port P] [--status N]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		fprintf(stderr, "webhook_receiver: cannot load the certificate or key\n");
		return 2;
	}
	int s = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t alen = sizeof(a);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s, 16) != 0 ||
	    getsockname(s, (struct sockaddr *)&a, &alen) != 0) {
		fprintf(stderr, "webhook_receiver: cannot listen: %s\n", strerror(errno));
		return 2;
	}
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
	FILE *pf = fopen(tmp, "w");
	if (pf == NULL)
		return 2;
	fprintf(pf, "%d\n", ntohs(a.sin_port));
	fclose(pf);
	rename(tmp, port_file);
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		struct timeval tv = {5, 0};
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		SSL *ssl = SSL_new(ctx);
		SSL_set_fd(ssl, c);
		if (SSL_accept(ssl) == 1) {
			serve_one(ssl, secret, out, status);
			SSL_shutdown(ssl);
		}
		SSL_free(ssl);
		close(c);
	}
}
