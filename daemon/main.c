/* main: wires the deliberd binary: picks the subcommand and hands over. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "serve.h"

static const struct cli_entry *const commands[] = {
    &cli_serve_entry,    &cli_check_config_entry, &cli_migrate_entry, &cli_credential_entry,
    &cli_audit_entry,    &cli_import_entry,       &cli_terms_entry,   &cli_history_entry,
    &cli_validate_entry, &cli_retention_entry,    &cli_keygen_entry,  &cli_certificate_entry,
    &cli_output_entry,   &cli_routes_entry,       &cli_hold_entry,    &cli_approve_entry,
    &cli_reject_entry,
};

static void usage(FILE *out)
{
	fprintf(out, "usage: deliberd COMMAND [OPTIONS]   (deliberd COMMAND --help for details)\n\n"
	             "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-14s %s\n", commands[i]->name, commands[i]->help);
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	/* Europe/Brussels from the system tzdata, set before any thread starts. */
	if (!clock_init()) {
		fprintf(stderr, "deliberd: the time-zone database has no Europe/Brussels "
		                "(install tzdata): dates would be wrong\n");
		return CLI_ERROR;
	}
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
		if (strcmp(argv[1], commands[i]->name) == 0)
			return commands[i]->exec(argc - 1, argv + 1);
	fprintf(stderr, "deliberd: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return CLI_ERROR;
}
