/*
 * cli_certs: `deliberd keygen` (signing key, self-signed certificate, CSR) and
 * `deliberd certificate verify` (a destruction certificate, offline, without the
 * daemon or its database).  Thin faces over certs.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certs.h"
#include "cli.h"
#include "config.h"

/* A destruction certificate document is a few KiB; 16 MiB is a generous bound. */
#define MAX_DOCUMENT_BYTES (16u * 1024 * 1024)
#define MAX_SIGNATURE_BYTES (1u * 1024 * 1024)

static const char keygen_usage[] =
    "usage: deliberd keygen [--key FILE] [--cert FILE] [--csr FILE] [--cn NAME] [--days N]\n"
    "                       [--existing-key] [--force] [--config FILE]\n"
    "\n"
    "Creates the ECDSA P-256 key that signs destruction certificates (PEM, mode 0600),\n"
    "a self-signed X.509 certificate for it, and optionally a certificate signing\n"
    "request (CSR) for the organisation's CA.  Never prints the private key.\n"
    "\n"
    "  --key FILE       private key to create (default: signing.key of --config)\n"
    "  --cert FILE      self-signed certificate to create (default: signing.certificate)\n"
    "  --csr FILE       also write a CSR for the same key\n"
    "  --cn NAME        subject common name (default: \"" CERTS_DEFAULT_CN "\")\n"
    "  --days N         certificate validity in days (default 3650, at most 36500)\n"
    "  --existing-key   keep the key in --key; only write --cert and/or --csr\n"
    "  --force          replace files that already exist\n"
    "  --config FILE    take default paths from this configuration file\n"
    "\n"
    "Exit status: 0 written, 2 not done (bad arguments, file exists, cannot write).\n";

static const char certificate_usage[] =
    "usage: deliberd certificate verify CERT.json CERT.p7s [--ca PEM] [--no-check-time]\n"
    "                                   [--config FILE]\n"
    "\n"
    "Verifies a destruction certificate offline: the detached CMS signature CERT.p7s\n"
    "must match CERT.json byte for byte and its signer certificate must chain to --ca\n"
    "(the signer certificate, or the organisation's CA).  The same check as\n"
    "  openssl cms -verify -binary -inform DER -in CERT.p7s -content CERT.json \\\n"
    "      -CAfile SIGNER.pem -purpose any\n"
    "\n"
    "  --ca PEM          trust anchors (default: signing.certificate of --config)\n"
    "  --no-check-time   accept a signer certificate that has since expired\n"
    "  --config FILE     configuration file for the default --ca\n"
    "\n"
    "Exit status: 0 verified, 1 the signature does not verify, 2 could not check.\n";

/* Loads --config when given; a NULL result with *failed set means it did not load. */
static struct config *maybe_config(const char *path, bool *failed)
{
	struct err e = {0};
	struct config *c;

	*failed = false;
	if (path == NULL)
		return NULL;
	c = config_load(path, &e);
	if (c == NULL) {
		fprintf(stderr, "deliberd: %s\n", e.message);
		*failed = true;
	}
	return c;
}

static const char *nonempty(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

static bool parse_days(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > CERTS_MAX_DAYS)
		return false;
	*out = (int)v;
	return true;
}

static int cli_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"key", required_argument, NULL, 'k'},  {"cert", required_argument, NULL, 'c'},
	    {"csr", required_argument, NULL, 'r'},  {"cn", required_argument, NULL, 'n'},
	    {"days", required_argument, NULL, 'd'}, {"existing-key", no_argument, NULL, 'e'},
	    {"force", no_argument, NULL, 'f'},      {"config", required_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
	};
	struct certs_keygen_options o = {0};
	const char *config_path = NULL;
	char key_id[CERTS_KEY_ID_LEN + 1];
	struct err e = {0};
	struct config *cfg;
	bool failed;
	int c, rc = CLI_ERROR;

	optind = 0; /* glibc: 0 re-initialises getopt fully between calls */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o.key_path = optarg;
			break;
		case 'c':
			o.cert_path = optarg;
			break;
		case 'r':
			o.csr_path = optarg;
			break;
		case 'n':
			o.subject_cn = optarg;
			break;
		case 'd':
			if (!parse_days(optarg, &o.days)) {
				fprintf(stderr, "deliberd keygen: --days must be 1 to %d\n",
				        CERTS_MAX_DAYS);
				return CLI_ERROR;
			}
			break;
		case 'e':
			o.existing_key = true;
			break;
		case 'f':
			o.force = true;
			break;
		case 'C':
			config_path = optarg;
			break;
		case 'h':
			fputs(keygen_usage, stdout);
			return CLI_OK;
		default:
			fprintf(stderr, "deliberd keygen: bad option '%s'\n%s", argv[optind - 1],
			        keygen_usage);
			return CLI_ERROR;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "deliberd keygen: unexpected argument '%s'\n%s", argv[optind],
		        keygen_usage);
		return CLI_ERROR;
	}
	cfg = maybe_config(config_path, &failed);
	if (failed)
		return CLI_ERROR;
	if (o.key_path == NULL && cfg != NULL)
		o.key_path = nonempty(cfg->signing_key);
	/* With an existing key and a CSR asked for, the configured certificate stays as is
	 * (the CA will issue its replacement). */
	if (o.cert_path == NULL && cfg != NULL && !(o.existing_key && o.csr_path != NULL))
		o.cert_path = nonempty(cfg->signing_certificate);
	if (o.key_path == NULL || (o.cert_path == NULL && o.csr_path == NULL)) {
		fprintf(stderr, "deliberd keygen: give --key and --cert (or --csr), or a --config "
		                "with signing.key and signing.certificate\n");
		goto done;
	}
	if (!certs_keygen(&o, key_id, &e)) {
		fprintf(stderr, "deliberd keygen: %s\n", e.message);
		goto done;
	}
	if (!o.existing_key)
		printf("key          %s (ECDSA P-256, mode 0600)\n", o.key_path);
	if (o.cert_path != NULL)
		printf("certificate  %s (self-signed, %d days)\n", o.cert_path,
		       o.days ? o.days : CERTS_DEFAULT_DAYS);
	if (o.csr_path != NULL)
		printf("csr          %s\n", o.csr_path);
	printf("key id       %s\n", key_id);
	rc = CLI_OK;
done:
	if (cfg != NULL)
		config_unref(cfg);
	return rc;
}

/* Reads a whole file, bounded; prints why not. */
static unsigned char *read_all(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "deliberd certificate: cannot read %s: %s\n", path,
		        strerror(errno));
		return NULL;
	}
	buf = malloc(max + 1);
	n = buf ? fread(buf, 1, max + 1, f) : 0;
	if (buf == NULL || ferror(f) || n > max) {
		fprintf(stderr, "deliberd certificate: cannot read %s: %s\n", path,
		        buf == NULL ? "out of memory"
		        : n > max   ? "too large"
		                    : strerror(errno));
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static int certificate_verify(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"ca", required_argument, NULL, 'a'},
	    {"no-check-time", no_argument, NULL, 't'},
	    {"config", required_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *ca = NULL, *config_path = NULL;
	unsigned flags = 0;
	unsigned char *doc = NULL, *sig = NULL;
	size_t doc_len = 0, sig_len = 0;
	char key_id[CERTS_KEY_ID_LEN + 1];
	struct err e = {0};
	struct config *cfg;
	bool failed;
	int c, rc = CLI_ERROR;

	optind = 0; /* glibc: 0 re-initialises getopt fully between calls */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			ca = optarg;
			break;
		case 't':
			flags |= CERTS_VERIFY_NO_CHECK_TIME;
			break;
		case 'C':
			config_path = optarg;
			break;
		case 'h':
			fputs(certificate_usage, stdout);
			return CLI_OK;
		default:
			fprintf(stderr, "deliberd certificate verify: bad option '%s'\n%s",
			        argv[optind - 1], certificate_usage);
			return CLI_ERROR;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "deliberd certificate verify: give CERT.json and CERT.p7s\n%s",
		        certificate_usage);
		return CLI_ERROR;
	}
	cfg = maybe_config(config_path, &failed);
	if (failed)
		return CLI_ERROR;
	if (ca == NULL && cfg != NULL)
		ca = nonempty(cfg->signing_certificate);
	if (ca == NULL) {
		fprintf(stderr, "deliberd certificate verify: give --ca PEM (the signer "
		                "certificate or the CA), or a --config with signing.certificate\n");
		goto done;
	}
	doc = read_all(argv[optind], MAX_DOCUMENT_BYTES, &doc_len);
	sig = doc ? read_all(argv[optind + 1], MAX_SIGNATURE_BYTES, &sig_len) : NULL;
	if (sig == NULL)
		goto done;
	switch (certs_verify(doc, doc_len, sig, sig_len, ca, flags, key_id, &e)) {
	case CERTS_VERIFIED:
		printf("verified (signer key id %s)\n", key_id);
		rc = CLI_OK;
		break;
	case CERTS_BAD:
		printf("%s\n", e.message);
		rc = CLI_FAILED;
		break;
	case CERTS_ERROR:
		fprintf(stderr, "deliberd certificate verify: could not check: %s\n", e.message);
		break;
	}
done:
	free(doc);
	free(sig);
	if (cfg != NULL)
		config_unref(cfg);
	return rc;
}

static int cli_certificate(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return certificate_verify(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(certificate_usage, stdout);
		return CLI_OK;
	}
	fprintf(stderr, "deliberd certificate: unknown or missing action\n%s", certificate_usage);
	return CLI_ERROR;
}

const struct cli_entry cli_keygen_entry = {"keygen", "create the signing key and certificate",
                                           cli_keygen};
const struct cli_entry cli_certificate_entry = {"certificate", "verify a destruction certificate",
                                                cli_certificate};
