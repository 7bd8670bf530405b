/*
 * routes: the list of every route table the server serves (routes.c).  Adding a
 * resource file routes_foo.c means two lines in routes.c: its extern declaration and
 * its entry in routes_tables.
 */
#ifndef DELIBERD_ROUTES_H
#define DELIBERD_ROUTES_H

#include "route.h"

/* NULL-terminated; each table ends with an entry whose method is NULL. */
extern const struct route *const routes_tables[];

/* The retention gauges of /metrics (routes_health.c), a metrics_collector_fn that serve
 * registers when it runs the retention service. */
struct evbuffer;
void routes_health_retention_collect(struct evbuffer *out, PGconn *db, void *arg);

#endif
