/*
 * cli_holds: `deliberd hold place|list|release`, the legal holds of service/holds.h
 * from the command line (audited as the Unix user, "cli:<user>").
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_util.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "holds.h"

static const char holds_usage[] =
    "usage: deliberd hold place --deliberation REF [--recipient ID] --reason TEXT\n"
    "                           [--reference TEXT] [--config FILE]\n"
    "       deliberd hold list [--config FILE]\n"
    "       deliberd hold release ID --reason TEXT [--config FILE]\n"
    "\n"
    "A legal hold suspends destruction of the deliveries of a deliberation (or of one\n"
    "recipient under it) until it is released: their orders show on_hold and cannot\n"
    "be confirmed.  Prints the hold as JSON.  Exit 0 done, 2 not.\n";

static int holds_cli(int argc, char **argv)
{
	static const char *const actions[] = {"place", "list", "release", NULL};
	int action, rc = cli_util_action("hold", holds_usage, actions, argc, argv, &action);
	if (rc != CLI_CONTINUE)
		return rc;
	argc--;
	argv++;
	static const struct option opts[] = {
	    {"deliberation", required_argument, NULL, 'd'},
	    {"recipient", required_argument, NULL, 'r'},
	    {"reason", required_argument, NULL, 'w'},
	    {"reference", required_argument, NULL, 'f'},
	    {"config", required_argument, NULL, 'c'},
	    {NULL, 0, NULL, 0},
	};
	const char *delib = NULL, *recipient = NULL, *reason = NULL, *reference = NULL,
	           *config_path = NULL;
	int o;
	optind = 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'd':
			delib = optarg;
			break;
		case 'r':
			recipient = optarg;
			break;
		case 'w':
			reason = optarg;
			break;
		case 'f':
			reference = optarg;
			break;
		case 'c':
			config_path = optarg;
			break;
		default:
			fputs(holds_usage, stderr);
			return CLI_ERROR;
		}
	}
	int64_t id = 0;
	if ((action == 2 &&
	     (optind + 1 != argc || !cli_util_parse_i64(argv[optind], 1, INT64_MAX, &id))) ||
	    (action != 2 && optind != argc)) {
		fputs(holds_usage, stderr);
		return CLI_ERROR;
	}
	struct config *c = NULL;
	PGconn *db = cli_util_open("hold", config_path, &c);
	if (db == NULL)
		return CLI_ERROR;
	char actor[CLI_UTIL_ACTOR_SIZE];
	cli_util_actor(actor, sizeof(actor));
	struct err e = {0};
	json_t *body = json_object(), *out = NULL;
	if (delib != NULL)
		json_object_set_new(body, "deliberation", json_string(delib));
	if (recipient != NULL)
		json_object_set_new(body, "recipient", json_string(recipient));
	if (reason != NULL)
		json_object_set_new(body, "reason", json_string(reason));
	if (reference != NULL)
		json_object_set_new(body, "reference", json_string(reference));
	if (action == 0)
		out = holds_place(db, body, actor, clock_now(), &e);
	else if (action == 1)
		out = holds_list(db, NULL, &e);
	else
		out = holds_release(db, c, id, body, actor, clock_now(), &e);
	json_decref(body);
	if (out == NULL) {
		fprintf(stderr, "deliberd hold: %s%s%s\n", e.field[0] ? e.field : "",
		        e.field[0] ? ": " : "", e.message);
	} else {
		char *text = json_dumps(out, JSON_INDENT(2) | JSON_SORT_KEYS);
		if (text != NULL)
			printf("%s\n", text);
		free(text);
	}
	json_decref(out);
	db_close(db);
	config_unref(c);
	return out != NULL ? CLI_OK : CLI_ERROR;
}

const struct cli_entry cli_hold_entry = {"hold", "place, list or release legal holds", holds_cli};
