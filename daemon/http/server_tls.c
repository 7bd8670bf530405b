/*
 * server_tls: the TLS context that every generation of the server serves with
 * (Mozilla's intermediate profile: TLS 1.2 and 1.3), built from the configuration at
 * start and on SIGHUP, and the certificate's expiry check (refused when expired,
 * warned 30 days ahead, a gauge for alerting).  Split from server.c, which owns the
 * connections; server_tls_new is declared in server.h.
 */
#include "server.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "log.h"
#include "metrics.h"

/* Mozilla "intermediate" (TLS 1.2 ciphers; TLS 1.3 suites). */
#define TLS12_CIPHERS                                                                              \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                               \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                               \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"                               \
	"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"
#define TLS13_SUITES "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

/* --- TLS ----------------------------------------------------------------------------- */

/* The first queued OpenSSL error as text (then the queue is cleared). */
static const char *tls_error(char *buf, size_t len)
{
	unsigned long code = ERR_peek_last_error();
	if (code == 0)
		snprintf(buf, len, "unknown error");
	else
		ERR_error_string_n(code, buf, len);
	ERR_clear_error();
	return buf;
}

static bool tls_file_readable(const char *key, const char *path, struct err *e)
{
	if (path[0] == '\0') {
		err_set_field(e, ERR_INVALID, key,
		              "%s is not set (a PEM file is required to serve)", key);
		return false;
	}
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		err_set_field(e, ERR_INVALID, key, "%s: cannot open %s: %s", key, path,
		              strerror(errno));
		return false;
	}
	fclose(f);
	return true;
}

#define TLS_EXPIRY_WARN_DAYS 30

/* An expired certificate is refused (at start, the daemon does not start; on SIGHUP,
 * the old configuration stays); one that expires within TLS_EXPIRY_WARN_DAYS is
 * served with a warning.  The seconds left are a metric, for alerting. */
static bool tls_check_expiry(SSL_CTX *ctx, const char *path, struct err *e)
{
	X509 *x = SSL_CTX_get0_certificate(ctx);
	const ASN1_TIME *until = x != NULL ? X509_get0_notAfter(x) : NULL;
	int days = 0, secs = 0;
	if (until == NULL || ASN1_TIME_diff(&days, &secs, NULL, until) != 1) {
		err_set_field(e, ERR_INVALID, "tls.certificate",
		              "tls.certificate: cannot read the expiry of %s", path);
		return false;
	}
	char when[64] = "?";
	BIO *b = BIO_new(BIO_s_mem());
	if (b != NULL && ASN1_TIME_print(b, until) == 1) {
		int n = BIO_read(b, when, (int)sizeof(when) - 1);
		when[n > 0 ? n : 0] = '\0';
	}
	BIO_free(b);
	double left = (double)days * 86400.0 + secs;
	metrics_set_gauge("deliberd_tls_certificate_expiry_seconds", "", left,
	                  "Seconds until the served TLS certificate expires (negative: expired).");
	if (left <= 0) {
		err_set_field(e, ERR_INVALID, "tls.certificate",
		              "tls.certificate: %s expired on %s: renew it", path, when);
		return false;
	}
	if (days < TLS_EXPIRY_WARN_DAYS)
		log_warn("tls.certificate %s expires in %d day%s (%s): renew it", path, days,
		         days == 1 ? "" : "s", when);
	return true;
}

SSL_CTX *server_tls_new(const struct config *c, struct err *e)
{
	char why[256];

	if (!tls_file_readable("tls.certificate", c->tls_certificate, e) ||
	    !tls_file_readable("tls.key", c->tls_key, e))
		return NULL;
	ERR_clear_error();
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL) {
		err_set(e, ERR_INTERNAL, "cannot create a TLS context: %s",
		        tls_error(why, sizeof(why)));
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
	/* conn_fixup_cb may move output bytes a pending SSL_write retry will resend */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_dh_auto(ctx, 1);
	if (SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1 ||
	    SSL_CTX_set_ciphersuites(ctx, TLS13_SUITES) != 1 ||
	    SSL_CTX_set1_groups_list(ctx, "X25519:prime256v1:secp384r1") != 1) {
		err_set(e, ERR_INTERNAL, "cannot set the TLS ciphers: %s",
		        tls_error(why, sizeof(why)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, c->tls_certificate) != 1) {
		err_set_field(e, ERR_INVALID, "tls.certificate",
		              "tls.certificate: cannot load %s: %s", c->tls_certificate,
		              tls_error(why, sizeof(why)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (!tls_check_expiry(ctx, c->tls_certificate, e)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, c->tls_key, SSL_FILETYPE_PEM) != 1) {
		err_set_field(e, ERR_INVALID, "tls.key", "tls.key: cannot load %s: %s", c->tls_key,
		              tls_error(why, sizeof(why)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		err_set_field(e, ERR_INVALID, "tls.key", "tls.key: %s does not match %s: %s",
		              c->tls_key, c->tls_certificate, tls_error(why, sizeof(why)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}
