/*
 * routes_ui: the web console's cookie authentication, for route.c.  A request
 * without a bearer token but with the console's session cookie authenticates as
 * the session's credential; a cookie-authenticated request other than GET must
 * carry the session's CSRF token in the X-CSRF-Token header.
 */
#ifndef DELIBERD_ROUTES_UI_H
#define DELIBERD_ROUTES_UI_H

#include "route.h"

/* Does the request carry the console's session cookie? */
bool routes_ui_has_session(struct evhttp_request *req);
/* Authenticates by the session cookie (and the CSRF header for writes): false with
 * e set (401, 403 without the right CSRF token) otherwise. */
bool routes_ui_authenticate(struct http_ctx *ctx, struct principal *who, struct err *e)
    __attribute__((warn_unused_result));

#endif
