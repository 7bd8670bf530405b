/*
 * routes: every route table, in one array.  Each resource file (routes_*.c) defines
 * `const struct route routes_NAME[] = { {...}, ..., ROUTE_END };` and adds exactly two
 * lines here: the extern declaration below and its name in routes_tables.
 */
#include "routes.h"

extern const struct route routes_health[];
extern const struct route routes_destructions[];
extern const struct route routes_certificates[];
extern const struct route routes_deliberations[];
extern const struct route routes_recipients[];
extern const struct route routes_audit[];
extern const struct route routes_credentials[];
extern const struct route routes_checks[];
extern const struct route routes_deliveries[];
extern const struct route routes_ui[];
extern const struct route routes_holds[];
extern const struct route routes_attestations[];
extern const struct route routes_sessions[];
extern const struct route routes_outputs[];

/* one entry per line, so that resources added side by side do not conflict */
/* clang-format off */
const struct route *const routes_tables[] = {
    routes_health,
    routes_destructions,
    routes_certificates,
    routes_deliberations,
    routes_recipients,
    routes_audit,
    routes_credentials,
    routes_checks,
    routes_deliveries,
    routes_ui,
    routes_holds,
    routes_attestations,
    routes_sessions,
    routes_outputs,
    NULL,
};
/* clang-format on */
