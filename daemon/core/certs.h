/*
 * certs: the daemon's signing key and offline-verifiable signatures.  A destruction
 * certificate is a canonical JSON document plus a detached CMS (PKCS#7) signature in
 * DER, made with an ECDSA P-256 key and its X.509 certificate, so that anyone can
 * check it without deliberd:
 *   openssl cms -verify -binary -inform DER -in CERT.p7s -content CERT.json \
 *       -CAfile SIGNER.pem -purpose any
 * Pure crypto: no SQL, no HTTP.  docs/certificates.md describes the format.
 */
#ifndef DELIBERD_CERTS_H
#define DELIBERD_CERTS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"

/* A key id is the lowercase hex SHA-256 of the DER SubjectPublicKeyInfo of the
 * signing key: it names the key, so it survives re-certification of the same key
 * (self-signed today, CA-issued tomorrow) and changes on key rotation. */
#define CERTS_KEY_ID_LEN 64

/* A loaded key and its certificate (plus any chain certificates that followed it in
 * the PEM file).  Immutable once loaded: safe to share between threads. */
struct certs_signer;

/* Loads a P-256 private key and the certificate that matches it; refuses a key of
 * another type or a certificate for another key. */
struct certs_signer *certs_signer_load(const char *key_pem_path, const char *cert_pem_path,
                                       struct err *e) __attribute__((warn_unused_result));
void certs_signer_free(struct certs_signer *s);
/* CERTS_KEY_ID_LEN hex characters, owned by the signer. */
const char *certs_signer_key_id(const struct certs_signer *s);
/* The signer certificate, then its chain, as PEM (what GET /v1/signing-certificates
 * serves and what verifiers pass as -CAfile); owned by the signer. */
const char *certs_signer_cert_pem(const struct certs_signer *s);
/* {key_id, certificate_sha256, subject, issuer, serial, not_before, not_after
 * (RFC 3339 UTC), certificate (PEM)}: a new reference, NULL on allocation failure. */
json_t *certs_signer_info(const struct certs_signer *s) __attribute__((warn_unused_result));

/* The exact bytes that are signed and served as CERT.json: json_dumps with sorted
 * keys, no whitespace, non-ASCII escaped as \uXXXX, no trailing newline.  Refuses
 * real numbers (their text form is not canonical).  Free the result with free(). */
char *certs_canonical_json(const json_t *doc, struct err *e) __attribute__((warn_unused_result));

/* Signs content with a detached CMS SignedData (binary, signer certificate and chain
 * embedded, SHA-256, signing-time attribute).  *der is malloc'd: free() it. */
bool certs_sign(const struct certs_signer *s, const unsigned char *content, size_t len,
                unsigned char **der, size_t *der_len, struct err *e)
    __attribute__((warn_unused_result));

enum certs_verdict {
	CERTS_VERIFIED = 0, /* the signature is good and chains to the trust anchor */
	CERTS_BAD = 1,      /* it does not verify (wrong content, key, anchor; malformed) */
	CERTS_ERROR = 2,    /* could not check (trust anchors unreadable, out of memory) */
};

/* Skip the validity-period check (an archived certificate whose signer has expired);
 * the equivalent of openssl's -no_check_time. */
#define CERTS_VERIFY_NO_CHECK_TIME 0x1u

/* Same semantics as the openssl command above: the signature must match content and
 * the embedded signer certificate must chain to a certificate in ca_pem_path (the
 * signer certificate itself, or the organisation's CA), any purpose.  On success and
 * when signer_key_id is not NULL, it receives the signer's key id.  e says why on
 * CERTS_BAD or CERTS_ERROR. */
enum certs_verdict certs_verify(const unsigned char *content, size_t len, const unsigned char *der,
                                size_t der_len, const char *ca_pem_path, unsigned flags,
                                char signer_key_id[CERTS_KEY_ID_LEN + 1], struct err *e)
    __attribute__((warn_unused_result));
/* The same with the trust anchors given as PEM text (e.g. a stored signer certificate). */
enum certs_verdict certs_verify_pem(const unsigned char *content, size_t len,
                                    const unsigned char *der, size_t der_len, const char *ca_pem,
                                    size_t ca_pem_len, unsigned flags,
                                    char signer_key_id[CERTS_KEY_ID_LEN + 1], struct err *e)
    __attribute__((warn_unused_result));

#define CERTS_DEFAULT_CN "deliberd destruction certificates"
#define CERTS_DEFAULT_DAYS 3650
#define CERTS_MAX_DAYS 36500

struct certs_keygen_options {
	const char *key_path;   /* required: written 0600, or read when existing_key */
	const char *cert_path;  /* self-signed certificate to write; NULL = none */
	const char *csr_path;   /* certificate signing request to write; NULL = none */
	const char *subject_cn; /* NULL = CERTS_DEFAULT_CN */
	int days;               /* certificate validity; 0 = CERTS_DEFAULT_DAYS */
	bool force;             /* replace files that exist (else ERR_CONFLICT) */
	bool existing_key;      /* use the key at key_path instead of generating one */
};

/* Creates an ECDSA P-256 key (unless existing_key) and, as asked, a self-signed X.509
 * v3 certificate (CA:TRUE, keyUsage digitalSignature, nonRepudiation, keyCertSign,
 * subject key id) and a CSR for the organisation's CA.  All files are written to
 * temporary names first and then moved into place, so a failure leaves nothing
 * half-written; without force an existing file is never replaced.  key_id (may be
 * NULL) receives the key id. */
bool certs_keygen(const struct certs_keygen_options *o, char key_id[CERTS_KEY_ID_LEN + 1],
                  struct err *e) __attribute__((warn_unused_result));

#endif
