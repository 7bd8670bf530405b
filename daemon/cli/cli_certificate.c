/*
 * cli_certificate: `deliberd certificate verify`, a destruction certificate checked
 * offline, without the daemon or its database.  A thin face over certs.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certs.h"
#include "cli.h"
#include "cli_util.h"
#include "config.h"

/* A destruction certificate document is a few KiB; 16 MiB is a generous bound. */
#define MAX_DOCUMENT_BYTES (16u * 1024 * 1024)
#define MAX_SIGNATURE_BYTES (1u * 1024 * 1024)

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

enum { OPT_CA = 1, OPT_NO_CHECK_TIME };

static int certificate_verify(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"ca", required_argument, NULL, OPT_CA},
	    {"no-check-time", no_argument, NULL, OPT_NO_CHECK_TIME},
	    {NULL, 0, NULL, 0},
	};
	const char *arg[CLI_OPT_MAX] = {0}, *config_path;
	const struct cli_spec spec = {"certificate verify", certificate_usage, opts, false, arg};
	unsigned char *doc = NULL, *sig = NULL;
	size_t doc_len = 0, sig_len = 0;
	char key_id[CERTS_KEY_ID_LEN + 1];
	struct err e = {0};
	int first, rc = cli_util_parse(&spec, argc, argv, &config_path, &first);

	if (rc != CLI_CONTINUE)
		return rc;
	if (argc - first != 2) {
		fprintf(stderr, "deliberd certificate verify: give CERT.json and CERT.p7s\n%s",
		        certificate_usage);
		return CLI_ERROR;
	}
	unsigned flags = arg[OPT_NO_CHECK_TIME] != NULL ? CERTS_VERIFY_NO_CHECK_TIME : 0;
	struct config *cfg = cli_util_config("certificate verify", config_path);
	if (cfg == NULL)
		return CLI_ERROR;
	rc = CLI_ERROR;
	const char *ca = arg[OPT_CA];
	if (ca == NULL && cfg->signing_certificate[0] != '\0')
		ca = cfg->signing_certificate;
	if (ca == NULL) {
		fprintf(stderr, "deliberd certificate verify: give --ca PEM (the signer "
		                "certificate or the CA), or a --config with signing.certificate\n");
		goto done;
	}
	doc = read_all(argv[first], MAX_DOCUMENT_BYTES, &doc_len);
	sig = doc ? read_all(argv[first + 1], MAX_SIGNATURE_BYTES, &sig_len) : NULL;
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
	config_unref(cfg);
	return rc;
}

static int cli_certificate(int argc, char **argv)
{
	static const char *const actions[] = {"verify", NULL};
	int action,
	    rc = cli_util_action("certificate", certificate_usage, actions, argc, argv, &action);
	if (rc != CLI_CONTINUE)
		return rc;
	return certificate_verify(argc - 1, argv + 1);
}

const struct cli_entry cli_certificate_entry = {"certificate", "verify a destruction certificate",
                                                cli_certificate};
