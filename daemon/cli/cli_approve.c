/*
 * cli_approve: `deliberd approve REF [VERSION] --as NAME` and `deliberd reject`
 * likewise: a second governance credential decides proposed versions (contract
 * "Authority").  Without VERSION every proposed version of REF.  Exit 0 done, 2
 * refused (same person, nothing proposed, unknown) or could not do it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_util.h"
#include "config.h"
#include "credential.h"
#include "db.h"
#include "registry.h"

static const char approve_usage[] =
    "usage: deliberd approve REF [VERSION] --as NAME [--config FILE]\n"
    "       deliberd reject REF [VERSION] --as NAME [--config FILE]\n\n"
    "Approves (or rejects) version VERSION of deliberation REF, or without VERSION\n"
    "every proposed version of REF, as the governance credential NAME, which must not\n"
    "be the one that proposed it.  Only approved versions count for terms, checks,\n"
    "retention and ODRL.  Prints the decided versions as JSON.\n";

static int decide(int argc, char **argv, bool approve)
{
	const char *cmd = approve ? "approve" : "reject";
	static const struct option opts[] = {{"as", required_argument, NULL, 1},
	                                     {NULL, 0, NULL, 0}};
	const char *arg[CLI_OPT_MAX] = {0}, *config_path;
	const struct cli_spec spec = {cmd, approve_usage, opts, true, arg};
	int first, rc = cli_util_parse(&spec, argc, argv, &config_path, &first);
	if (rc != CLI_CONTINUE)
		return rc;
	int rest = argc - first;
	int64_t number = 0;
	if (rest < 1 || rest > 2 || arg[1] == NULL ||
	    (rest == 2 && !cli_util_parse_i64(argv[first + 1], 1, 1000000, &number))) {
		fprintf(stderr, "deliberd %s: give REF, optionally VERSION, and --as NAME\n", cmd);
		fputs(approve_usage, stderr);
		return CLI_ERROR;
	}
	struct err e = {0};
	char ref[32], actor[48];
	if (!registry_reference_parse(argv[first], ref, &e)) {
		fprintf(stderr, "deliberd %s: %s\n", cmd, e.message);
		return CLI_ERROR;
	}
	struct config *cfg;
	PGconn *db = cli_util_open(cmd, config_path, &cfg);
	if (db == NULL)
		return CLI_ERROR;
	json_t *out = NULL;
	if (credential_actor_by_name(db, arg[1], ROLE_GOVERNANCE, actor, &e))
		out = registry_decide(db, ref, (int)number, approve, actor, &e);
	if (out != NULL) {
		char *s = json_dumps(out, JSON_INDENT(2));
		if (s != NULL)
			printf("%s\n", s);
		free(s);
		json_decref(out);
		rc = CLI_OK;
	} else {
		fprintf(stderr, "deliberd %s: %s\n", cmd, e.message);
		rc = CLI_ERROR;
	}
	db_close(db);
	config_unref(cfg);
	return rc;
}

static int cli_approve(int argc, char **argv)
{
	return decide(argc, argv, true);
}

static int cli_reject(int argc, char **argv)
{
	return decide(argc, argv, false);
}

const struct cli_entry cli_approve_entry = {
    "approve", "approve proposed versions (a second person)", cli_approve};
const struct cli_entry cli_reject_entry = {"reject", "reject proposed versions", cli_reject};
