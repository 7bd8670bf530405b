/*
 * certs: ECDSA P-256 signing key, X.509 certificate, detached CMS signatures that the
 * stock openssl command verifies, and the canonical JSON that gets signed.  Pure
 * crypto over OpenSSL 3; see certs.h for the contract and docs/certificates.md.
 */
#include "certs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "hex.h"

/* Trust-anchor files and key files are small; anything bigger is not one. */
#define CERTS_MAX_PEM_BYTES (1024 * 1024)
/* Longest X.520 common name (ub-common-name). */
#define CERTS_MAX_CN 64

struct certs_signer {
	EVP_PKEY *key;
	X509 *cert;
	STACK_OF(X509) * chain; /* certificates after the first in the PEM file */
	char key_id[CERTS_KEY_ID_LEN + 1];
	char *cert_pem;
};

/* Appends OpenSSL's queued error reasons (oldest first) to buf and empties the queue,
 * so that messages say why ("self-signed certificate", "digest failure"). */
static void ssl_reasons(char *buf, size_t n)
{
	size_t used = strlen(buf);
	const char *data = NULL;
	int flags = 0;
	unsigned long code;

	while ((code = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		const char *reason = ERR_reason_error_string(code);
		char one[256];

		if (reason == NULL)
			reason = "unknown error";
		if ((flags & ERR_TXT_STRING) && data != NULL && data[0] != '\0')
			snprintf(one, sizeof(one), "%s (%s)", reason, data);
		else
			snprintf(one, sizeof(one), "%s", reason);
		if (used + 3 < n && strstr(buf, one) == NULL) {
			int w = snprintf(buf + used, n - used, "%s%s", used ? "; " : "", one);
			if (w > 0)
				used = strlen(buf);
		}
	}
}

/* err_set with OpenSSL's reasons appended after a colon. */
__attribute__((format(printf, 3, 4))) static void set_ssl_err(struct err *e, enum err_kind kind,
                                                              const char *fmt, ...)
{
	char head[300], why[300] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	ssl_reasons(why, sizeof(why));
	if (why[0] != '\0')
		err_set(e, kind, "%s: %s", head, why);
	else
		err_set(e, kind, "%s", head);
}

/* The key id: SHA-256 over the DER SubjectPublicKeyInfo. */
static bool key_id_of(const EVP_PKEY *pk, char out[CERTS_KEY_ID_LEN + 1])
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(pk, &der);

	if (n <= 0)
		return false;
	bool ok = hex_sha256(der, (size_t)n, out);
	OPENSSL_free(der);
	return ok;
}

/* Never prompt on a terminal for a passphrase: an encrypted key is refused. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static bool is_p256(const EVP_PKEY *pk)
{
	char group[64];

	if (!EVP_PKEY_is_a(pk, "EC"))
		return false;
	if (!EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
	                                    NULL))
		return false;
	return OBJ_sn2nid(group) == NID_X9_62_prime256v1 ||
	       EC_curve_nist2nid(group) == NID_X9_62_prime256v1;
}

static EVP_PKEY *load_key(const char *path, struct err *e)
{
	BIO *b = BIO_new_file(path, "r");
	EVP_PKEY *pk;

	if (b == NULL) {
		ERR_clear_error();
		err_set_field(e, ERR_INVALID, "key", "cannot read signing key %s: %s", path,
		              strerror(errno ? errno : EIO));
		return NULL;
	}
	pk = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL);
	BIO_free(b);
	if (pk == NULL) {
		set_ssl_err(e, ERR_INVALID, "%s is not an unencrypted PEM private key", path);
		return NULL;
	}
	if (!is_p256(pk)) {
		ERR_clear_error();
		err_set_field(e, ERR_INVALID, "key", "%s is not an ECDSA P-256 key", path);
		EVP_PKEY_free(pk);
		return NULL;
	}
	return pk;
}

/* Reads the first certificate of a PEM file and any that follow it (the chain). */
static X509 *load_certs(const char *path, STACK_OF(X509) * *chain, struct err *e)
{
	BIO *b = BIO_new_file(path, "r");
	X509 *leaf, *x;

	if (b == NULL) {
		ERR_clear_error();
		err_set_field(e, ERR_INVALID, "certificate", "cannot read certificate %s: %s", path,
		              strerror(errno ? errno : EIO));
		return NULL;
	}
	leaf = PEM_read_bio_X509(b, NULL, no_passphrase, NULL);
	if (leaf == NULL) {
		BIO_free(b);
		set_ssl_err(e, ERR_INVALID, "%s holds no PEM certificate", path);
		return NULL;
	}
	*chain = sk_X509_new_null();
	while (*chain != NULL && (x = PEM_read_bio_X509(b, NULL, no_passphrase, NULL)) != NULL)
		if (!sk_X509_push(*chain, x))
			X509_free(x);
	ERR_clear_error(); /* the end of the file reads as "no start line" */
	BIO_free(b);
	if (*chain == NULL) {
		X509_free(leaf);
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	return leaf;
}

static char *pem_of(X509 *leaf, STACK_OF(X509) * chain)
{
	BIO *m = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long n;

	if (m == NULL)
		return NULL;
	if (!PEM_write_bio_X509(m, leaf))
		goto done;
	for (int i = 0; i < sk_X509_num(chain); i++)
		if (!PEM_write_bio_X509(m, sk_X509_value(chain, i)))
			goto done;
	n = BIO_get_mem_data(m, &data);
	if (n > 0)
		out = strndup(data, (size_t)n);
done:
	BIO_free(m);
	return out;
}

struct certs_signer *certs_signer_load(const char *key_pem_path, const char *cert_pem_path,
                                       struct err *e)
{
	struct certs_signer *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	if (key_pem_path == NULL || key_pem_path[0] == '\0' || cert_pem_path == NULL ||
	    cert_pem_path[0] == '\0') {
		err_set_field(e, ERR_INVALID, "signing",
		              "signing.key and signing.certificate must both be set");
		goto fail;
	}
	s->key = load_key(key_pem_path, e);
	if (s->key == NULL)
		goto fail;
	s->cert = load_certs(cert_pem_path, &s->chain, e);
	if (s->cert == NULL)
		goto fail;
	if (X509_check_private_key(s->cert, s->key) != 1) {
		ERR_clear_error();
		err_set_field(e, ERR_INVALID, "certificate",
		              "certificate %s is not for the key in %s", cert_pem_path,
		              key_pem_path);
		goto fail;
	}
	s->cert_pem = pem_of(s->cert, s->chain);
	if (s->cert_pem == NULL || !key_id_of(s->key, s->key_id)) {
		set_ssl_err(e, ERR_INTERNAL, "cannot encode the signing certificate");
		goto fail;
	}
	return s;
fail:
	certs_signer_free(s);
	return NULL;
}

void certs_signer_free(struct certs_signer *s)
{
	if (s == NULL)
		return;
	EVP_PKEY_free(s->key);
	X509_free(s->cert);
	sk_X509_pop_free(s->chain, X509_free);
	free(s->cert_pem);
	free(s);
}

const char *certs_signer_key_id(const struct certs_signer *s)
{
	return s->key_id;
}

const char *certs_signer_cert_pem(const struct certs_signer *s)
{
	return s->cert_pem;
}

static json_t *time_json(const ASN1_TIME *t)
{
	struct tm tm;
	char buf[32];

	if (!ASN1_TIME_to_tm(t, &tm))
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_t *name_json(const X509_NAME *n)
{
	BIO *m = BIO_new(BIO_s_mem());
	char *data;
	long len;
	json_t *out = NULL;

	if (m == NULL)
		return NULL;
	if (X509_NAME_print_ex(m, n, 0, XN_FLAG_RFC2253) >= 0) {
		len = BIO_get_mem_data(m, &data);
		out = json_stringn(data, len > 0 ? (size_t)len : 0);
	}
	BIO_free(m);
	return out;
}

json_t *certs_signer_info(const struct certs_signer *s)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char fp[2 * EVP_MAX_MD_SIZE + 1], *serial = NULL;
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(s->cert), NULL);
	json_t *o;

	if (bn != NULL)
		serial = BN_bn2hex(bn);
	BN_free(bn);
	if (!X509_digest(s->cert, EVP_sha256(), md, &mdlen) || serial == NULL) {
		OPENSSL_free(serial);
		ERR_clear_error();
		return NULL;
	}
	hex_encode(md, mdlen, fp);
	for (char *p = serial; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	o = json_pack("{s:s, s:s, s:o?, s:o?, s:s, s:o, s:o, s:s}", "key_id", s->key_id,
	              "certificate_sha256", fp, "subject",
	              name_json(X509_get_subject_name(s->cert)), "issuer",
	              name_json(X509_get_issuer_name(s->cert)), "serial", serial, "not_before",
	              time_json(X509_get0_notBefore(s->cert)), "not_after",
	              time_json(X509_get0_notAfter(s->cert)), "certificate", s->cert_pem);
	OPENSSL_free(serial);
	return o;
}

/* Real numbers have no canonical text form, so documents must not contain any. */
static bool has_real(const json_t *v, int depth)
{
	const char *k;
	json_t *c;
	size_t i;

	if (depth > 64)
		return true;
	if (json_is_real(v))
		return true;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, c) if (has_real(c, depth + 1)) return true;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c) if (has_real(c, depth + 1)) return true;
	}
	return false;
}

char *certs_canonical_json(const json_t *doc, struct err *e)
{
	char *out;

	if (!json_is_object(doc)) {
		err_set(e, ERR_INVALID, "a certificate document must be a JSON object");
		return NULL;
	}
	if (has_real(doc, 0)) {
		err_set(e, ERR_INVALID,
		        "a certificate document may not contain real numbers or nest deeper "
		        "than 64 levels");
		return NULL;
	}
	out = json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII);
	if (out == NULL)
		err_set(e, ERR_INTERNAL, "cannot encode the certificate document");
	return out;
}

bool certs_sign(const struct certs_signer *s, const unsigned char *content, size_t len,
                unsigned char **der, size_t *der_len, struct err *e)
{
	const unsigned flags = CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP | CMS_PARTIAL;
	CMS_ContentInfo *cms = NULL;
	BIO *in = NULL;
	unsigned char *buf = NULL, *p;
	int n;
	bool ok = false;

	*der = NULL;
	*der_len = 0;
	if (len > INT_MAX) {
		err_set(e, ERR_TOO_LARGE, "document too large to sign (%zu bytes)", len);
		return false;
	}
	in = BIO_new_mem_buf(content, (int)len);
	/* Partial, then an explicit signer: SHA-256 is then a choice, not a default. */
	cms = CMS_sign(NULL, NULL, s->chain, NULL, flags);
	if (in == NULL || cms == NULL ||
	    CMS_add1_signer(cms, s->cert, s->key, EVP_sha256(), flags) == NULL ||
	    !CMS_final(cms, in, NULL, flags)) {
		set_ssl_err(e, ERR_INTERNAL, "cannot sign");
		goto done;
	}
	n = i2d_CMS_ContentInfo(cms, NULL);
	if (n <= 0 || (buf = malloc((size_t)n)) == NULL) {
		set_ssl_err(e, ERR_INTERNAL, "cannot encode the signature");
		goto done;
	}
	p = buf;
	if (i2d_CMS_ContentInfo(cms, &p) != n) {
		set_ssl_err(e, ERR_INTERNAL, "cannot encode the signature");
		goto done;
	}
	*der = buf;
	*der_len = (size_t)n;
	buf = NULL;
	ok = true;
done:
	free(buf);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	return ok;
}

static X509_STORE *store_from_pem(const char *pem, size_t len, const char *label, struct err *e)
{
	X509_STORE *st = X509_STORE_new();
	BIO *b = len <= INT_MAX ? BIO_new_mem_buf(pem, (int)len) : NULL;
	STACK_OF(X509_INFO) *infos =
	    b ? PEM_X509_INFO_read_bio(b, NULL, no_passphrase, NULL) : NULL;
	int added = 0;

	for (int i = 0; infos != NULL && st != NULL && i < sk_X509_INFO_num(infos); i++) {
		X509_INFO *xi = sk_X509_INFO_value(infos, i);
		if (xi->x509 != NULL && X509_STORE_add_cert(st, xi->x509))
			added++;
	}
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(b);
	if (st == NULL || added == 0) {
		set_ssl_err(e, ERR_INVALID, "%s holds no PEM certificate", label);
		X509_STORE_free(st);
		return NULL;
	}
	/* -purpose any: the anchor may be a plain self-signed signing certificate. */
	X509_STORE_set_purpose(st, X509_PURPOSE_ANY);
	return st;
}

/* label names the trust anchors in messages (a file name, or "the trust anchors"). */
static enum certs_verdict verify(const unsigned char *content, size_t len, const unsigned char *der,
                                 size_t der_len, const char *ca_pem, size_t ca_pem_len,
                                 const char *label, unsigned flags,
                                 char signer_key_id[CERTS_KEY_ID_LEN + 1], struct err *e)
{
	X509_STORE *st;
	CMS_ContentInfo *cms = NULL;
	BIO *dcont = NULL;
	const unsigned char *p = der;
	STACK_OF(X509) *signers = NULL;
	enum certs_verdict v = CERTS_ERROR;

	ERR_clear_error();
	if (len > INT_MAX || der_len > INT_MAX) {
		err_set(e, ERR_TOO_LARGE, "document or signature too large");
		return CERTS_ERROR;
	}
	st = store_from_pem(ca_pem, ca_pem_len, label, e);
	if (st == NULL)
		return CERTS_ERROR;
	if (flags & CERTS_VERIFY_NO_CHECK_TIME)
		X509_VERIFY_PARAM_set_flags(X509_STORE_get0_param(st), X509_V_FLAG_NO_CHECK_TIME);
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)der_len);
	if (cms == NULL || p != der + der_len) {
		set_ssl_err(e, ERR_INVALID,
		            "signature does not verify: not one DER-encoded CMS object");
		v = CERTS_BAD;
		goto done;
	}
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed || !CMS_is_detached(cms)) {
		err_set(e, ERR_INVALID, "signature does not verify: not a detached CMS SignedData");
		v = CERTS_BAD;
		goto done;
	}
	dcont = BIO_new_mem_buf(content, (int)len);
	if (dcont == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto done;
	}
	if (CMS_verify(cms, NULL, st, dcont, NULL, CMS_BINARY) != 1) {
		set_ssl_err(e, ERR_INVALID, "signature does not verify");
		v = CERTS_BAD;
		goto done;
	}
	if (signer_key_id != NULL) {
		signers = CMS_get0_signers(cms);
		if (signers == NULL || sk_X509_num(signers) < 1 ||
		    !key_id_of(X509_get0_pubkey(sk_X509_value(signers, 0)), signer_key_id)) {
			set_ssl_err(e, ERR_INTERNAL, "cannot identify the signer");
			goto done;
		}
	}
	v = CERTS_VERIFIED;
done:
	sk_X509_free(signers);
	BIO_free(dcont);
	CMS_ContentInfo_free(cms);
	X509_STORE_free(st);
	ERR_clear_error();
	return v;
}

enum certs_verdict certs_verify_pem(const unsigned char *content, size_t len,
                                    const unsigned char *der, size_t der_len, const char *ca_pem,
                                    size_t ca_pem_len, unsigned flags,
                                    char signer_key_id[CERTS_KEY_ID_LEN + 1], struct err *e)
{
	return verify(content, len, der, der_len, ca_pem, ca_pem_len, "the trust anchors", flags,
	              signer_key_id, e);
}

/* Reads a whole small file; ERR_INVALID names it when it cannot. */
static char *slurp(const char *path, size_t max, size_t *len, struct err *e)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL) {
		err_set(e, ERR_INVALID, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(max + 1);
	if (buf == NULL) {
		fclose(f);
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f) || n > max) {
		err_set(e, ferror(f) ? ERR_INVALID : ERR_TOO_LARGE, "cannot read %s: %s", path,
		        ferror(f) ? strerror(errno) : "larger than 1 MiB");
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

enum certs_verdict certs_verify(const unsigned char *content, size_t len, const unsigned char *der,
                                size_t der_len, const char *ca_pem_path, unsigned flags,
                                char signer_key_id[CERTS_KEY_ID_LEN + 1], struct err *e)
{
	size_t n = 0;
	char *pem;
	enum certs_verdict v;

	if (ca_pem_path == NULL || ca_pem_path[0] == '\0') {
		err_set_field(e, ERR_INVALID, "ca", "no trust anchor (CA or signer certificate)");
		return CERTS_ERROR;
	}
	pem = slurp(ca_pem_path, CERTS_MAX_PEM_BYTES, &n, e);
	if (pem == NULL)
		return CERTS_ERROR;
	v = verify(content, len, der, der_len, pem, n, ca_pem_path, flags, signer_key_id, e);
	free(pem);
	return v;
}

/* ---- key generation ---- */

struct staged {
	const char *path;
	char tmp[PATH_MAX];
	bool published;
};

/* Writes a PEM object to a fresh temporary file beside its destination, with mode. */
static bool stage(struct staged *st, mode_t mode, int (*write)(BIO *, const void *),
                  const void *obj, struct err *e)
{
	int fd;
	BIO *b;
	bool ok;

	if (snprintf(st->tmp, sizeof(st->tmp), "%s.tmp-XXXXXX", st->path) >= (int)sizeof(st->tmp)) {
		err_set(e, ERR_INVALID, "path too long: %s", st->path);
		st->tmp[0] = '\0';
		return false;
	}
	fd = mkstemp(st->tmp); /* mode 0600 from the start: the key is never readable */
	if (fd < 0) {
		err_set(e, ERR_INVALID, "cannot create a file beside %s: %s", st->path,
		        strerror(errno));
		st->tmp[0] = '\0';
		return false;
	}
	b = BIO_new_fd(fd, BIO_NOCLOSE);
	ok = b != NULL && write(b, obj) && BIO_flush(b) == 1;
	BIO_free(b);
	ok = ok && fchmod(fd, mode) == 0 && fsync(fd) == 0;
	if (close(fd) != 0)
		ok = false;
	if (!ok)
		set_ssl_err(e, ERR_INVALID, "cannot write %s", st->tmp);
	return ok;
}

static int write_key(BIO *b, const void *k)
{
	return PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
}

static int write_cert(BIO *b, const void *x)
{
	return PEM_write_bio_X509(b, x);
}

static int write_req(BIO *b, const void *r)
{
	return PEM_write_bio_X509_REQ(b, r);
}

/* Moves a staged file into place; without force, link() refuses an existing name
 * atomically, so a concurrent keygen cannot clobber a key either. */
static bool publish(struct staged *st, bool force, struct err *e)
{
	if (force) {
		if (rename(st->tmp, st->path) != 0) {
			err_set(e, ERR_INVALID, "cannot write %s: %s", st->path, strerror(errno));
			return false;
		}
	} else {
		if (link(st->tmp, st->path) != 0) {
			int saved = errno;
			if (saved == EEXIST)
				err_set(e, ERR_CONFLICT, "%s exists (use --force to replace it)",
				        st->path);
			else
				err_set(e, ERR_INVALID, "cannot write %s: %s", st->path,
				        strerror(saved));
			return false;
		}
		unlink(st->tmp);
	}
	st->tmp[0] = '\0';
	st->published = true;
	return true;
}

static bool add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	bool ok = ext != NULL && X509_add_ext(x, ext, -1);

	X509_EXTENSION_free(ext);
	return ok;
}

static bool set_cn(X509_NAME *n, const char *cn)
{
	return X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
	                                  0) == 1;
}

static X509 *self_signed(EVP_PKEY *pk, const char *cn, int days)
{
	X509 *x = X509_new();
	unsigned char rnd[16];
	BIGNUM *bn = NULL;
	X509V3_CTX ctx;
	bool ok;

	if (x == NULL || RAND_bytes(rnd, sizeof(rnd)) != 1)
		goto fail;
	rnd[0] = (unsigned char)((rnd[0] & 0x7f) | 0x40); /* positive, 16 bytes */
	bn = BN_bin2bn(rnd, sizeof(rnd), NULL);
	/* Back-dated five minutes so that a verifier whose clock lags still accepts it. */
	ok = bn != NULL && X509_set_version(x, X509_VERSION_3) &&
	     BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL &&
	     X509_gmtime_adj(X509_getm_notBefore(x), -300) != NULL &&
	     X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL) != NULL &&
	     X509_set_pubkey(x, pk) && set_cn(X509_get_subject_name(x), cn) &&
	     X509_set_issuer_name(x, X509_get_subject_name(x));
	BN_free(bn);
	if (!ok)
		goto fail;
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if (!add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE") ||
	    !add_ext(x, &ctx, NID_key_usage,
	             "critical,digitalSignature,nonRepudiation,keyCertSign") ||
	    !add_ext(x, &ctx, NID_subject_key_identifier, "hash") ||
	    X509_sign(x, pk, EVP_sha256()) <= 0)
		goto fail;
	return x;
fail:
	X509_free(x);
	return NULL;
}

/* A CSR asks for an end-entity signing certificate: CA:FALSE, signature key usages. */
static X509_REQ *csr(EVP_PKEY *pk, const char *cn)
{
	X509_REQ *r = X509_REQ_new();
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	X509_EXTENSION *bc = NULL, *ku = NULL;
	X509V3_CTX ctx;
	bool ok;

	if (r == NULL || exts == NULL)
		goto fail;
	X509V3_set_ctx(&ctx, NULL, NULL, r, NULL, 0);
	bc = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints, "critical,CA:FALSE");
	ku = X509V3_EXT_conf_nid(NULL, &ctx, NID_key_usage,
	                         "critical,digitalSignature,nonRepudiation");
	ok = bc != NULL && ku != NULL && sk_X509_EXTENSION_push(exts, bc);
	if (ok)
		bc = NULL;
	ok = ok && sk_X509_EXTENSION_push(exts, ku);
	if (ok)
		ku = NULL;
	ok = ok && X509_REQ_set_version(r, 0) && set_cn(X509_REQ_get_subject_name(r), cn) &&
	     X509_REQ_set_pubkey(r, pk) && X509_REQ_add_extensions(r, exts) &&
	     X509_REQ_sign(r, pk, EVP_sha256()) > 0;
	X509_EXTENSION_free(bc);
	X509_EXTENSION_free(ku);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	if (ok)
		return r;
fail:
	X509_REQ_free(r);
	return NULL;
}

static bool check_options(const struct certs_keygen_options *o, const char *cn, int days,
                          struct err *e)
{
	const char *paths[3] = {o->key_path, o->cert_path, o->csr_path};
	struct stat sb;

	if (o->key_path == NULL || o->key_path[0] == '\0') {
		err_set_field(e, ERR_INVALID, "key", "no key file given");
		return false;
	}
	if ((o->cert_path == NULL || o->cert_path[0] == '\0') &&
	    (o->csr_path == NULL || o->csr_path[0] == '\0') && o->existing_key) {
		err_set(e, ERR_INVALID, "nothing to do: give a certificate or CSR file");
		return false;
	}
	if (strlen(cn) < 1 || strlen(cn) > CERTS_MAX_CN) {
		err_set_field(e, ERR_INVALID, "cn", "the common name must have 1 to %d bytes",
		              CERTS_MAX_CN);
		return false;
	}
	if (days < 1 || days > CERTS_MAX_DAYS) {
		err_set_field(e, ERR_INVALID, "days", "days must be between 1 and %d",
		              CERTS_MAX_DAYS);
		return false;
	}
	for (int i = 0; i < 3; i++)
		for (int j = i + 1; j < 3; j++)
			if (paths[i] && paths[j] && paths[i][0] &&
			    strcmp(paths[i], paths[j]) == 0) {
				err_set(e, ERR_INVALID, "%s is given twice", paths[i]);
				return false;
			}
	/* Checked up front so that a refusal costs nothing; publish() re-checks atomically. */
	for (int i = o->existing_key ? 1 : 0; i < 3 && !o->force; i++)
		if (paths[i] && paths[i][0] && lstat(paths[i], &sb) == 0) {
			err_set(e, ERR_CONFLICT, "%s exists (use --force to replace it)", paths[i]);
			return false;
		}
	return true;
}

bool certs_keygen(const struct certs_keygen_options *o, char key_id[CERTS_KEY_ID_LEN + 1],
                  struct err *e)
{
	const char *cn = o->subject_cn ? o->subject_cn : CERTS_DEFAULT_CN;
	int days = o->days ? o->days : CERTS_DEFAULT_DAYS;
	struct staged files[3] = {
	    {.path = o->key_path}, {.path = o->cert_path}, {.path = o->csr_path}};
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	X509_REQ *r = NULL;
	bool ok = false;

	if (!check_options(o, cn, days, e))
		return false;
	if (o->existing_key) {
		pk = load_key(o->key_path, e);
		if (pk == NULL)
			return false;
		files[0].path = NULL;
	} else if ((pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL) {
		set_ssl_err(e, ERR_INTERNAL, "cannot generate a P-256 key");
		return false;
	}
	if (files[1].path && files[1].path[0] && (x = self_signed(pk, cn, days)) == NULL) {
		set_ssl_err(e, ERR_INVALID, "cannot create the certificate (common name '%s')", cn);
		goto done;
	}
	if (files[2].path && files[2].path[0] && (r = csr(pk, cn)) == NULL) {
		set_ssl_err(e, ERR_INVALID, "cannot create the CSR (common name '%s')", cn);
		goto done;
	}
	if ((files[0].path && !stage(&files[0], 0600, write_key, pk, e)) ||
	    (x && !stage(&files[1], 0644, write_cert, x, e)) ||
	    (r && !stage(&files[2], 0644, write_req, r, e)))
		goto done;
	for (int i = 0; i < 3; i++)
		if (files[i].tmp[0] && !publish(&files[i], o->force, e))
			goto done;
	if (key_id != NULL && !key_id_of(pk, key_id)) {
		set_ssl_err(e, ERR_INTERNAL, "cannot compute the key id");
		goto done;
	}
	ok = true;
done:
	for (int i = 0; i < 3; i++) {
		if (files[i].tmp[0])
			unlink(files[i].tmp);
		/* Without force, whatever this call created is new: take it back. */
		if (!ok && files[i].published && !o->force)
			unlink(files[i].path);
	}
	X509_REQ_free(r);
	X509_free(x);
	EVP_PKEY_free(pk);
	return ok;
}
