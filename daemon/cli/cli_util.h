/*
 * cli_util: small helpers shared by the command-line faces (cli_*.c), so each
 * subcommand names its actor the same way.
 */
#ifndef DELIBERD_CLI_UTIL_H
#define DELIBERD_CLI_UTIL_H

#include <stddef.h>

/* The audit actor of a command-line change: "cli:<unix user>" (or "cli:uid<N>" when
 * the user has no name), reduced to printable ASCII; 96 bytes always suffice. */
#define CLI_UTIL_ACTOR_SIZE 96
void cli_util_actor(char *out, size_t size);

#endif
