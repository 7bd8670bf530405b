/*
 * fuzz_config: config_parse on arbitrary bytes must either return a config or an
 * error naming the source, never crash, leak or read out of bounds.  The source name
 * sits in a directory that does not exist, so relative paths resolve harmlessly.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = {0};
	struct config *c = config_parse((const char *)data, size, "/nonexistent/fuzz.conf", &e);

	if (c == NULL) {
		/* every refusal names the source */
		if (e.kind != ERR_INVALID || strncmp(e.message, "/nonexistent/fuzz.conf", 22) != 0)
			abort();
		return 0;
	}
	/* what was accepted is within its bounds */
	if (c->listen_port < 0 || c->listen_port > 65535 || c->workers < 1 ||
	    c->max_body_bytes < 1024 || c->request_timeout_ms < 100 || c->max_connections < 1)
		abort();
	for (size_t i = 1; i < c->nreminder_days; i++)
		if (c->reminder_days[i] >= c->reminder_days[i - 1])
			abort();
	config_unref(config_ref(c));
	config_unref(c);
	return 0;
}
