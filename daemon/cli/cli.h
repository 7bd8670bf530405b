/*
 * cli: the subcommands of the deliberd binary.  Each returns the process exit
 * status: 0 success, 1 a check failed (validate: the extract breaks a rule;
 * audit verify: the chain is broken), 2 could not do it (bad arguments,
 * unreadable file, no database).  Every subcommand takes --help and --config FILE,
 * parsed the one way cli_util_parse does it; one file per subcommand.
 */
#ifndef DELIBERD_CLI_H
#define DELIBERD_CLI_H

enum { CLI_OK = 0, CLI_FAILED = 1, CLI_ERROR = 2 };

/* One subcommand, as tmux's cmd_entry: main.c dispatches from a table of these. */
struct cli_entry {
	const char *name;                   /* argv[1] */
	const char *help;                   /* one line for `deliberd --help` */
	int (*exec)(int argc, char **argv); /* argv[0] is the name; returns the exit status */
};

extern const struct cli_entry cli_migrate_entry;     /* cli_migrate.c */
extern const struct cli_entry cli_credential_entry;  /* cli_credential.c */
extern const struct cli_entry cli_audit_entry;       /* cli_audit.c */
extern const struct cli_entry cli_import_entry;      /* cli_import.c */
extern const struct cli_entry cli_terms_entry;       /* cli_terms.c */
extern const struct cli_entry cli_history_entry;     /* cli_history.c */
extern const struct cli_entry cli_validate_entry;    /* cli_validate.c */
extern const struct cli_entry cli_retention_entry;   /* cli_retention.c */
extern const struct cli_entry cli_keygen_entry;      /* cli_keygen.c */
extern const struct cli_entry cli_certificate_entry; /* cli_certificate.c */
extern const struct cli_entry cli_output_entry;      /* cli_output.c */
extern const struct cli_entry cli_hold_entry;        /* cli_holds.c */
extern const struct cli_entry cli_approve_entry;     /* cli_approve.c */
extern const struct cli_entry cli_reject_entry;      /* cli_approve.c */

#endif
