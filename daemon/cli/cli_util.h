/*
 * cli_util: what the command-line faces (cli_*.c, serve.c) share: one way of
 * parsing arguments (getopt_long, with --config FILE and --help added to every
 * subcommand), loading the configuration, connecting, and naming the actor.
 */
#ifndef DELIBERD_CLI_UTIL_H
#define DELIBERD_CLI_UTIL_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "db.h"

/* cli_util_parse's answer when the subcommand should go on (an exit status otherwise). */
enum { CLI_CONTINUE = -1 };

/* A subcommand's arguments.  The val of each of its own options is a small index,
 * 1 to CLI_OPT_MAX - 1 (getopt_long's ':', '?' and 'h' stay free). */
#define CLI_OPT_MAX 32
struct cli_spec {
	const char *cmd;              /* "credential add": messages say "deliberd <cmd>: ..." */
	const char *usage;            /* --help prints it on stdout */
	const struct option *options; /* the subcommand's own, zero-terminated; NULL if none */
	/* true: an option given twice is refused ("a second --date is a mistake, not an
	 * override"); false: the last one given wins. */
	bool once;
	/* Where the options go: ctx[val] is set to the option's argument ("" for a flag). */
	const char **ctx;
};

/* Parses argv (argv[0] is the subcommand or its action) with getopt_long: the
 * spec's options plus --config FILE and --help (-h).  Options and positional
 * arguments may come in any order; "--" ends the options.  Returns CLI_CONTINUE with
 * *config (NULL without --config) and *first, the index in argv of the first
 * positional argument; CLI_OK after --help; CLI_ERROR after a bad option (said on
 * stderr). */
int cli_util_parse(const struct cli_spec *spec, int argc, char **argv, const char **config,
                   int *first);

/* The action of a subcommand that has some (`credential add`): argv[1] must be one of
 * actions (NULL-terminated).  Returns CLI_CONTINUE with *which its index; CLI_OK
 * after --help (usage on stdout); CLI_ERROR when missing or unknown (said on stderr).
 * The action's own arguments are then argv + 1 for cli_util_parse. */
int cli_util_action(const char *cmd, const char *usage, const char *const *actions, int argc,
                    char **argv, int *which);

/* Loads the configuration file (the built-in defaults when path is NULL) and quiets
 * info logs; NULL after saying why on stderr as "deliberd <cmd>: ...". */
struct config *cli_util_config(const char *cmd, const char *path);

/* Connects to the configuration's database; NULL after saying why on stderr. */
PGconn *cli_util_connect(const char *cmd, const struct config *c);

/* Both of the above: the configuration in *cfg and its database; NULL (and *cfg
 * NULL) after saying why on stderr. */
PGconn *cli_util_open(const char *cmd, const char *config_path, struct config **cfg);

/* A decimal integer in [min, max], no sign, spaces or trailing bytes. */
bool cli_util_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);

/* The audit actor of a command-line change: "cli:<unix user>" (or "cli:uid<N>" when
 * the user has no name), reduced to printable ASCII; 96 bytes always suffice. */
#define CLI_UTIL_ACTOR_SIZE 96
void cli_util_actor(char *out, size_t size);

struct terms_deliberation;
/* A deliberation from the registry of the configuration at config_path (the
 * built-in defaults when NULL): reference "21/128" or "21-128".  NULL with e set. */
struct terms_deliberation *cli_util_load_deliberation(const char *config_path,
                                                      const char *reference, struct err *e)
    __attribute__((warn_unused_result));

#endif
