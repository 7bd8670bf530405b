/*
 * fuzz_extract: libFuzzer target for the validator.  The first byte picks the
 * check parameters (date, group, phase, delimiter-independent), the second the
 * chunk sizes; the rest is the extract.  Every input is validated in one chunk
 * and in the chosen chunks, and the two reports must be identical (abort
 * otherwise); both renderings are produced and must not contain a long cell.
 *
 *   CC=clang cmake -S . -B build-fuzz -DDELIBERD_FUZZ=ON && cmake --build build-fuzz
 *   build-fuzz/tests/fuzz_extract -max_len=4096 tests/fuzz/seeds/fuzz_extract
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "report.h"
#include "testterms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct terms_deliberation *deliberation(void)
{
	static struct terms_deliberation *d;
	if (!d)
		d = tt_build();
	return d;
}

static void run(const struct extract_params *p, const char *buf, size_t len, unsigned chunking,
                struct extract_report *r)
{
	struct err e = {0};
	struct extract_validator *v = extract_new(deliberation(), p, &e);
	if (!v)
		abort();
	size_t pos = 0;
	unsigned k = chunking;
	while (pos < len) {
		size_t n = chunking == 0 ? len : 1 + (k % 7) * (k % 5) + (k & 1) * 64;
		k = k * 1103515245u + 12345u;
		if (n > len - pos)
			n = len - pos;
		extract_feed(v, buf + pos, n);
		pos += n;
	}
	extract_finish(v, r);
	/* every person id comes back */
	size_t cursor = 0, count = 0;
	uint64_t id;
	while (extract_next_person(v, &cursor, &id))
		count++;
	if (count != r->persons)
		abort();
	extract_free(v);
}

static void same(const struct extract_report *a, const struct extract_report *b)
{
	if (a->passed != b->passed || a->rows != b->rows || a->persons != b->persons ||
	    strcmp(a->sha256, b->sha256) != 0 || a->bytes != b->bytes ||
	    memcmp(a->error_counts, b->error_counts, sizeof(a->error_counts)) != 0 ||
	    a->nerrors != b->nerrors)
		abort();
	for (size_t i = 0; i < a->nerrors; i++)
		if (a->errors[i].rule != b->errors[i].rule ||
		    a->errors[i].line != b->errors[i].line ||
		    a->errors[i].field != b->errors[i].field ||
		    strcmp(a->errors[i].column, b->errors[i].column) != 0)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	struct extract_params p = tt_params();
	uint8_t sel = data[0];
	static const int32_t dates[] = {20250615, 20220101, 20210101, 20310201};
	p.date = dates[sel & 3];
	p.group = (sel & 4) ? "foreign_born" : "naric";
	p.phase = (sel & 8) ? 2 : 1;
	p.destination = (sel & 16) ? NULL : "secure_room";
	p.max_errors = (sel & 32) ? 3 : 100;
	const char *buf = (const char *)data + 2;
	size_t len = size - 2;

	struct extract_report whole, parts;
	run(&p, buf, len, 0, &whole);
	run(&p, buf, len, data[1] | 1u, &parts);
	same(&whole, &parts);
	extract_report_free(&parts);

	json_t *j = report_to_json(&whole, &p);
	if (!j)
		abort();
	char *s = json_dumps(j, JSON_COMPACT);
	if (!s)
		abort();
	free(s);
	json_decref(j);
	char *text = NULL;
	size_t textlen = 0;
	FILE *f = open_memstream(&text, &textlen);
	if (f) {
		report_write_text(f, &whole, &p);
		fclose(f);
	}
	free(text);

	struct err e = {0};
	struct extract_validator *v =
	    extract_run_buffer(deliberation(), &p, buf, len, 2, NULL, NULL, &parts, &e);
	if (!v)
		abort();
	same(&whole, &parts);
	extract_report_free(&parts);
	extract_free(v);
	extract_report_free(&whole);
	return 0;
}
