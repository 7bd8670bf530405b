/*
 * test_certs: signing keys and detached CMS signatures.  Every signature made here is
 * also checked with the stock openssl command line, since offline verification by
 * anyone, without deliberd, is the point of the module.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "certs.h"
#include "cli.h"

static char dir[64];

static const char *path(const char *name)
{
	static char buf[8][256];
	static int next;
	char *p = buf[next++ % 8];

	snprintf(p, 256, "%s/%s", dir, name);
	return p;
}

static void write_file(const char *p, const unsigned char *data, size_t n)
{
	FILE *f = fopen(p, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static unsigned char *read_file(const char *p, size_t *n)
{
	FILE *f = fopen(p, "rb");
	unsigned char *buf = malloc(1 << 20);

	assert_non_null(f);
	assert_non_null(buf);
	*n = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

/* Runs a shell command quietly and returns its exit status (-1 if it did not exit). */
static int run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " >/dev/null 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The exact command docs/certificates.md gives to verifiers. */
static int openssl_verify(const char *json, const char *p7s, const char *ca)
{
	return run("openssl cms -verify -binary -inform DER -in '%s' -content '%s' -CAfile '%s' "
	           "-purpose any",
	           p7s, json, ca);
}

static void keygen(const char *key, const char *cert, char key_id[CERTS_KEY_ID_LEN + 1])
{
	struct certs_keygen_options o = {.key_path = key, .cert_path = cert};
	struct err e = {0};

	if (!certs_keygen(&o, key_id, &e))
		fail_msg("keygen: %s", e.message);
}

static int setup(void **state)
{
	char a[CERTS_KEY_ID_LEN + 1], b[CERTS_KEY_ID_LEN + 1];

	(void)state;
	strcpy(dir, "/tmp/test_certs-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	keygen(path("a.key"), path("a.pem"), a);
	keygen(path("b.key"), path("b.pem"), b);
	return strcmp(a, b) != 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return run("rm -rf '%s'", dir) == 0 ? 0 : -1;
}

static struct certs_signer *load(const char *name)
{
	char key[64], cert[64];
	struct err e = {0};
	struct certs_signer *s;

	snprintf(key, sizeof(key), "%s.key", name);
	snprintf(cert, sizeof(cert), "%s.pem", name);
	s = certs_signer_load(path(key), path(cert), &e);
	if (s == NULL)
		fail_msg("load %s: %s", name, e.message);
	return s;
}

static const char document[] =
    "{\"deliberation\":\"21/128\",\"recipient\":\"maastricht-sbe\",\"destroyed_on\":"
    "\"2031-01-15\",\"note\":\"Universit\\u00e9 Maastricht\",\"persons\":20000}";

/* Writes NAME.json (canonical) and NAME.p7s signed by signer; returns the JSON. */
static char *sign_to_files(const struct certs_signer *s, const char *name)
{
	json_error_t je;
	json_t *doc = json_loads(document, 0, &je);
	struct err e = {0};
	unsigned char *der = NULL;
	size_t der_len = 0;
	char file[64], *json;

	assert_non_null(doc);
	json = certs_canonical_json(doc, &e);
	json_decref(doc);
	assert_non_null(json);
	if (!certs_sign(s, (const unsigned char *)json, strlen(json), &der, &der_len, &e))
		fail_msg("sign: %s", e.message);
	snprintf(file, sizeof(file), "%s.json", name);
	write_file(path(file), (const unsigned char *)json, strlen(json));
	snprintf(file, sizeof(file), "%s.p7s", name);
	write_file(path(file), der, der_len);
	free(der);
	return json;
}

static enum certs_verdict verify_files(const char *json, const char *p7s, const char *ca,
                                       char key_id[CERTS_KEY_ID_LEN + 1], struct err *e)
{
	size_t n, m;
	unsigned char *doc = read_file(json, &n), *sig = read_file(p7s, &m);
	enum certs_verdict v = certs_verify(doc, n, sig, m, ca, 0, key_id, e);

	free(doc);
	free(sig);
	return v;
}

static void test_keygen_key_file(void **state)
{
	struct stat sb;
	struct certs_signer *s;

	(void)state;
	assert_int_equal(stat(path("a.key"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(run("openssl ec -in '%s' -noout -check", path("a.key")), 0);
	assert_int_equal(
	    run("openssl x509 -in '%s' -noout -text | grep -q 'prime256v1'", path("a.pem")), 0);
	assert_int_equal(run("openssl x509 -in '%s' -noout -ext keyUsage | grep -q 'Digital "
	                     "Signature'",
	                     path("a.pem")),
	                 0);
	s = load("a");
	assert_int_equal(strlen(certs_signer_key_id(s)), CERTS_KEY_ID_LEN);
	assert_int_equal(strncmp(certs_signer_cert_pem(s), "-----BEGIN CERTIFICATE-----", 27), 0);
	certs_signer_free(s);
}

/* The key id is the SHA-256 of the public key, as openssl computes it. */
static void test_key_id_matches_openssl(void **state)
{
	struct certs_signer *s = load("a");
	json_t *info = certs_signer_info(s);

	(void)state;
	assert_non_null(info);
	assert_string_equal(json_string_value(json_object_get(info, "key_id")),
	                    certs_signer_key_id(s));
	assert_non_null(json_string_value(json_object_get(info, "not_after")));
	assert_int_equal(run("openssl x509 -in '%s' -noout -pubkey | openssl pkey -pubin -outform "
	                     "DER | openssl dgst -sha256 | grep -q '%s'",
	                     path("a.pem"), certs_signer_key_id(s)),
	                 0);
	json_decref(info);
	certs_signer_free(s);
}

static void test_keygen_refuses_overwrite(void **state)
{
	struct certs_keygen_options o = {.key_path = path("c.key"), .cert_path = path("c.pem")};
	char first[CERTS_KEY_ID_LEN + 1], second[CERTS_KEY_ID_LEN + 1];
	struct err e = {0};
	size_t n1, n2;
	unsigned char *before, *after;
	struct stat sb;

	(void)state;
	assert_true(certs_keygen(&o, first, &e));
	before = read_file(path("c.key"), &n1);
	assert_false(certs_keygen(&o, second, &e));
	assert_int_equal(e.kind, ERR_CONFLICT);
	after = read_file(path("c.key"), &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(before, after, n1);
	free(after);

	/* Only the certificate exists: still refused, and no key appears. */
	unlink(path("c.key"));
	err_clear(&e);
	assert_false(certs_keygen(&o, second, &e));
	assert_int_equal(e.kind, ERR_CONFLICT);
	assert_int_not_equal(stat(path("c.key"), &sb), 0);

	o.force = true;
	err_clear(&e);
	assert_true(certs_keygen(&o, second, &e));
	assert_string_not_equal(first, second);
	assert_int_equal(stat(path("c.key"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	free(before);
}

static void test_sign_verify(void **state)
{
	struct certs_signer *s = load("a");
	char key_id[CERTS_KEY_ID_LEN + 1] = "";
	struct err e = {0};
	char *json = sign_to_files(s, "good");

	(void)state;
	assert_int_equal(
	    verify_files(path("good.json"), path("good.p7s"), path("a.pem"), key_id, &e),
	    CERTS_VERIFIED);
	assert_string_equal(key_id, certs_signer_key_id(s));
	assert_int_equal(openssl_verify(path("good.json"), path("good.p7s"), path("a.pem")), 0);
	/* The same check with the anchor as PEM text, as the daemon holds it. */
	{
		size_t m;
		unsigned char *sig = read_file(path("good.p7s"), &m);
		const char *pem = certs_signer_cert_pem(s);
		assert_int_equal(certs_verify_pem((const unsigned char *)json, strlen(json), sig, m,
		                                  pem, strlen(pem), 0, NULL, &e),
		                 CERTS_VERIFIED);
		free(sig);
	}
	free(json);
	certs_signer_free(s);
}

/* One changed byte anywhere in the document must break both verifiers. */
static void test_tampered_document(void **state)
{
	struct certs_signer *s = load("a");
	char *json = sign_to_files(s, "tamper");
	const size_t at[] = {0, 10, strlen(json) / 2, strlen(json) - 1};
	struct err e = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		char *copy = strdup(json);
		copy[at[i]] ^= 0x01;
		write_file(path("tamper.json"), (unsigned char *)copy, strlen(copy));
		err_clear(&e);
		assert_int_equal(
		    verify_files(path("tamper.json"), path("tamper.p7s"), path("a.pem"), NULL, &e),
		    CERTS_BAD);
		assert_non_null(strstr(e.message, "signature does not verify"));
		assert_int_not_equal(
		    openssl_verify(path("tamper.json"), path("tamper.p7s"), path("a.pem")), 0);
		free(copy);
	}
	/* A trailing newline is a change too: the bytes signed are the bytes served. */
	{
		size_t n = strlen(json);
		char *nl = malloc(n + 1);
		memcpy(nl, json, n);
		nl[n] = '\n';
		write_file(path("tamper.json"), (unsigned char *)nl, n + 1);
		assert_int_equal(
		    verify_files(path("tamper.json"), path("tamper.p7s"), path("a.pem"), NULL, &e),
		    CERTS_BAD);
		free(nl);
	}
	free(json);
	certs_signer_free(s);
}

/* Signed by key b, checked against a's certificate: must fail. */
static void test_wrong_anchor(void **state)
{
	struct certs_signer *s = load("b");
	struct err e = {0};

	(void)state;
	free(sign_to_files(s, "other"));
	assert_int_equal(
	    verify_files(path("other.json"), path("other.p7s"), path("a.pem"), NULL, &e),
	    CERTS_BAD);
	assert_int_not_equal(openssl_verify(path("other.json"), path("other.p7s"), path("a.pem")),
	                     0);
	/* ...and passes against its own. */
	assert_int_equal(
	    verify_files(path("other.json"), path("other.p7s"), path("b.pem"), NULL, &e),
	    CERTS_VERIFIED);
	certs_signer_free(s);
}

static void test_malformed_and_unreadable(void **state)
{
	const unsigned char doc[] = "{}", junk[] = "not a signature";
	struct err e = {0};

	(void)state;
	assert_int_equal(certs_verify(doc, 2, junk, sizeof(junk), path("a.pem"), 0, NULL, &e),
	                 CERTS_BAD);
	err_clear(&e);
	assert_int_equal(
	    certs_verify(doc, 2, junk, sizeof(junk), path("nonexistent.pem"), 0, NULL, &e),
	    CERTS_ERROR);
	assert_non_null(strstr(e.message, "nonexistent.pem"));
	err_clear(&e);
	/* A key file is not a trust anchor. */
	assert_int_equal(certs_verify(doc, 2, junk, sizeof(junk), path("a.key"), 0, NULL, &e),
	                 CERTS_ERROR);
	err_clear(&e);
	assert_int_equal(certs_verify(doc, 2, junk, sizeof(junk), NULL, 0, NULL, &e), CERTS_ERROR);
}

static void test_signer_load_mismatch(void **state)
{
	struct err e = {0};

	(void)state;
	assert_null(certs_signer_load(path("a.key"), path("b.pem"), &e));
	assert_non_null(strstr(e.message, "not for the key"));
	err_clear(&e);
	assert_null(certs_signer_load(path("a.pem"), path("a.pem"), &e));
	err_clear(&e);
	assert_null(certs_signer_load(path("missing.key"), path("a.pem"), &e));
	assert_non_null(strstr(e.message, "missing.key"));
	/* Another key type is refused: P-256 only. */
	assert_int_equal(run("openssl genpkey -algorithm ed25519 -out '%s'", path("ed.key")), 0);
	err_clear(&e);
	assert_null(certs_signer_load(path("ed.key"), path("a.pem"), &e));
	assert_non_null(strstr(e.message, "P-256"));
}

static void test_canonical_json(void **state)
{
	static const struct {
		const char *in, *out; /* out NULL: refused */
	} cases[] = {
	    {"{\"b\":1,\"a\":{\"d\":[1,2],\"c\":null}}",
	     "{\"a\":{\"c\":null,\"d\":[1,2]},\"b\":1}"},
	    {"{ \"name\" : \"Universit\xc3\xa9\" }", "{\"name\":\"Universit\\u00E9\"}"},
	    {"{\"t\":true,\"f\":false,\"s\":\"a/b\\\"c\"}",
	     "{\"f\":false,\"s\":\"a/b\\\"c\",\"t\":true}"},
	    {"{\"x\":1.5}", NULL},
	    {"{\"x\":[{\"y\":2.0}]}", NULL},
	    {"[1,2]", NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_error_t je;
		json_t *doc = json_loads(cases[i].in, JSON_DECODE_ANY, &je);
		struct err e = {0};
		char *out;

		assert_non_null(doc);
		out = certs_canonical_json(doc, &e);
		if (cases[i].out == NULL) {
			assert_null(out);
			assert_int_equal(e.kind, ERR_INVALID);
		} else {
			assert_non_null(out);
			assert_string_equal(out, cases[i].out);
		}
		free(out);
		json_decref(doc);
	}
}

/* The CSR route: an organisation CA (here: another deliberd keygen) signs the CSR;
 * signatures then verify against the CA alone, by us and by openssl. */
static void test_csr_and_ca_chain(void **state)
{
	struct certs_keygen_options o = {
	    .key_path = path("ee.key"), .csr_path = path("ee.csr"), .subject_cn = "deliberd test"};
	char key_id[CERTS_KEY_ID_LEN + 1], got[CERTS_KEY_ID_LEN + 1];
	struct err e = {0};
	struct certs_signer *s;

	(void)state;
	assert_true(certs_keygen(&o, key_id, &e));
	assert_int_equal(run("openssl req -in '%s' -noout -verify", path("ee.csr")), 0);
	assert_int_equal(run("openssl req -in '%s' -noout -subject | grep -q 'CN = deliberd test'",
	                     path("ee.csr")),
	                 0);
	assert_int_equal(run("openssl x509 -req -in '%s' -CA '%s' -CAkey '%s' -CAcreateserial "
	                     "-days 30 -copy_extensions copy -out '%s'",
	                     path("ee.csr"), path("a.pem"), path("a.key"), path("ee.pem")),
	                 0);
	s = load("ee");
	assert_string_equal(certs_signer_key_id(s), key_id);
	free(sign_to_files(s, "chained"));
	assert_int_equal(
	    verify_files(path("chained.json"), path("chained.p7s"), path("a.pem"), got, &e),
	    CERTS_VERIFIED);
	assert_string_equal(got, key_id);
	assert_int_equal(openssl_verify(path("chained.json"), path("chained.p7s"), path("a.pem")),
	                 0);
	assert_int_equal(
	    verify_files(path("chained.json"), path("chained.p7s"), path("b.pem"), NULL, &e),
	    CERTS_BAD);
	certs_signer_free(s);

	/* A fresh self-signed certificate for the same key keeps the key id. */
	{
		struct certs_keygen_options r = {.key_path = path("ee.key"),
		                                 .cert_path = path("ee-self.pem"),
		                                 .existing_key = true};
		err_clear(&e);
		assert_true(certs_keygen(&r, got, &e));
		assert_string_equal(got, key_id);
	}
}

static void test_keygen_bad_options(void **state)
{
	char x[256], y[256];
	const char *existing = path("a.pem");
	const struct {
		struct certs_keygen_options o;
		enum err_kind kind;
	} cases[] = {
	    {{.key_path = NULL, .cert_path = y}, ERR_INVALID},
	    {{.key_path = x, .cert_path = x}, ERR_INVALID},
	    {{.key_path = "/nonexistent-dir/x.key", .cert_path = "/nonexistent-dir/x.pem"},
	     ERR_INVALID},
	    {{.key_path = x, .cert_path = y, .days = -1}, ERR_INVALID},
	    {{.key_path = x, .cert_path = y, .days = CERTS_MAX_DAYS + 1}, ERR_INVALID},
	    {{.key_path = x, .cert_path = y, .subject_cn = ""}, ERR_INVALID},
	    {{.key_path = x,
	      .cert_path = y,
	      .subject_cn =
	          "a common name that is too long to fit in the sixty-four bytes of X.520"},
	     ERR_INVALID},
	    {{.key_path = x, .cert_path = existing}, ERR_CONFLICT},
	    {{.key_path = path("a.key"), .existing_key = true}, ERR_INVALID},
	};
	struct stat sb;

	(void)state;
	snprintf(x, sizeof(x), "%s", path("bad.key"));
	snprintf(y, sizeof(y), "%s", path("bad.pem"));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err e = {0};
		assert_false(certs_keygen(&cases[i].o, NULL, &e));
		assert_int_equal(e.kind, cases[i].kind);
		assert_int_not_equal(stat(x, &sb), 0);
		assert_int_not_equal(stat(y, &sb), 0);
	}
}

static int cli(int (*fn)(int, char **), ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;

	va_start(ap, fn);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	return fn(argc, argv);
}

static void test_cli_exit_codes(void **state)
{
	char json[256], p7s[256], ca[256], other[256], key[256], cert[256];

	(void)state;
	snprintf(json, sizeof(json), "%s", path("good.json"));
	snprintf(p7s, sizeof(p7s), "%s", path("good.p7s"));
	snprintf(ca, sizeof(ca), "%s", path("a.pem"));
	snprintf(other, sizeof(other), "%s", path("b.pem"));
	snprintf(key, sizeof(key), "%s", path("cli.key"));
	snprintf(cert, sizeof(cert), "%s", path("cli.pem"));
	{
		struct certs_signer *s = load("a");
		free(sign_to_files(s, "good"));
		certs_signer_free(s);
	}
	assert_int_equal(
	    cli(cli_certificate_entry.exec, "certificate", "verify", json, p7s, "--ca", ca, NULL),
	    CLI_OK);
	assert_int_equal(cli(cli_certificate_entry.exec, "certificate", "verify", json, p7s, "--ca",
	                     other, NULL),
	                 CLI_FAILED);
	assert_int_equal(cli(cli_certificate_entry.exec, "certificate", "verify", json,
	                     "/nonexistent.p7s", "--ca", ca, NULL),
	                 CLI_ERROR);
	assert_int_equal(cli(cli_certificate_entry.exec, "certificate", "verify", json, p7s, NULL),
	                 CLI_ERROR);
	assert_int_equal(cli(cli_certificate_entry.exec, "certificate", "--help", NULL), CLI_OK);
	assert_int_equal(cli(cli_certificate_entry.exec, "certificate", "verify", "--help", NULL),
	                 CLI_OK);
	assert_int_equal(cli(cli_keygen_entry.exec, "keygen", "--help", NULL), CLI_OK);
	assert_int_equal(cli(cli_keygen_entry.exec, "keygen", "--key", key, "--cert", cert,
	                     "--days", "10", NULL),
	                 CLI_OK);
	assert_int_equal(cli(cli_keygen_entry.exec, "keygen", "--key", key, "--cert", cert, NULL),
	                 CLI_ERROR);
	assert_int_equal(
	    cli(cli_keygen_entry.exec, "keygen", "--key", key, "--cert", cert, "--force", NULL),
	    CLI_OK);
	assert_int_equal(cli(cli_keygen_entry.exec, "keygen", "--key", key, "--cert", cert,
	                     "--days", "0", "--force", NULL),
	                 CLI_ERROR);
	assert_int_equal(cli(cli_keygen_entry.exec, "keygen", "--bogus", NULL), CLI_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keygen_key_file),
	    cmocka_unit_test(test_key_id_matches_openssl),
	    cmocka_unit_test(test_keygen_refuses_overwrite),
	    cmocka_unit_test(test_sign_verify),
	    cmocka_unit_test(test_tampered_document),
	    cmocka_unit_test(test_wrong_anchor),
	    cmocka_unit_test(test_malformed_and_unreadable),
	    cmocka_unit_test(test_signer_load_mismatch),
	    cmocka_unit_test(test_canonical_json),
	    cmocka_unit_test(test_csr_and_ca_chain),
	    cmocka_unit_test(test_keygen_bad_options),
	    cmocka_unit_test(test_cli_exit_codes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
