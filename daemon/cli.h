/*
 * cli: the subcommands of the deliberd binary.  Each returns the process exit
 * status: 0 success, 1 a check failed (validate: the extract breaks a rule;
 * audit verify: the chain is broken), 2 could not do it (bad arguments,
 * unreadable file, no database).  Every subcommand takes --help and --config FILE.
 */
#ifndef DELIBERD_CLI_H
#define DELIBERD_CLI_H

enum { CLI_OK = 0, CLI_FAILED = 1, CLI_ERROR = 2 };

int cli_serve(int argc, char **argv);        /* cli_serve.c */
int cli_check_config(int argc, char **argv); /* cli_serve.c */
int cli_migrate(int argc, char **argv);      /* cli_admin.c */
int cli_credential(int argc, char **argv);   /* cli_admin.c */
int cli_audit(int argc, char **argv);        /* cli_admin.c */
int cli_import(int argc, char **argv);       /* cli_registry.c */
int cli_terms(int argc, char **argv);        /* cli_registry.c */
int cli_history(int argc, char **argv);      /* cli_registry.c */
int cli_validate(int argc, char **argv);     /* cli_validate.c */
int cli_retention(int argc, char **argv);    /* cli_retention.c */
int cli_keygen(int argc, char **argv);       /* cli_certs.c */
int cli_certificate(int argc, char **argv);  /* cli_certs.c */

#endif
