/*
 * cli_output: `deliberd output check`, the output checker of phase 2 (contract
 * "Output checking (phase 2)", docs/output-checking.md).  It builds the table
 * itself from microdata, judges every cell with the thresholds of the terms in
 * force today (or ACRO's defaults), optionally masks unsafe and secondary cells
 * (--suppress) and writes the table (--out).  Exit 0 every cell is safe, 1 some
 * cell breaks a rule, 2 it could not check.  The report never holds a value.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_util.h"
#include "clock.h"
#include "output.h"
#include "terms.h"

#define READ_SIZE (1u << 20)

static const char output_usage[] =
    "usage: deliberd output check --microdata FILE --by VAR[,VAR...]\n"
    "                             [--value VAR --stat count|sum|mean|median|min|max|sd]\n"
    "                             [--terms FILE [--deliberation REF] |\n"
    "                              --config FILE --deliberation REF]\n"
    "                             [--suppress] [--format json|text] [--out TABLE.csv]\n"
    "\n"
    "Builds a table from phase-2 microdata (CSV with person_id and the variables;\n"
    "'-' reads stdin) and checks every cell before it may leave the secure room:\n"
    "threshold, dominance, p_percent, disclosive_statistic, identifier_column,\n"
    "national_number and the other identifier detectors, negative_contribution.\n"
    "Thresholds: the output_checking of the terms in force today, else ACRO's\n"
    "defaults (10 persons; 2 largest at most 90%; p 10%).\n"
    "\n"
    "  --by VARS        grouping variables, comma-separated\n"
    "  --value VAR      the variable a statistic other than count is of\n"
    "  --stat S         count (distinct persons, the default), sum, mean, median,\n"
    "                   min, max or sd; a person's value in a cell is the sum of\n"
    "                   their rows there\n"
    "  --suppress       mask unsafe cells and enough others that no masked cell\n"
    "                   can be recomputed from the totals\n"
    "  --format F       json (default) or text\n"
    "  --out FILE       write the table as CSV (masked cells empty)\n"
    "\n"
    "Exit status: 0 every cell is safe, 1 some cell breaks a rule, 2 it could not\n"
    "be checked.  Reports name rules and category codes, never a microdata value.\n";

enum {
	OPT_MICRODATA = 1,
	OPT_BY,
	OPT_VALUE,
	OPT_STAT,
	OPT_TERMS,
	OPT_DELIBERATION,
	OPT_SUPPRESS,
	OPT_FORMAT,
	OPT_OUT,
};

static const struct option output_options[] = {
    {"microdata", required_argument, NULL, OPT_MICRODATA},
    {"by", required_argument, NULL, OPT_BY},
    {"value", required_argument, NULL, OPT_VALUE},
    {"stat", required_argument, NULL, OPT_STAT},
    {"terms", required_argument, NULL, OPT_TERMS},
    {"deliberation", required_argument, NULL, OPT_DELIBERATION},
    {"suppress", no_argument, NULL, OPT_SUPPRESS},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"out", required_argument, NULL, OPT_OUT},
    {NULL, 0, NULL, 0},
};

/* The terms in force today, or failing that the latest on record; NULL: none. */
static const struct terms_body *terms_today(const struct terms_deliberation *d)
{
	const struct terms_version *v = terms_version_at(d, clock_brussels_date(clock_now()));
	if (v != NULL && v->on_record)
		return &v->body;
	for (size_t i = d->nversions; i-- > 0;)
		if (d->versions[i].on_record)
			return &d->versions[i].body;
	return NULL;
}

static bool fill_spec(const char *const *arg, struct output_spec *spec)
{
	struct err e = {0};
	memset(spec, 0, sizeof(*spec));
	if (arg[OPT_MICRODATA] == NULL || arg[OPT_BY] == NULL) {
		fputs(
		    "deliberd output check: --microdata FILE and --by VAR[,VAR...] are required\n",
		    stderr);
		return false;
	}
	if (!output_spec_set_by(spec, arg[OPT_BY], &e))
		goto bad;
	spec->stat = arg[OPT_VALUE] != NULL ? OUTPUT_SUM : OUTPUT_COUNT;
	if (arg[OPT_STAT] != NULL && !output_stat_parse(arg[OPT_STAT], &spec->stat)) {
		fputs("deliberd output check: --stat must be count, sum, mean, median, min, max or "
		      "sd\n",
		      stderr);
		return false;
	}
	if (arg[OPT_VALUE] != NULL) {
		if (strlen(arg[OPT_VALUE]) >= sizeof(spec->value)) {
			fputs("deliberd output check: --value is not a column name\n", stderr);
			return false;
		}
		snprintf(spec->value, sizeof(spec->value), "%s", arg[OPT_VALUE]);
	}
	if (!output_spec_check(spec, &e))
		goto bad;
	return true;
bad:
	fprintf(stderr, "deliberd output check: %s\n", e.message);
	return false;
}

/* Streams the microdata through a builder; NULL after saying why. */
static struct output_table *tabulate(const char *path, const struct output_spec *spec)
{
	struct err e = {0};
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "deliberd output check: cannot open %s: %s\n", path,
		        strerror(errno));
		return NULL;
	}
	struct output_builder *b = output_builder_new(spec, &e);
	char *buf = malloc(READ_SIZE);
	struct output_table *t = NULL;
	bool ok = b != NULL && buf != NULL;
	while (ok) {
		ssize_t n = read(fd, buf, READ_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set(&e, ERR_INVALID, "cannot read %s: %s", path, strerror(errno));
			ok = false;
		} else if (n == 0) {
			break;
		} else {
			ok = output_builder_feed(b, buf, (size_t)n, &e);
		}
	}
	if (ok)
		t = output_builder_finish(b, &e);
	if (t == NULL)
		fprintf(stderr, "deliberd output check: %s: %s\n",
		        is_stdin ? "standard input" : path,
		        e.message[0] ? e.message : "out of memory");
	free(buf);
	output_builder_free(b);
	if (!is_stdin)
		close(fd);
	return t;
}

static bool write_table(const char *path, const struct output_table *t)
{
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		fprintf(stderr, "deliberd output check: cannot write %s: %s\n", path,
		        strerror(errno));
		return false;
	}
	bool ok = output_table_write_csv(f, t);
	if (fclose(f) != 0)
		ok = false;
	if (!ok)
		fprintf(stderr, "deliberd output check: cannot write %s\n", path);
	return ok;
}

static int output_check(int argc, char **argv)
{
	const char *arg[CLI_OPT_MAX] = {0};
	const char *config = NULL;
	const struct cli_spec cs = {"output check", output_usage, output_options, true, arg};
	int first, rc = cli_util_parse(&cs, argc, argv, &config, &first);
	if (rc != CLI_CONTINUE)
		return rc;
	if (first < argc) {
		fprintf(stderr, "deliberd output check: unexpected argument (the microdata is "
		                "--microdata FILE)\n");
		return CLI_ERROR;
	}
	bool json = true;
	if (arg[OPT_FORMAT] != NULL) {
		if (strcmp(arg[OPT_FORMAT], "text") == 0)
			json = false;
		else if (strcmp(arg[OPT_FORMAT], "json") != 0) {
			fputs("deliberd output check: --format must be json or text\n", stderr);
			return CLI_ERROR;
		}
	}
	if (arg[OPT_TERMS] != NULL && config != NULL) {
		fputs("deliberd output check: --terms and --config exclude each other\n", stderr);
		return CLI_ERROR;
	}
	if (config != NULL && arg[OPT_DELIBERATION] == NULL) {
		fputs("deliberd output check: --config needs --deliberation REF\n", stderr);
		return CLI_ERROR;
	}
	struct output_spec spec;
	if (!fill_spec(arg, &spec))
		return CLI_ERROR;

	struct err e = {0};
	struct terms_deliberation *d = NULL;
	if (arg[OPT_TERMS] != NULL)
		d = terms_load_file(arg[OPT_TERMS], &e);
	else if (arg[OPT_DELIBERATION] != NULL)
		d = cli_util_load_deliberation(config, arg[OPT_DELIBERATION], &e);
	if ((arg[OPT_TERMS] != NULL || arg[OPT_DELIBERATION] != NULL) && d == NULL) {
		fprintf(stderr, "deliberd output check: %s\n",
		        e.message[0] ? e.message : "cannot load the terms");
		return CLI_ERROR;
	}
	if (d != NULL && arg[OPT_TERMS] != NULL && arg[OPT_DELIBERATION] != NULL) {
		char ref[TERMS_REFERENCE_SIZE];
		if (!terms_reference_parse(arg[OPT_DELIBERATION], "deliberation", ref, &e) ||
		    strcmp(ref, d->reference) != 0) {
			fprintf(stderr, "deliberd output check: %s is not the deliberation of %s\n",
			        arg[OPT_DELIBERATION], arg[OPT_TERMS]);
			terms_free(d);
			return CLI_ERROR;
		}
	}
	const struct terms_body *body = d != NULL ? terms_today(d) : NULL;
	struct output_params params;
	output_params_from_terms(&params, body);

	struct output_table *t = tabulate(arg[OPT_MICRODATA], &spec);
	if (t == NULL) {
		terms_free(d);
		return CLI_ERROR;
	}
	output_judge(t, &params, body);
	bool ok = arg[OPT_SUPPRESS] != NULL ? output_suppress(t) : output_margins_build(t);
	if (ok && arg[OPT_OUT] != NULL)
		ok = write_table(arg[OPT_OUT], t);
	if (ok) {
		if (json) {
			json_t *j = output_report_json(t);
			ok = j != NULL &&
			     json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS) == 0;
			fputc('\n', stdout);
			json_decref(j);
		} else {
			output_report_text(stdout, t);
		}
	}
	rc = !ok ? CLI_ERROR : output_passed(t) ? CLI_OK : CLI_FAILED;
	output_table_free(t);
	terms_free(d);
	return rc;
}

static int cli_output(int argc, char **argv)
{
	static const char *const actions[] = {"check", NULL};
	int which;
	int rc = cli_util_action("output", output_usage, actions, argc, argv, &which);
	if (rc != CLI_CONTINUE)
		return rc;
	return output_check(argc - 1, argv + 1);
}

const struct cli_entry cli_output_entry = {
    "output",
    "check a table leaving the secure room (phase 2): deliberd output check --help",
    cli_output,
};
