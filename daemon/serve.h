/*
 * serve: the subcommands that wire every layer together (`deliberd serve` starts the
 * HTTP face and the scheduler over the services; `check-config` loads what serve
 * would).  They live beside main.c because the command-line face must not reach up
 * into the HTTP face.
 */
#ifndef DELIBERD_SERVE_H
#define DELIBERD_SERVE_H

#include "cli.h"

extern const struct cli_entry cli_serve_entry;
extern const struct cli_entry cli_check_config_entry;
extern const struct cli_entry cli_routes_entry;

#endif
