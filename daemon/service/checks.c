/*
 * checks: runs a check (validator over a streamed extract), applies the
 * cross-delivery sample cap and records the result with its audit event in one
 * transaction; marks deliveries shipped; reads them back.  See checks.h.
 *
 * The cap.  For a group and phase that the terms in force cap, the persons of
 * every passed check are recorded per (recipient, deliberation, group, phase) as
 * HMAC-SHA256(person key, reference NUL pseudonym): a passed check reserves its
 * persons at check time, shipped or not, so two checks that both pass before
 * either ships cannot together exceed the cap.  A check whose new distinct
 * persons would push the recorded count over the cap fails `sample_cap`.
 * Decisions of one scope are serialised by the lock on its cap_scopes row.
 */
#include "checks.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "audit.h"
#include "db.h"
#include "extract.h"
#include "hex.h"
#include "log.h"
#include "registry.h"
#include "report.h"
#include "clock.h"
#include "staged.h"
#include "store_checks.h"
#include "store_retention.h"
#include "terms.h"

#define CHECKS_KEY_BYTES 32
#define CHECKS_READ_BLOCK (1024 * 1024)
#define CHECKS_HASH_BATCH 20000 /* persons per statement: 1.3 MB of parameter */
#define CHECKS_FINGERPRINT_LABEL "deliberd person key fingerprint v1"

/* ---- the person key ---------------------------------------------------- */

/* Creates the key file atomically (a full temporary file linked into place), so
 * that concurrent workers never read a half-written key; EEXIST is success. */
static bool checks_key_create(const char *path, struct err *e)
{
	unsigned char key[CHECKS_KEY_BYTES], nonce[8];
	char tmp[4096], suffix[17];
	int fd = -1, saved = 0;
	bool ok = false, created = false;
	/* A random suffix: workers are threads of one process, so the pid is shared. */
	if (RAND_bytes(key, sizeof(key)) == 1 && RAND_bytes(nonce, sizeof(nonce)) == 1) {
		hex_encode(nonce, sizeof(nonce), suffix);
		if (snprintf(tmp, sizeof(tmp), "%s.tmp.%s", path, suffix) < (int)sizeof(tmp))
			fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		saved = errno;
	}
	if (fd >= 0) {
		ok = write(fd, key, sizeof(key)) == (ssize_t)sizeof(key) && fsync(fd) == 0;
		ok = close(fd) == 0 && ok;
		if (ok) {
			created = link(tmp, path) == 0;
			ok = created || errno == EEXIST; /* another worker was first */
		}
		saved = errno;
		unlink(tmp);
	}
	OPENSSL_cleanse(key, sizeof(key));
	if (!ok) {
		err_set(e, ERR_UNAVAILABLE, "cannot create the person key file %s: %s", path,
		        saved != 0 ? strerror(saved) : "no randomness");
		return false;
	}
	if (created)
		log_warn("created the person key file %s: back it up, capped checks refuse to "
		         "run without it",
		         path);
	return true;
}

/* Where the person key lives: checks.person_key_file, else person.key beside the
 * configuration file (so that a deployment that never set it still gets a key
 * kept with its configuration); false when neither is known. */
static bool checks_key_path(const struct config *c, char *out, size_t size)
{
	if (c->person_key_file != NULL && c->person_key_file[0] != '\0')
		return snprintf(out, size, "%s", c->person_key_file) < (int)size;
	if (c->path == NULL || c->path[0] == '\0')
		return false;
	const char *slash = strrchr(c->path, '/');
	if (slash == NULL)
		return snprintf(out, size, "person.key") < (int)size;
	return snprintf(out, size, "%.*s/person.key", (int)(slash - c->path), c->path) < (int)size;
}

/* Reads the HMAC key of stored person hashes: 32 raw bytes or 64 hex digits (and
 * a newline), in a file no one but the owner may read.  A key file that does not
 * exist yet is created; with no key file known, capped checks are refused. */
static bool checks_key_load(const struct config *c, unsigned char key[CHECKS_KEY_BYTES],
                            struct err *e)
{
	char path[4096];
	if (!checks_key_path(c, path, sizeof(path))) {
		err_set(e, ERR_UNAVAILABLE,
		        "capped checks need a person key: set checks.person_key_file in the "
		        "configuration");
		return false;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		if (!checks_key_create(path, e))
			return false;
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0) {
		err_set(e, ERR_UNAVAILABLE, "cannot open the person key file %s: %s", path,
		        strerror(errno));
		return false;
	}
	struct stat st;
	unsigned char buf[CHECKS_KEY_BYTES * 2 + 2];
	ssize_t n = -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) == 0)
		n = read(fd, buf, sizeof(buf));
	close(fd);
	bool ok = false;
	if (n == CHECKS_KEY_BYTES) {
		memcpy(key, buf, CHECKS_KEY_BYTES);
		ok = true;
	} else if (n == 2 * CHECKS_KEY_BYTES ||
	           (n == 2 * CHECKS_KEY_BYTES + 1 && buf[2 * CHECKS_KEY_BYTES] == '\n')) {
		ok = hex_decode((const char *)buf, 2 * CHECKS_KEY_BYTES, key);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	if (!ok) {
		err_set(e, ERR_UNAVAILABLE,
		        "the person key file %s must be a regular file of mode 0600 holding 32 "
		        "random bytes (or 64 hex digits)",
		        path);
		OPENSSL_cleanse(key, CHECKS_KEY_BYTES);
	}
	return ok;
}

/* ---- the cross-delivery cap ------------------------------------------- */

struct checks_cap {
	int64_t cap; /* -1: uncapped */
	struct store_cap_key key;
	EVP_MAC_CTX *mac; /* HMAC-SHA256 keyed with the person key, never finalised */
	char *hashes;     /* CHECKS_HASH_BATCH hex hashes of 64 characters, no NUL */
	char *batch;      /* the same as a text[] literal "{hex,hex,...}" */
};

/* HMAC-SHA256 under the person key: a copy of the keyed context per message
 * spares re-deriving the key pads (about a microsecond per person). */
static bool checks_hmac(const struct checks_cap *cap, const void *msg, size_t len, char out[65])
{
	unsigned char md[32];
	size_t mdlen = 0;
	EVP_MAC_CTX *c = EVP_MAC_CTX_dup(cap->mac);
	bool ok = c != NULL && EVP_MAC_update(c, msg, len) &&
	          EVP_MAC_final(c, md, &mdlen, sizeof(md)) && mdlen == sizeof(md);
	EVP_MAC_CTX_free(c);
	if (ok)
		hex_encode(md, sizeof(md), out);
	return ok;
}

static bool checks_mac_init(struct checks_cap *cap, const unsigned char key[CHECKS_KEY_BYTES],
                            struct err *e)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
	    OSSL_PARAM_construct_end(),
	};
	cap->mac = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	EVP_MAC_free(mac);
	if (cap->mac == NULL || !EVP_MAC_init(cap->mac, key, CHECKS_KEY_BYTES, params)) {
		err_set(e, ERR_INTERNAL, "cannot set up HMAC-SHA256");
		return false;
	}
	return true;
}

static int checks_hash_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 64);
}

/* Fills cap->batch with up to CHECKS_HASH_BATCH person hashes from *cursor; *n
 * says how many (0: none left).  Sorted, so that the index takes them in order
 * (about twice as fast to insert as random order). */
static bool checks_next_batch(struct checks_cap *cap, struct extract_validator *v, size_t *cursor,
                              size_t *n, struct err *e)
{
	char msg[64], hex[65];
	size_t rlen = strlen(cap->key.deliberation), at = 0;
	uint64_t person;
	if (rlen > 16)
		rlen = 16; /* references are at most 11 characters */
	memcpy(msg, cap->key.deliberation, rlen);
	msg[rlen] = '\0';
	*n = 0;
	while (*n < CHECKS_HASH_BATCH && extract_next_person(v, cursor, &person)) {
		int dl = snprintf(msg + rlen + 1, sizeof(msg) - rlen - 1, "%" PRIu64, person);
		if (!checks_hmac(cap, msg, rlen + 1 + (size_t)dl, hex)) {
			err_set(e, ERR_INTERNAL, "cannot hash a person");
			return false;
		}
		memcpy(cap->hashes + 64 * *n, hex, 64);
		(*n)++;
	}
	qsort(cap->hashes, *n, 64, checks_hash_cmp);
	cap->batch[at++] = '{';
	for (size_t i = 0; i < *n; i++) {
		if (i > 0)
			cap->batch[at++] = ',';
		memcpy(cap->batch + at, cap->hashes + 64 * i, 64);
		at += 64;
	}
	cap->batch[at++] = '}';
	cap->batch[at] = '\0';
	return true;
}

/* Inside the check's transaction, before the check's row: does this extract push
 * the scope over its cap?  For a passing extract its new persons are recorded in
 * the same pass (under a savepoint, undone if the cap is crossed); for a failing
 * one they are only counted, so that the report is complete. */
static bool checks_cap_apply(PGconn *db, struct checks_cap *cap, struct extract_validator *v,
                             struct extract_report *rep, int64_t id, bool *key_recorded,
                             struct err *e)
{
	char fp[65];
	bool matches = false;
	if (!checks_hmac(cap, CHECKS_FINGERPRINT_LABEL, strlen(CHECKS_FINGERPRINT_LABEL), fp)) {
		err_set(e, ERR_INTERNAL, "cannot hash the person key fingerprint");
		return false;
	}
	if (!store_checks_key_fingerprint(db, fp, &matches, key_recorded, e))
		return false;
	if (!matches) {
		err_set(e, ERR_UNAVAILABLE,
		        "the person key file does not match the key of earlier deliveries: "
		        "restore the original person_key_file");
		return false;
	}
	int64_t scope = 0, have = 0, fresh = 0, k;
	size_t cursor = 0, n;
	bool record = rep->passed;
	if (!store_checks_scope_lock(db, &cap->key, &scope, &have, e) ||
	    (record && !store_checks_savepoint(db, e)))
		return false;
	for (;;) {
		if (!checks_next_batch(cap, v, &cursor, &n, e))
			return false;
		if (n == 0)
			break;
		if (record ? !store_checks_add_persons(db, scope, cap->batch, id, &k, e)
		           : !store_checks_count_new(db, scope, cap->batch, &k, e))
			return false;
		fresh += k;
	}
	if (have + fresh > cap->cap) {
		extract_report_add(rep, RULE_SAMPLE_CAP, 0, 0, "person_id");
		rep->passed = false;
		return !record || store_checks_rollback_savepoint(db, e);
	}
	return !record || store_checks_scope_set(db, scope, have + fresh, e);
}

/* The cap of group in phase under the terms in force on date, -1 if none. */
static int64_t checks_cap_of(const struct terms_deliberation *d, const char *group, int phase,
                             int32_t date)
{
	const struct terms_version *tv = terms_version_at(d, date);
	if (tv == NULL || !tv->on_record)
		return -1;
	const struct terms_group *g = terms_find_group(&tv->body, group);
	return g != NULL ? terms_cap(g, phase) : -1;
}

/* ---- recording --------------------------------------------------------- */

static json_t *checks_error_counts(const struct extract_report *rep)
{
	json_t *o = json_object();
	for (int r = 0; r < RULE_COUNT; r++)
		if (rep->error_counts[r] > 0)
			json_object_set_new(o, extract_rule_name((enum extract_rule)r),
			                    json_integer((json_int_t)rep->error_counts[r]));
	return o;
}

/* The report as answered: the validator's, with the check's ids. */
static json_t *checks_answer(const struct extract_report *rep, const struct extract_params *params,
                             bool dry_run, int64_t id, struct err *e)
{
	json_t *out = report_to_json(rep, params);
	if (out == NULL) {
		err_set(e, ERR_INTERNAL, "cannot render the report");
		return NULL;
	}
	json_object_set_new(out, "recorded", json_boolean(!dry_run));
	if (!dry_run) {
		json_object_set_new(out, "check_id", json_integer(id));
		if (rep->passed)
			json_object_set_new(out, "delivery_id", json_integer(id));
	}
	return out;
}

/* Records the check, its answer (check_reports, with the Idempotency-Key) and its
 * audit event in one transaction; returns the answer. */
static json_t *checks_record(PGconn *db, const struct checks_request *rq, int32_t date,
                             struct checks_cap *cap, struct extract_validator *v,
                             struct extract_report *rep, const struct extract_params *params,
                             const struct checks_plan *plan, int64_t *id, struct err *e)
{
	bool key_recorded = false;
	char checked_at[21];
	clock_format(rq->now, checked_at);
	json_t *out = NULL;
	if (!db_begin(db, e))
		return NULL;
	/* Persons are counted only for an extract within the per-extract cap: one
	 * over it already fails sample_cap and reserves nothing. */
	bool capped = cap->cap >= 0 && rep->error_counts[RULE_SAMPLE_CAP] == 0;
	*id = plan->id;
	if ((*id <= 0 && !store_checks_next_id(db, id, e)) ||
	    (capped && !checks_cap_apply(db, cap, v, rep, *id, &key_recorded, e)))
		goto fail;

	json_t *counts = checks_error_counts(rep);
	char *counts_text = json_dumps(counts, JSON_COMPACT | JSON_SORT_KEYS);
	struct store_check_row row = {
	    .id = *id,
	    .deliberation = rq->deliberation,
	    .version = rep->version,
	    .recipient = rq->recipient,
	    .group = rq->group,
	    .phase = rq->phase,
	    .destination = rq->destination,
	    .date = date,
	    .passed = rep->passed,
	    .sha256 = rep->sha256,
	    .rows = rep->rows,
	    .persons = rep->persons,
	    .bytes = rep->bytes,
	    .error_counts = counts_text != NULL ? counts_text : "{}",
	    .checked_by = rq->actor,
	    .checked_at = checked_at,
	};
	bool ok = store_checks_insert(db, &row, e);
	free(counts_text);
	out = ok ? checks_answer(rep, params, rq->dry_run, *id, e) : NULL;
	char *text = out != NULL ? json_dumps(out, JSON_COMPACT) : NULL;
	ok = text != NULL &&
	     (rq->dry_run ||
	      store_checks_report_insert(db, *id, rq->actor, plan->idempotency_key,
	                                 plan->idempotency_key != NULL ? plan->fingerprint : NULL,
	                                 text, e));
	free(text);

	char object[48], day[11];
	snprintf(object, sizeof(object), "delivery:%" PRId64, *id);
	terms_date_format(date, day);
	if (ok && key_recorded) {
		json_t *kd = json_pack("{s:s}", "file", "person_key_file");
		ok = audit_append(db, rq->actor, "person_key.recorded", "person_key", kd, e);
		json_decref(kd);
	}
	if (ok) {
		json_t *details = json_pack(
		    "{s:I, s:s, s:o, s:s, s:s, s:i, s:o, s:s, s:s, s:s, s:I, s:I, s:I, s:O}",
		    "check_id", (json_int_t)*id, "deliberation", rq->deliberation, "version",
		    rep->version > 0 ? json_integer(rep->version) : json_null(), "recipient",
		    rq->recipient, "group", rq->group, "phase", rq->phase, "destination",
		    rq->destination != NULL ? json_string(rq->destination) : json_null(), "date",
		    day, "verdict", rep->passed ? "pass" : "fail", "sha256", rep->sha256, "rows",
		    (json_int_t)rep->rows, "persons", (json_int_t)rep->persons, "bytes",
		    (json_int_t)rep->bytes, "error_counts", counts);
		ok = details != NULL &&
		     audit_append(db, rq->actor, "delivery.checked", object, details, e);
		json_decref(details);
	}
	json_decref(counts);
	if (ok && rq->dry_run) {
		/* The whole recording, cap included, judged and then undone. */
		db_rollback(db);
		return out;
	}
	if (ok && db_commit(db, e))
		return out;
fail:
	if (e->kind == ERR_NONE)
		err_set(e, ERR_INTERNAL, "cannot record the check");
	db_rollback(db);
	json_decref(out);
	return NULL;
}

/* ---- running ----------------------------------------------------------- */

/* The one place the parameters of a check are validated, whatever the face. */
static bool checks_request_valid(const struct checks_request *rq, struct err *e)
{
	if (rq->recipient == NULL || !terms_id_valid(rq->recipient)) {
		err_set_field(e, ERR_INVALID, "recipient",
		              "recipient is required: a recipient id such as maastricht-sbe");
		return false;
	}
	if (rq->group == NULL || !terms_id_valid(rq->group)) {
		err_set_field(e, ERR_INVALID, "group",
		              "group is required: a group code such as naric");
		return false;
	}
	if (rq->phase < 1 || rq->phase > 99) {
		err_set_field(e, ERR_INVALID, "phase", "phase is required: a number from 1 to 99");
		return false;
	}
	if (rq->destination != NULL && !terms_id_valid(rq->destination)) {
		err_set_field(e, ERR_INVALID, "destination",
		              "destination must be a destination code such as recipient_premises");
		return false;
	}
	if (rq->actor == NULL || rq->actor[0] == '\0') {
		err_set(e, ERR_INTERNAL, "a check needs an actor");
		return false;
	}
	if (rq->date_given && !rq->dry_run) {
		err_set_code(e, ERR_INVALID, "invalid_parameter", "date",
		             "date is only accepted with dry_run=true: a recorded check is dated "
		             "today (Europe/Brussels) by the server's clock");
		return false;
	}
	return true;
}

/* Where the terms in force on date list destinations for the phase, the check
 * must name one (21/128: both phases). */
static bool checks_destination_present(const struct terms_deliberation *d,
                                       const struct checks_request *rq, int32_t date, struct err *e)
{
	if (rq->destination != NULL)
		return true;
	const struct terms_version *tv = terms_version_at(d, date);
	if (tv == NULL || !tv->on_record)
		return true; /* the report says outside_validity or terms_unknown */
	const struct terms_phase *ph = terms_find_phase(&tv->body, rq->phase);
	if (ph == NULL || ph->ndestinations == 0)
		return true;
	err_set_code(e, ERR_INVALID, "invalid_parameter", "destination",
	             "destination is required: the terms of %s version %d list destinations "
	             "for phase %d (e.g. %s)",
	             d->reference, tv->number, rq->phase, ph->destinations[0]);
	return false;
}

/* ---- reading the extract ------------------------------------------------ */

/* Where a check reads its extract: a chunk callback (one stream), or a source the
 * parallel validator reads by offset (extract_run_reader). */
struct checks_input {
	checks_next_fn next;
	void *arg;
	const struct checks_source *src;
	int threads;
};

/* extract_reader over a staged file: pread, never mmap (a file truncated while
 * mapped would kill the daemon with SIGBUS); a file that shrank is ERR_CONFLICT. */
static const char *checks_src_at(void *arg, uint64_t off, size_t n, char *scratch, struct err *e)
{
	const struct checks_source *src = arg;
	if (src->fd >= 0) {
		size_t got = 0;
		while (got < n) {
			ssize_t k = pread(src->fd, scratch + got, n - got, (off_t)(off + got));
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				err_set(e, ERR_INTERNAL, "cannot read the staged file: %s",
				        strerror(errno));
				return NULL;
			}
			if (k == 0) {
				err_set_field(
				    e, ERR_CONFLICT, "staged_file",
				    "staged file changed while being checked: it is shorter "
				    "than when it was opened");
				return NULL;
			}
			got += (size_t)k;
		}
		return scratch;
	}
	/* In memory, in pieces: the piece holding off (binary search on the offsets), in
	 * place when the range lies in it, else gathered into scratch. */
	size_t lo = 0, hi = src->niov;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (src->offsets[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	size_t in = (size_t)(off - src->offsets[lo]);
	if (in + n <= src->iov[lo].iov_len)
		return (const char *)src->iov[lo].iov_base + in;
	size_t got = 0;
	for (size_t i = lo; got < n && i < src->niov; i++, in = 0) {
		size_t k = src->iov[i].iov_len - in;
		if (k > n - got)
			k = n - got;
		memcpy(scratch + got, (const char *)src->iov[i].iov_base + in, k);
		got += k;
	}
	if (got < n) {
		err_set(e, ERR_INTERNAL, "cannot read the request body");
		return NULL;
	}
	return scratch;
}

static struct extract_validator *checks_validate(const struct terms_deliberation *d,
                                                 const struct extract_params *params,
                                                 const struct checks_input *in,
                                                 struct extract_report *rep, struct err *e)
{
	if (in->src != NULL) {
		struct extract_reader rd = {
		    .len = in->src->size,
		    .at = checks_src_at,
		    .arg = (void *)in->src,
		    .copies = true, /* a file always, pieces when a range spans two */
		};
		return extract_run_reader(d, params, &rd, in->threads, rep, e);
	}
	struct extract_validator *v = extract_new(d, params, e);
	if (v == NULL)
		return NULL;
	for (;;) {
		const char *buf = NULL;
		size_t len = 0;
		if (!in->next(in->arg, &buf, &len, e)) {
			extract_free(v);
			return NULL;
		}
		if (len == 0)
			break;
		extract_feed(v, buf, len);
	}
	extract_finish(v, rep);
	return v;
}

static json_t *checks_run_input(PGconn *db, const struct config *c,
                                const struct checks_request *given, const struct checks_input *in,
                                const struct checks_plan *plan, struct err *e)
{
	char ref[TERMS_REFERENCE_SIZE];
	if (!terms_reference_parse(given->deliberation, "deliberation", ref, e) ||
	    !checks_request_valid(given, e))
		return NULL;
	/* From here on the reference in its one recorded form, 21/128. */
	struct checks_request canon = *given;
	canon.deliberation = ref;
	const struct checks_request *rq = &canon;
	int32_t date = rq->date;
	char day[11];
	terms_date_format(date, day);
	if (!terms_date_parse(day, &date)) {
		err_set_field(e, ERR_INVALID, "date", "date must be a calendar date YYYY-MM-DD");
		return NULL;
	}
	struct terms_deliberation *d = registry_load(db, ref, e);
	if (d == NULL)
		return NULL;

	struct extract_params params = {
	    .recipient = rq->recipient,
	    .group = rq->group,
	    .phase = rq->phase,
	    .destination = rq->destination,
	    .date = date,
	    .max_errors = c->report_max_errors,
	};
	struct checks_cap cap = {
	    .cap = checks_cap_of(d, rq->group, rq->phase, date),
	    .key = {rq->recipient, ref, rq->group, rq->phase},
	};
	struct extract_validator *v = NULL;
	struct extract_report rep;
	memset(&rep, 0, sizeof(rep));
	bool finished = false;
	json_t *out = NULL;
	int64_t id = 0;

	/* Refuse before reading the extract when a capped check could not be recorded. */
	if (cap.cap >= 0) {
		unsigned char secret[CHECKS_KEY_BYTES];
		bool ok = checks_key_load(c, secret, e) && checks_mac_init(&cap, secret, e);
		OPENSSL_cleanse(secret, sizeof(secret));
		if (!ok)
			goto done;
		cap.batch = malloc(CHECKS_HASH_BATCH * 65 + 3);
		cap.hashes = malloc(CHECKS_HASH_BATCH * 64);
		if (cap.batch == NULL || cap.hashes == NULL) {
			err_set(e, ERR_INTERNAL, "out of memory");
			goto done;
		}
	}
	/* An unknown group or phase is refused first, then a missing destination, both
	 * before the extract is read. */
	struct extract_validator *probe = extract_new(d, &params, e);
	extract_free(probe);
	if (probe == NULL || !checks_destination_present(d, rq, date, e))
		goto done;
	v = checks_validate(d, &params, in, &rep, e);
	if (v == NULL)
		goto done;
	finished = true;
	out = checks_record(db, rq, date, &cap, v, &rep, &params, plan, &id, e);
	if (out == NULL)
		goto done;
	log_info("%s %" PRId64 " of %s for %s group %s phase %d: %s (%" PRIu64 " rows, %" PRIu64
	         " persons, %" PRIu64 " bytes)",
	         rq->dry_run ? "dry-run check" : "check", id, ref, rq->recipient, rq->group,
	         rq->phase, rep.passed ? "pass" : "fail", rep.rows, rep.persons, rep.bytes);
done:
	if (finished)
		extract_report_free(&rep);
	extract_free(v);
	terms_free(d);
	free(cap.batch);
	free(cap.hashes);
	EVP_MAC_CTX_free(cap.mac);
	return out;
}

bool checks_read_bounded(int fd, char *buf, size_t size, uint64_t *left, size_t *len, struct err *e)
{
	*len = 0;
	if (*left == 0)
		return true; /* what was appended since the size was taken is not read */
	size_t want = *left < size ? (size_t)*left : size;
	ssize_t n;
	do
		n = read(fd, buf, want);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		err_set(e, ERR_INTERNAL, "cannot read the staged file: %s", strerror(errno));
		return false;
	}
	if (n == 0) {
		err_set_field(e, ERR_CONFLICT, "staged_file",
		              "staged file changed while being checked: it is shorter than when it "
		              "was opened");
		return false;
	}
	*left -= (uint64_t)n;
	*len = (size_t)n;
	return true;
}

/* A checks_next_fn over a file descriptor, one block at a time, never past the size
 * the file had when the check began (a growing file cannot hold a worker). */
struct checks_fd_source {
	int fd;
	char *buf;
	uint64_t left;
};

static bool checks_fd_next(void *arg, const char **buf, size_t *len, struct err *e)
{
	struct checks_fd_source *s = arg;
	*buf = s->buf;
	return checks_read_bounded(s->fd, s->buf, CHECKS_READ_BLOCK, &s->left, len, e);
}

json_t *checks_run(PGconn *db, const struct config *c, const struct checks_request *rq,
                   checks_next_fn next, void *arg, struct err *e)
{
	struct checks_input in = {.next = next, .arg = arg};
	struct checks_plan plan = {0};
	return checks_run_input(db, c, rq, &in, &plan, e);
}

json_t *checks_run_source(PGconn *db, const struct config *c, const struct checks_request *rq,
                          const struct checks_source *src, const struct checks_plan *plan,
                          struct err *e)
{
	struct checks_input in = {.src = src, .threads = plan->threads};
	if (src->fd >= 0)
		(void)posix_fadvise(src->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return checks_run_input(db, c, rq, &in, plan, e);
}

bool checks_reserve_id(PGconn *db, int64_t *id, struct err *e)
{
	return store_checks_next_id(db, id, e);
}

bool checks_find_key(PGconn *db, const char *actor, const char *key, bool *found, int64_t *id,
                     char fingerprint[65], json_t **report, struct err *e)
{
	return store_checks_report_by_key(db, actor, key, found, id, fingerprint, report, e);
}

json_t *checks_report(PGconn *db, int64_t id, const char *only_recipient, struct err *e)
{
	char recipient[64];
	json_t *j = store_checks_report_get(db, id, recipient, e);
	if (j != NULL && only_recipient != NULL && strcmp(recipient, only_recipient) != 0) {
		json_decref(j);
		err_set(e, ERR_NOT_FOUND, "no such check");
		return NULL;
	}
	return j;
}

json_t *checks_run_fd(PGconn *db, const struct config *c, const struct checks_request *rq, int fd,
                      struct err *e)
{
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		err_set_field(e, ERR_INVALID, "staged_file", "staged_file is not a regular file");
		return NULL;
	}
	struct checks_fd_source s = {fd, malloc(CHECKS_READ_BLOCK), (uint64_t)st.st_size};
	if (s.buf == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	struct checks_input in = {.next = checks_fd_next, .arg = &s};
	struct checks_plan plan = {0};
	json_t *out = checks_run_input(db, c, rq, &in, &plan, e);
	free(s.buf);
	return out;
}

int checks_open_staged(const struct config *c, const char *name, struct err *e)
{
	if (c->staging_dir == NULL || c->staging_dir[0] == '\0') {
		err_set_field(e, ERR_INVALID, "staged_file",
		              "staged files are disabled: no checks.staging_dir is configured");
		return -1;
	}
	size_t n = name != NULL ? strlen(name) : 0;
	if (n == 0 || n > 255 || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0) {
		err_set_field(e, ERR_INVALID, "staged_file",
		              "staged_file must be a plain file name inside the staging directory "
		              "(no '/', '.' or '..')");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) {
			err_set_field(e, ERR_INVALID, "staged_file",
			              "staged_file must not contain control characters");
			return -1;
		}
	int dir = open(c->staging_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) {
		err_set(e, ERR_UNAVAILABLE, "the staging directory cannot be opened: %s",
		        strerror(errno));
		return -1;
	}
	/* O_NOFOLLOW refuses a symlink as the last component, and the name has no
	 * other: nothing outside the directory can be reached. */
	int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	int saved = errno;
	close(dir);
	if (fd < 0) {
		if (saved == ENOENT)
			err_set_field(e, ERR_NOT_FOUND, "staged_file",
			              "no such file in the staging directory");
		else if (saved == ELOOP)
			err_set_field(e, ERR_INVALID, "staged_file",
			              "staged_file is a symbolic link, which is refused");
		else
			err_set_field(e, ERR_INVALID, "staged_file",
			              "cannot open the staged file: %s", strerror(saved));
		return -1;
	}
	if (!staged_acceptable(c, fd, e)) {
		close(fd);
		return -1;
	}
	/* Back to blocking reads: O_NONBLOCK only kept a FIFO from hanging the open. */
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}
