/*
 * ui_assets: the web console's files (ui/) and the OpenAPI description
 * (docs/openapi.json), compiled into the binary by cmake/embed_ui.cmake.
 */
#ifndef DELIBERD_UI_ASSETS_H
#define DELIBERD_UI_ASSETS_H

#include <stddef.h>

struct ui_asset {
	const char *name; /* file name in ui/, e.g. "app.js" */
	const unsigned char *data;
	size_t len;
};

/* Ends with an entry whose name is NULL. */
extern const struct ui_asset ui_assets[];
extern const struct ui_asset ui_openapi;

#endif
