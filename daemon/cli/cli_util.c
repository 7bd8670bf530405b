/*
 * cli_util: helpers shared by the command-line faces (see cli_util.h).
 */
#include "cli_util.h"

#include "checkpoint.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "registry.h"
#include "terms.h"

/* Room for a subcommand's own options in the table handed to getopt_long. */
#define CLI_MAX_OPTIONS 24

enum { OPT_CONFIG = 0x1000, OPT_HELP = 'h' };

int cli_util_parse(const struct cli_spec *spec, int argc, char **argv, const char **config,
                   int *first)
{
	struct option table[CLI_MAX_OPTIONS + 3];
	size_t n = 0;
	int o, li = -1;

	for (const struct option *p = spec->options; p != NULL && p->name != NULL; p++)
		if (n < CLI_MAX_OPTIONS)
			table[n++] = *p;
	table[n++] = (struct option){"config", required_argument, NULL, OPT_CONFIG};
	table[n++] = (struct option){"help", no_argument, NULL, OPT_HELP};
	table[n] = (struct option){NULL, 0, NULL, 0};

	*config = NULL;
	optind = 0; /* glibc: 0 re-initialises getopt fully between calls */
	opterr = 0; /* the messages below name the subcommand */
	/* ':' first: a missing value is told apart from an unknown option */
	while ((o = getopt_long(argc, argv, ":h", table, &li)) != -1) {
		if (o == OPT_HELP) {
			fputs(spec->usage, stdout);
			return CLI_OK;
		}
		if (o == OPT_CONFIG) {
			*config = optarg;
		} else if (o == ':') {
			fprintf(stderr, "deliberd %s: option '%s' needs a value\n", spec->cmd,
			        argv[optind - 1]);
			return CLI_ERROR;
		} else if (o == '?') {
			const char *bad = argv[optind - 1];
			if (strncmp(bad, "--", 2) == 0)
				fprintf(stderr,
				        "deliberd %s: unknown option '%.40s' (see --help)\n",
				        spec->cmd, bad);
			else
				fprintf(stderr, "deliberd %s: unknown option '-%c' (see --help)\n",
				        spec->cmd, optopt);
			return CLI_ERROR;
		} else if (o > 0 && o < CLI_OPT_MAX && spec->ctx != NULL) {
			if (spec->once && spec->ctx[o] != NULL) {
				fprintf(stderr, "deliberd %s: option '--%s' given twice\n",
				        spec->cmd, li >= 0 ? table[li].name : "?");
				return CLI_ERROR;
			}
			spec->ctx[o] = optarg != NULL ? optarg : "";
		}
	}
	*first = optind;
	return CLI_CONTINUE;
}

int cli_util_action(const char *cmd, const char *usage, const char *const *actions, int argc,
                    char **argv, int *which)
{
	if (argc < 2) {
		fprintf(stderr, "deliberd %s: missing action\n%s", cmd, usage);
		return CLI_ERROR;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, stdout);
		return CLI_OK;
	}
	for (int i = 0; actions[i] != NULL; i++) {
		if (strcmp(argv[1], actions[i]) == 0) {
			*which = i;
			return CLI_CONTINUE;
		}
	}
	fprintf(stderr, "deliberd %s: unknown action '%s'\n%s", cmd, argv[1], usage);
	return CLI_ERROR;
}

struct config *cli_util_config(const char *cmd, const char *path)
{
	struct err e = {0};
	struct config *c = path != NULL ? config_load(path, &e) : config_default();

	log_setup(LOG_LEVEL_WARN, LOG_FORMAT_TEXT);
	if (c == NULL)
		fprintf(stderr, "deliberd %s: %s\n", cmd,
		        e.message[0] != '\0' ? e.message : "cannot load the configuration");
	return c;
}

PGconn *cli_util_connect(const char *cmd, const struct config *c)
{
	struct err e = {0};
	/* every audit event this process appends carries the daemon's MAC */
	if (!checkpoint_use_mac_key(c, &e)) {
		fprintf(stderr, "deliberd %s: %s\n", cmd, e.message);
		return NULL;
	}
	PGconn *db = db_connect(c, &e);
	if (db == NULL)
		fprintf(stderr, "deliberd %s: %s\n", cmd, e.message);
	return db;
}

PGconn *cli_util_open(const char *cmd, const char *config_path, struct config **cfg)
{
	PGconn *db = NULL;

	*cfg = cli_util_config(cmd, config_path);
	if (*cfg != NULL)
		db = cli_util_connect(cmd, *cfg);
	if (db == NULL) {
		config_unref(*cfg);
		*cfg = NULL;
	}
	return db;
}

bool cli_util_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end = NULL;
	long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

void cli_util_actor(char *out, size_t size)
{
	const struct passwd *pw = getpwuid(geteuid());
	char user[64];

	if (pw != NULL && pw->pw_name != NULL)
		snprintf(user, sizeof(user), "%s", pw->pw_name);
	else
		snprintf(user, sizeof(user), "uid%u", (unsigned)geteuid());
	/* The trail is read in terminals and logs: no control or non-ASCII bytes. */
	for (char *p = user; *p != '\0'; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
			*p = '?';
	snprintf(out, size, "cli:%s", user);
}

struct terms_deliberation *cli_util_load_deliberation(const char *config_path,
                                                      const char *reference, struct err *e)
{
	char ref[32];
	if (strlen(reference) >= sizeof(ref)) {
		err_set_field(e, ERR_INVALID, "deliberation",
		              "--deliberation is not a reference "
		              "like 21/128");
		return NULL;
	}
	snprintf(ref, sizeof(ref), "%s", reference);
	for (char *s = ref; *s; s++)
		if (*s == '-')
			*s = '/';
	struct config *c = config_path ? config_load(config_path, e) : config_default();
	if (!c) {
		if (e->kind == ERR_NONE)
			err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	struct terms_deliberation *d = NULL;
	PGconn *db = db_connect(c, e);
	if (db) {
		d = registry_load(db, ref, e);
		db_close(db);
	}
	config_unref(c);
	return d;
}
