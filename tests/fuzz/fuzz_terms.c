/*
 * fuzz_terms: libFuzzer target for deliberation files.  Feeds the input (made a
 * C string) to terms_load_string, or to terms_json_parse when it starts with '{';
 * whatever loads must also survive the JSON round trip with identical canonical
 * bytes, and the ODRL export of every version.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "odrl.h"
#include "terms.h"
#include "terms_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Loaded models must convert to JSON and back to the same bytes. */
static void round_trip(const struct terms_deliberation *d)
{
	struct err e = {0};
	json_t *j = terms_json_deliberation(d), *j2;
	struct terms_deliberation *d2;
	char *s1, *s2;

	if (j == NULL)
		abort();
	s1 = terms_json_canonical(j);
	d2 = terms_json_parse(j, &e);
	if (s1 == NULL || d2 == NULL)
		abort();
	j2 = terms_json_deliberation(d2);
	s2 = terms_json_canonical(j2);
	if (s2 == NULL || strcmp(s1, s2) != 0)
		abort();
	for (size_t i = 0; i < d->nversions; i++) {
		struct err oe = {0};
		json_t *o = odrl_agreement(d, &d->versions[i], &oe);
		if (o == NULL && d->versions[i].on_record)
			abort();
		json_decref(o);
	}
	free(s1);
	free(s2);
	json_decref(j);
	json_decref(j2);
	terms_free(d2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = {0};
	struct terms_deliberation *d;
	char *text;

	if (size > 256 * 1024)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (size > 0 && data[0] == '{') {
		/* JSON input: the face of POST /v1/deliberations and of the registry */
		json_t *j = json_loadb(text, size, 0, NULL);
		d = j != NULL ? terms_json_parse(j, &e) : NULL;
		if (j != NULL && d == NULL && e.message[0] == '\0')
			abort();
		json_decref(j);
		if (d != NULL) {
			round_trip(d);
			terms_free(d);
		}
		free(text);
		return 0;
	}
	d = terms_load_string(text, "fuzz.conf", &e);
	if (d != NULL) {
		round_trip(d);
		terms_free(d);
	} else if (e.kind == ERR_NONE || e.message[0] == '\0') {
		abort(); /* a refusal must say why */
	}
	free(text);
	return 0;
}
