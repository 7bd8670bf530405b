/*
 * metrics: an in-process registry behind one mutex.  Request counts and latency are
 * kept per (route, status) and per route; route names come from the route tables, so
 * label cardinality stays bounded (unmatched paths share the route "-").
 */
#include "metrics.h"

#include <event2/buffer.h>
#include <libpq-fe.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_MAX_ROUTES 128
#define METRICS_MAX_PAIRS 512
#define METRICS_MAX_VALUES 256
#define METRICS_MAX_COLLECTORS 16

static const double buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

struct route_hist {
	char route[64];
	unsigned long long bucket[NBUCKETS]; /* cumulative at render time, per-bucket here */
	unsigned long long count;
	double sum;
};

struct route_status {
	char route[64];
	int status;
	unsigned long long count;
};

struct value {
	char name[96];
	char labels[160];
	char help[160];
	bool counter;
	double v;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct route_hist hists[METRICS_MAX_ROUTES];
static size_t nhists;
static struct route_status pairs[METRICS_MAX_PAIRS];
static size_t npairs;
static struct value values[METRICS_MAX_VALUES];
static size_t nvalues;
static unsigned long long db_errors;
static struct {
	metrics_collector_fn fn;
	void *arg;
} collectors[METRICS_MAX_COLLECTORS];
static size_t ncollectors;

void metrics_observe_request(const char *route, int status, double seconds)
{
	pthread_mutex_lock(&lock);
	size_t i;
	for (i = 0; i < npairs; i++)
		if (pairs[i].status == status && strcmp(pairs[i].route, route) == 0)
			break;
	if (i == npairs && npairs < METRICS_MAX_PAIRS) {
		snprintf(pairs[i].route, sizeof(pairs[i].route), "%s", route);
		pairs[i].status = status;
		npairs++;
	}
	if (i < npairs)
		pairs[i].count++;

	for (i = 0; i < nhists; i++)
		if (strcmp(hists[i].route, route) == 0)
			break;
	if (i == nhists && nhists < METRICS_MAX_ROUTES) {
		snprintf(hists[i].route, sizeof(hists[i].route), "%s", route);
		nhists++;
	}
	if (i < nhists) {
		struct route_hist *h = &hists[i];
		for (size_t b = 0; b < NBUCKETS; b++)
			if (seconds <= buckets[b]) {
				h->bucket[b]++;
				break;
			}
		h->count++;
		h->sum += seconds;
	}
	pthread_mutex_unlock(&lock);
}

void metrics_count_db_error(void)
{
	pthread_mutex_lock(&lock);
	db_errors++;
	pthread_mutex_unlock(&lock);
}

static void value_update(const char *name, const char *labels, double v, const char *help,
                         bool counter)
{
	pthread_mutex_lock(&lock);
	size_t i;
	for (i = 0; i < nvalues; i++)
		if (strcmp(values[i].name, name) == 0 && strcmp(values[i].labels, labels) == 0)
			break;
	if (i == nvalues && nvalues < METRICS_MAX_VALUES) {
		snprintf(values[i].name, sizeof(values[i].name), "%s", name);
		snprintf(values[i].labels, sizeof(values[i].labels), "%s", labels);
		values[i].counter = counter;
		values[i].v = 0;
		nvalues++;
	}
	if (i < nvalues) {
		if (help != NULL && values[i].help[0] == '\0')
			snprintf(values[i].help, sizeof(values[i].help), "%s", help);
		if (counter)
			values[i].v += v;
		else
			values[i].v = v;
	}
	pthread_mutex_unlock(&lock);
}

void metrics_set_gauge(const char *name, const char *labels, double value, const char *help)
{
	value_update(name, labels != NULL ? labels : "", value, help, false);
}

void metrics_add_counter(const char *name, const char *labels, double delta, const char *help)
{
	value_update(name, labels != NULL ? labels : "", delta, help, true);
}

void metrics_add_collector(metrics_collector_fn fn, void *arg)
{
	pthread_mutex_lock(&lock);
	if (ncollectors < METRICS_MAX_COLLECTORS) {
		collectors[ncollectors].fn = fn;
		collectors[ncollectors].arg = arg;
		ncollectors++;
	}
	pthread_mutex_unlock(&lock);
}

/* Prometheus floats: integers without a fraction, +Inf spelled out. */
static void put_number(struct evbuffer *out, double v)
{
	if (isinf(v))
		evbuffer_add_printf(out, v > 0 ? "+Inf" : "-Inf");
	else if (isnan(v))
		evbuffer_add_printf(out, "NaN");
	else if (v == floor(v) && fabs(v) < 1e15)
		evbuffer_add_printf(out, "%.0f", v);
	else
		evbuffer_add_printf(out, "%.9g", v);
}

void metrics_write(struct evbuffer *out, const char *name, const char *labels, double value)
{
	if (labels != NULL && labels[0] != '\0')
		evbuffer_add_printf(out, "%s{%s} ", name, labels);
	else
		evbuffer_add_printf(out, "%s ", name);
	put_number(out, value);
	evbuffer_add(out, "\n", 1);
}

void metrics_render(struct evbuffer *out, PGconn *db)
{
	pthread_mutex_lock(&lock);
	evbuffer_add_printf(out, "# HELP deliberd_http_requests_total HTTP requests answered, "
	                         "by route and status.\n"
	                         "# TYPE deliberd_http_requests_total counter\n");
	for (size_t i = 0; i < npairs; i++)
		evbuffer_add_printf(
		    out, "deliberd_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
		    pairs[i].route, pairs[i].status, pairs[i].count);

	evbuffer_add_printf(out, "# HELP deliberd_http_request_duration_seconds Time from dispatch "
	                         "to the response being queued, by route.\n"
	                         "# TYPE deliberd_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i < nhists; i++) {
		const struct route_hist *h = &hists[i];
		unsigned long long cum = 0;
		for (size_t b = 0; b < NBUCKETS; b++) {
			cum += h->bucket[b];
			evbuffer_add_printf(
			    out,
			    "deliberd_http_request_duration_seconds_bucket{route=\"%s\","
			    "le=\"%g\"} %llu\n",
			    h->route, buckets[b], cum);
		}
		evbuffer_add_printf(
		    out,
		    "deliberd_http_request_duration_seconds_bucket{route=\"%s\","
		    "le=\"+Inf\"} %llu\n"
		    "deliberd_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
		    "deliberd_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
		    h->route, h->count, h->route, h->sum, h->route, h->count);
	}

	evbuffer_add_printf(out,
	                    "# HELP deliberd_db_errors_total Database failures (connect, lost "
	                    "connection, failed statement).\n"
	                    "# TYPE deliberd_db_errors_total counter\n"
	                    "deliberd_db_errors_total %llu\n",
	                    db_errors);

	/* named values, grouped by name so that each gets one HELP/TYPE header */
	bool done[METRICS_MAX_VALUES] = {false};
	for (size_t i = 0; i < nvalues; i++) {
		if (done[i])
			continue;
		const char *help = values[i].help;
		for (size_t j = i; j < nvalues; j++)
			if (help[0] == '\0' && strcmp(values[j].name, values[i].name) == 0)
				help = values[j].help;
		if (help[0] != '\0')
			evbuffer_add_printf(out, "# HELP %s %s\n", values[i].name, help);
		evbuffer_add_printf(out, "# TYPE %s %s\n", values[i].name,
		                    values[i].counter ? "counter" : "gauge");
		for (size_t j = i; j < nvalues; j++) {
			if (done[j] || strcmp(values[j].name, values[i].name) != 0)
				continue;
			metrics_write(out, values[j].name, values[j].labels, values[j].v);
			done[j] = true;
		}
	}
	size_t n = ncollectors;
	metrics_collector_fn fns[METRICS_MAX_COLLECTORS];
	void *args[METRICS_MAX_COLLECTORS];
	for (size_t i = 0; i < n; i++) {
		fns[i] = collectors[i].fn;
		args[i] = collectors[i].arg;
	}
	pthread_mutex_unlock(&lock);

	/* collectors may take time (a query): never under the lock */
	for (size_t i = 0; i < n; i++)
		fns[i](out, db, args[i]);
}
