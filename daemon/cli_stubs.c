/*
 * cli_stubs: weak placeholders so the binary links while subcommands are being
 * written; each real cli_*.c overrides them.  Removed once all exist.
 */
#include <stdio.h>

#include "cli.h"

#define STUB(fn, name)                                                                 \
	__attribute__((weak)) int fn(int argc, char **argv)                            \
	{                                                                              \
		(void)argc;                                                            \
		(void)argv;                                                            \
		fprintf(stderr, "deliberd: '%s' is not implemented yet\n", name);      \
		return CLI_ERROR;                                                      \
	}

STUB(cli_serve, "serve")
STUB(cli_check_config, "check-config")
STUB(cli_migrate, "migrate")
STUB(cli_credential, "credential")
STUB(cli_audit, "audit")
STUB(cli_import, "import")
STUB(cli_terms, "terms")
STUB(cli_history, "history")
STUB(cli_validate, "validate")
STUB(cli_retention, "retention")
STUB(cli_keygen, "keygen")
STUB(cli_certificate, "certificate")

/* Service stubs, same reason. */
#include "registry.h"

__attribute__((weak)) struct terms_deliberation *registry_load(PGconn *db, const char *reference,
							       struct err *e)
{
	(void)db;
	err_set(e, ERR_UNAVAILABLE, "the registry is not available for '%s'", reference);
	return NULL;
}

#include "audit.h"
#include "credential.h"

__attribute__((weak)) bool credential_authenticate(PGconn *db, const char *token,
						   struct principal *out, struct err *e)
{
	(void)db;
	(void)token;
	(void)out;
	err_set(e, ERR_UNAVAILABLE, "credentials are not available yet");
	return false;
}

__attribute__((weak)) bool audit_append(PGconn *conn, const char *actor, const char *action,
					const char *object, json_t *details, struct err *e)
{
	(void)conn;
	(void)actor;
	(void)action;
	(void)object;
	(void)details;
	err_set(e, ERR_UNAVAILABLE, "the audit trail is not available yet");
	return false;
}
