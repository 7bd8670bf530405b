/*
 * fuzz_output: libFuzzer target for output checking's two inputs.  An input
 * starting with '{' is a table spec or a finished table with its evidence
 * (output_spec_from_json, output_evidence_parse); anything else is microdata,
 * tabulated by the spec on its first line ("by=g,h;value=x;stat=sum") from
 * the rest, fed in two pieces.  Every table that builds is judged, suppressed
 * and reported; a masked cell must never be recoverable from the published
 * margins, and no report may fail to render.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(struct output_table *t)
{
	struct output_params p;
	output_params_default(&p);
	output_judge(t, &p, NULL);
	if (!output_suppress(t))
		abort();
	for (size_t i = 0; i < t->ncells; i++) {
		if (t->cells[i].rules != 0 && !t->cells[i].suppressed)
			abort();
		if (t->cells[i].suppressed && t->ncells <= 64 && output_recoverable(t, i))
			abort();
	}
	json_t *r = output_report_json(t), *pub = output_table_json(t);
	if (r == NULL || pub == NULL)
		abort();
	json_decref(r);
	json_decref(pub);
	FILE *devnull = fopen("/dev/null", "w");
	if (devnull != NULL) {
		output_report_text(devnull, t);
		(void)output_table_write_csv(devnull, t);
		fclose(devnull);
	}
}

static void spec_line(const char *line, struct output_spec *s)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *tok = strtok(buf, ";"); tok != NULL; tok = strtok(NULL, ";")) {
		struct err e = {0};
		if (strncmp(tok, "by=", 3) == 0)
			(void)output_spec_set_by(s, tok + 3, &e);
		else if (strncmp(tok, "value=", 6) == 0)
			snprintf(s->value, sizeof(s->value), "%s", tok + 6);
		else if (strncmp(tok, "stat=", 5) == 0)
			(void)output_stat_parse(tok + 5, &s->stat);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 20)
		return 0;
	if (size > 0 && data[0] == '{') {
		json_error_t jerr;
		json_t *j = json_loadb((const char *)data, size, 0, &jerr);
		if (j == NULL)
			return 0;
		struct output_spec s;
		struct err e = {0};
		(void)output_spec_from_json(j, &s, &e);
		struct err e2 = {0};
		struct output_table *t = output_evidence_parse(j, &e2);
		if (t != NULL) {
			exercise(t);
			output_table_free(t);
		}
		json_decref(j);
		return 0;
	}
	const uint8_t *nl = memchr(data, '\n', size);
	if (nl == NULL)
		return 0;
	char line[256];
	size_t n = (size_t)(nl - data) < sizeof(line) - 1 ? (size_t)(nl - data) : sizeof(line) - 1;
	memcpy(line, data, n);
	line[n] = '\0';
	struct output_spec spec = {0};
	spec_line(line, &spec);
	struct err e = {0};
	struct output_builder *b = output_builder_new(&spec, &e);
	if (b == NULL)
		return 0;
	const char *rest = (const char *)nl + 1;
	size_t left = size - (size_t)(nl - data) - 1, half = left / 2;
	struct output_table *t = NULL;
	if (output_builder_feed(b, rest, half, &e) &&
	    output_builder_feed(b, rest + half, left - half, &e))
		t = output_builder_finish(b, &e);
	output_builder_free(b);
	if (t != NULL) {
		exercise(t);
		output_table_free(t);
	}
	return 0;
}
