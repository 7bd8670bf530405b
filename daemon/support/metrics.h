/*
 * metrics: counters, gauges and a latency histogram in Prometheus text format, served
 * on GET /metrics.  Thread-safe: workers, the scheduler and services may all call in.
 *
 * Built in: deliberd_http_requests_total{route,status},
 * deliberd_http_request_duration_seconds{route} (histogram), deliberd_db_errors_total,
 * deliberd_http_connections, deliberd_http_connections_rejected_total,
 * deliberd_http_deadline_closed_total, deliberd_config_reloads_total{result}.
 *
 * For other modules: metrics_set_gauge / metrics_add_counter keep a value between
 * scrapes; metrics_add_collector registers a function called on every scrape (with the
 * scraping worker's database connection) that writes lines with metrics_write.
 */
#ifndef DELIBERD_METRICS_H
#define DELIBERD_METRICS_H

/* Forward declarations: callers that write or scrape include libevent and libpq. */
struct evbuffer;
typedef struct pg_conn PGconn;

/* One finished HTTP request: route is the route's name ("-" when none matched). */
void metrics_observe_request(const char *route, int status, double seconds);
/* A database failure: could not connect, connection lost, statement failed. */
void metrics_count_db_error(void);

/* name: a Prometheus metric name ("deliberd_retention_orders"); labels: "" or
 * preformatted pairs with escaped values ("status=\"overdue\""); help: one line, used
 * for the # HELP line (the first non-NULL one per name wins). */
void metrics_set_gauge(const char *name, const char *labels, double value, const char *help);
void metrics_add_counter(const char *name, const char *labels, double delta, const char *help);

/* Called on every scrape, in the scraping worker's thread; db may be NULL when the
 * database is unreachable.  Must not block long: a scrape waits for it. */
typedef void (*metrics_collector_fn)(struct evbuffer *out, PGconn *db, void *arg);
void metrics_add_collector(metrics_collector_fn fn, void *arg);
/* Writes one sample line "name{labels} value"; a collector writes its own "# HELP" and
 * "# TYPE" lines (evbuffer_add_printf) once per name before the samples. */
void metrics_write(struct evbuffer *out, const char *name, const char *labels, double value);

/* The whole exposition, text format 0.0.4. */
void metrics_render(struct evbuffer *out, PGconn *db);

#endif
