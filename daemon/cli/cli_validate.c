/*
 * cli_validate: `deliberd validate`, the offline check of an extract against a
 * deliberation file (--terms) or the registry (--config/--deliberation).  Exit 0
 * when the extract passes, 1 when it breaks a rule (the report says which), 2 when
 * it could not be checked.  A regular file is mapped and validated on all cores
 * (extract_run_buffer); a pipe or stdin ("-") is streamed in 4 MiB reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_util.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "extract.h"
#include "registry.h"
#include "report.h"
#include "terms.h"

#define READ_SIZE (4u << 20)
#define PROGRESS_MIN (64ull << 20)
#define MAX_ERRORS_LIMIT 1000000

struct validate_opts {
	const char *terms, *config, *deliberation;
	const char *recipient, *group, *phase, *date, *destination;
	const char *format, *max_errors, *threads;
	const char *extract;
};

static const char validate_usage[] =
    "usage: deliberd validate --terms FILE --recipient ID --group G --phase N\n"
    "                         --date YYYY-MM-DD [--destination D]\n"
    "                         [--format json|text] [--max-errors N] EXTRACT\n"
    "       deliberd validate --config FILE --deliberation REF ... EXTRACT\n"
    "\n"
    "Checks an extract (CSV, header row of variable codes; '-' reads stdin)\n"
    "against the terms of a deliberation in force on --date: a deliberation\n"
    "file (--terms) or the registry (--config FILE --deliberation 21/128).\n"
    "\n"
    "  --recipient ID      who receives the extract (e.g. maastricht-sbe)\n"
    "  --group G           target group (e.g. naric)\n"
    "  --phase N           phase of the study (1, 2)\n"
    "  --date YYYY-MM-DD   delivery date (default: today, Europe/Brussels)\n"
    "  --destination D     recipient_premises or secure_room (not checked if absent)\n"
    "  --format F          json (default: one JSON object on stdout) or text\n"
    "  --max-errors N      error examples in the report (default 100)\n"
    "  --threads N         threads for a regular file (default: all cores)\n"
    "\n"
    "Exit status: 0 the extract passes, 1 it breaks a rule, 2 it could not be\n"
    "checked (bad arguments, unreadable file, bad terms, no database).\n"
    "Reports name rule, line and column, never a value (docs/validation.md).\n";

/* The options of validate, in the order of struct validate_opts's fields. */
enum {
	OPT_TERMS = 1,
	OPT_DELIBERATION,
	OPT_RECIPIENT,
	OPT_GROUP,
	OPT_PHASE,
	OPT_DATE,
	OPT_DESTINATION,
	OPT_FORMAT,
	OPT_MAX_ERRORS,
	OPT_THREADS,
};

static const struct option validate_options[] = {
    {"terms", required_argument, NULL, OPT_TERMS},
    {"deliberation", required_argument, NULL, OPT_DELIBERATION},
    {"recipient", required_argument, NULL, OPT_RECIPIENT},
    {"group", required_argument, NULL, OPT_GROUP},
    {"phase", required_argument, NULL, OPT_PHASE},
    {"date", required_argument, NULL, OPT_DATE},
    {"destination", required_argument, NULL, OPT_DESTINATION},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"max-errors", required_argument, NULL, OPT_MAX_ERRORS},
    {"threads", required_argument, NULL, OPT_THREADS},
    {NULL, 0, NULL, 0},
};

/* Fills o from argv; an exit status when done already (help, bad arguments). */
static int parse_args(int argc, char **argv, struct validate_opts *o)
{
	const char *arg[CLI_OPT_MAX] = {0};
	const struct cli_spec spec = {"validate", validate_usage, validate_options, true, arg};
	int first, rc = cli_util_parse(&spec, argc, argv, &o->config, &first);

	if (rc != CLI_CONTINUE)
		return rc;
	if (argc - first > 1) {
		fputs("deliberd validate: only one EXTRACT may be given\n", stderr);
		return CLI_ERROR;
	}
	o->extract = first < argc ? argv[first] : NULL;
	o->terms = arg[OPT_TERMS];
	o->deliberation = arg[OPT_DELIBERATION];
	o->recipient = arg[OPT_RECIPIENT];
	o->group = arg[OPT_GROUP];
	o->phase = arg[OPT_PHASE];
	o->date = arg[OPT_DATE];
	o->destination = arg[OPT_DESTINATION];
	o->format = arg[OPT_FORMAT];
	o->max_errors = arg[OPT_MAX_ERRORS];
	o->threads = arg[OPT_THREADS];
	return CLI_CONTINUE;
}

/* Checks the arguments and fills params; false with a message on stderr. */
static bool check_args(const struct validate_opts *o, struct extract_params *p, bool *json,
                       int *threads)
{
	int64_t v;
	if (!o->terms && !o->deliberation) {
		fputs("deliberd validate: give --terms FILE, or --config FILE and --deliberation "
		      "REF\n",
		      stderr);
		return false;
	}
	if (o->terms && (o->deliberation || o->config)) {
		fputs("deliberd validate: --terms and --config/--deliberation exclude each other\n",
		      stderr);
		return false;
	}
	if (o->config && !o->deliberation) {
		fputs("deliberd validate: --config needs --deliberation REF\n", stderr);
		return false;
	}
	static const char *const required[] = {"recipient", "group", "phase"};
	const char *const values[] = {o->recipient, o->group, o->phase};
	for (size_t i = 0; i < 3; i++) {
		if (!values[i] || !values[i][0]) {
			fprintf(stderr, "deliberd validate: --%s is required\n", required[i]);
			return false;
		}
	}
	if (!o->extract) {
		fputs("deliberd validate: no EXTRACT given ('-' for stdin)\n", stderr);
		return false;
	}
	memset(p, 0, sizeof(*p));
	p->recipient = o->recipient;
	p->group = o->group;
	p->destination = o->destination;
	if (!cli_util_parse_i64(o->phase, 1, 1000, &v)) {
		fputs("deliberd validate: --phase must be a phase number (1, 2, ...)\n", stderr);
		return false;
	}
	p->phase = (int)v;
	if (o->date) {
		if (!terms_date_parse(o->date, &p->date)) {
			fputs("deliberd validate: --date must be a calendar date YYYY-MM-DD\n",
			      stderr);
			return false;
		}
	} else {
		p->date = clock_brussels_date(clock_now());
	}
	if (o->destination && !o->destination[0]) {
		fputs("deliberd validate: --destination is empty\n", stderr);
		return false;
	}
	p->max_errors = 100;
	if (o->max_errors) {
		if (!cli_util_parse_i64(o->max_errors, 1, MAX_ERRORS_LIMIT, &v)) {
			fprintf(stderr, "deliberd validate: --max-errors must be 1 to %d\n",
			        MAX_ERRORS_LIMIT);
			return false;
		}
		p->max_errors = (size_t)v;
	}
	*json = true;
	if (o->format) {
		if (strcmp(o->format, "text") == 0) {
			*json = false;
		} else if (strcmp(o->format, "json") != 0) {
			fputs("deliberd validate: --format must be json or text\n", stderr);
			return false;
		}
	}
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	*threads = ncpu < 1 ? 1 : ncpu > 8 ? 8 : (int)ncpu;
	if (o->threads) {
		if (!cli_util_parse_i64(o->threads, 1, 64, &v)) {
			fputs("deliberd validate: --threads must be 1 to 64\n", stderr);
			return false;
		}
		*threads = (int)v;
	}
	return true;
}

struct progress_state {
	int last;
};

static void progress_bar(void *arg, uint64_t done, uint64_t total)
{
	struct progress_state *s = arg;
	int pct = total ? (int)(done * 100 / total) : 100;
	if (pct == s->last)
		return;
	s->last = pct;
	int width = 40, fill = pct * width / 100;
	fprintf(stderr, "\rvalidating [%.*s%*s] %3d%% of %" PRIu64 " MiB", fill,
	        "########################################", width - fill, "", pct, total >> 20);
	fflush(stderr);
}

/* Reads from a file descriptor for extract_run_stream. */
struct stream_src {
	int fd;
	const char *name;
};

static bool stream_read(void *arg, char *buf, size_t size, size_t *n, struct err *e)
{
	struct stream_src *src = arg;
	/* a whole buffer (a pipe gives 64 KiB a read): fewer hand-overs to the hasher */
	*n = 0;
	while (*n < size) {
		ssize_t k = read(src->fd, buf + *n, size - *n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			err_set(e, ERR_INVALID, "cannot read %s: %s", src->name, strerror(errno));
			return false;
		}
		if (k == 0)
			break;
		*n += (size_t)k;
	}
	return true;
}

/* Streams fd through a validator (stdin, pipes, files that cannot be mapped), the
 * SHA-256 on a thread of its own. */
static struct extract_validator *validate_stream(const struct terms_deliberation *d,
                                                 const struct extract_params *p, int fd,
                                                 const char *name, struct extract_report *r,
                                                 struct err *e)
{
	struct stream_src src = {fd, name};
	return extract_run_stream(d, p, stream_read, &src, r, e);
}

static int cli_validate(int argc, char **argv)
{
	struct validate_opts o;
	struct extract_params p;
	bool json;
	int threads;
	int rc = parse_args(argc, argv, &o);
	if (rc != CLI_CONTINUE)
		return rc;
	if (!check_args(&o, &p, &json, &threads))
		return CLI_ERROR;

	struct err e = {0};
	struct terms_deliberation *d =
	    o.terms ? terms_load_file(o.terms, &e)
	            : cli_util_load_deliberation(o.config, o.deliberation, &e);
	if (!d) {
		fprintf(stderr, "deliberd validate: %s\n",
		        e.message[0] ? e.message : "cannot load the terms");
		return CLI_ERROR;
	}

	bool is_stdin = strcmp(o.extract, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(o.extract, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "deliberd validate: cannot open %s: %s\n", o.extract,
		        strerror(errno));
		terms_free(d);
		return CLI_ERROR;
	}
	const char *name = is_stdin ? "standard input" : o.extract;
	struct stat st;
	struct extract_report r;
	struct extract_validator *v = NULL;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		err_set(&e, ERR_INVALID, "%s is a directory", name);
	} else if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		size_t len = (size_t)st.st_size;
		/* MAP_POPULATE: one pass of the kernel instead of a fault per page */
		void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map != MAP_FAILED) {
			(void)madvise(map, len, MADV_SEQUENTIAL | MADV_WILLNEED);
			struct progress_state ps = {.last = -1};
			bool bar = isatty(STDERR_FILENO) && st.st_size > (off_t)PROGRESS_MIN;
			v = extract_run_buffer(d, &p, map, len, threads, bar ? progress_bar : NULL,
			                       &ps, &r, &e);
			if (bar)
				fputs("\r\033[K", stderr);
			munmap(map, len);
		} else {
			v = validate_stream(d, &p, fd, name, &r, &e);
		}
	} else {
		v = validate_stream(d, &p, fd, name, &r, &e);
	}
	if (!is_stdin)
		close(fd);
	if (!v) {
		fprintf(stderr, "deliberd validate: %s\n", e.message);
		terms_free(d);
		return CLI_ERROR;
	}
	int status = r.passed ? CLI_OK : CLI_FAILED;
	if (json) {
		json_t *j = report_to_json(&r, &p);
		char *s = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
		if (!s) {
			fputs("deliberd validate: out of memory rendering the report\n", stderr);
			status = CLI_ERROR;
		} else {
			printf("%s\n", s);
		}
		free(s);
		json_decref(j);
	} else {
		report_write_text(stdout, &r, &p);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "deliberd validate: cannot write the report: %s\n",
		        strerror(errno));
		status = CLI_ERROR;
	}
	extract_report_free(&r);
	extract_free(v);
	terms_free(d);
	return status;
}

const struct cli_entry cli_validate_entry = {"validate", "check an extract against the terms",
                                             cli_validate};
