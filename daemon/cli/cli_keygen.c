/*
 * cli_keygen: `deliberd keygen`, the signing key, its self-signed certificate and
 * a CSR.  A thin face over certs.c.
 */
#include <stdio.h>

#include "certs.h"
#include "cli.h"
#include "cli_util.h"
#include "config.h"

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

static const char *nonempty(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

enum { OPT_KEY = 1, OPT_CERT, OPT_CSR, OPT_CN, OPT_DAYS, OPT_EXISTING_KEY, OPT_FORCE };

static int cli_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"key", required_argument, NULL, OPT_KEY},
	    {"cert", required_argument, NULL, OPT_CERT},
	    {"csr", required_argument, NULL, OPT_CSR},
	    {"cn", required_argument, NULL, OPT_CN},
	    {"days", required_argument, NULL, OPT_DAYS},
	    {"existing-key", no_argument, NULL, OPT_EXISTING_KEY},
	    {"force", no_argument, NULL, OPT_FORCE},
	    {NULL, 0, NULL, 0},
	};
	const char *arg[CLI_OPT_MAX] = {0}, *config_path;
	const struct cli_spec spec = {"keygen", keygen_usage, opts, false, arg};
	struct certs_keygen_options o = {0};
	char key_id[CERTS_KEY_ID_LEN + 1];
	struct err e = {0};
	int first, rc = cli_util_parse(&spec, argc, argv, &config_path, &first);

	if (rc != CLI_CONTINUE)
		return rc;
	if (first < argc) {
		fprintf(stderr, "deliberd keygen: unexpected argument '%s'\n%s", argv[first],
		        keygen_usage);
		return CLI_ERROR;
	}
	o.key_path = arg[OPT_KEY];
	o.cert_path = arg[OPT_CERT];
	o.csr_path = arg[OPT_CSR];
	o.subject_cn = arg[OPT_CN];
	o.existing_key = arg[OPT_EXISTING_KEY] != NULL;
	o.force = arg[OPT_FORCE] != NULL;
	int64_t days = 0;
	if (arg[OPT_DAYS] != NULL && !cli_util_parse_i64(arg[OPT_DAYS], 1, CERTS_MAX_DAYS, &days)) {
		fprintf(stderr, "deliberd keygen: --days must be 1 to %d\n", CERTS_MAX_DAYS);
		return CLI_ERROR;
	}
	o.days = (int)days;
	struct config *cfg = cli_util_config("keygen", config_path);
	if (cfg == NULL)
		return CLI_ERROR;
	rc = CLI_ERROR;
	if (o.key_path == NULL)
		o.key_path = nonempty(cfg->signing_key);
	/* With an existing key and a CSR asked for, the configured certificate stays as is
	 * (the CA will issue its replacement). */
	if (o.cert_path == NULL && !(o.existing_key && o.csr_path != NULL))
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
	config_unref(cfg);
	return rc;
}

const struct cli_entry cli_keygen_entry = {"keygen", "create the signing key and certificate",
                                           cli_keygen};
