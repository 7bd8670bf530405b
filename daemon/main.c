/* main: wires the deliberd binary: picks the subcommand and hands over. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
    {"serve", cli_serve, "run the daemon (HTTPS API, scheduler)"},
    {"check-config", cli_check_config, "validate a configuration file"},
    {"migrate", cli_migrate, "apply database migrations"},
    {"credential", cli_credential, "add or revoke API credentials"},
    {"audit", cli_audit, "verify the audit trail"},
    {"import", cli_import, "import deliberation files into the registry"},
    {"terms", cli_terms, "show the terms in force on a date"},
    {"history", cli_history, "show a deliberation's versions"},
    {"validate", cli_validate, "check an extract against the terms"},
    {"retention", cli_retention, "run the retention scheduler once"},
    {"keygen", cli_keygen, "create the signing key and certificate"},
    {"certificate", cli_certificate, "verify a destruction certificate"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: deliberd COMMAND [OPTIONS]   (deliberd COMMAND --help for details)\n\n"
	             "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return CLI_ERROR;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("deliberd %s\n", DELIBERD_VERSION);
		return CLI_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "deliberd: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return CLI_ERROR;
}
