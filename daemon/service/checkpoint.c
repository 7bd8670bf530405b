/*
 * checkpoint: signing and checking audit checkpoints (checkpoint.h).  One line of
 * checkpoints.jsonl is {"count":N,"key_id":K,"last_hash":H,"signature":S,"time":T}
 * with S the hex Ed25519 signature of checkpoint_message and K the first 16 hex
 * digits of the SHA-256 of the raw public key.  Lines are only ever appended.
 */
#include "checkpoint.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "db.h"
#include "hex.h"
#include "store_audit.h"

#define CHECKPOINT_FILE_MAX (64L * 1024 * 1024)
#define CHECKPOINT_MAGIC "deliberd-audit-checkpoint/v1\n"

void checkpoint_message(const struct checkpoint *cp, char *out, size_t size)
{
	snprintf(out, size, CHECKPOINT_MAGIC "%" PRId64 "\n%s\n%s\n", cp->count, cp->last_hash,
	         cp->time);
}

static bool path_join(char *out, size_t size, const char *dir, const char *name, struct err *e)
{
	if ((size_t)snprintf(out, size, "%s/%s", dir, name) >= size) {
		err_set(e, ERR_INVALID, "audit.checkpoint_dir: path too long");
		return false;
	}
	return true;
}

/* --- keys ----------------------------------------------------------------------- */

static bool key_id(EVP_PKEY *k, char out[17])
{
	unsigned char raw[64];
	size_t n = sizeof(raw);
	char full[65];
	if (EVP_PKEY_get_raw_public_key(k, raw, &n) != 1 || !hex_sha256(raw, n, full))
		return false;
	memcpy(out, full, 16);
	out[16] = '\0';
	return true;
}

static bool pub_write(EVP_PKEY *k, const char *path, struct err *e)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	bool ok = f != NULL && PEM_write_PUBKEY(f, k) == 1;
	if (f != NULL && fclose(f) != 0)
		ok = false;
	if (ok && rename(tmp, path) != 0)
		ok = false;
	if (!ok) {
		unlink(tmp);
		err_set(e, ERR_INTERNAL, "cannot write %s: %s", path, strerror(errno));
	}
	return ok;
}

static EVP_PKEY *key_read(const char *path, struct err *e)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = f != NULL ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	int saved = errno;
	if (f != NULL)
		fclose(f);
	if (k == NULL || EVP_PKEY_get_base_id(k) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(k);
		if (f == NULL)
			err_set_field(e, ERR_INVALID, "audit.checkpoint_key",
			              "audit.checkpoint_key: cannot open %s: %s", path,
			              strerror(saved));
		else
			err_set_field(
			    e, ERR_INVALID, "audit.checkpoint_key",
			    "audit.checkpoint_key: %s is not an Ed25519 private key (PEM)", path);
		return NULL;
	}
	return k;
}

/* The private key at path, made (mode 600) when there is none: written to a
 * temporary file and linked into place, so that two processes starting at once end
 * up with the same key and no one reads half a file.  Its public half is kept in
 * dir/checkpoint.pub for `audit verify`. */
static EVP_PKEY *key_load_or_create(const char *path, const char *dir, struct err *e)
{
	char pub[4096], tmp[4200];
	if (!path_join(pub, sizeof(pub), dir, CHECKPOINT_PUB, e))
		return NULL;
	if (access(path, F_OK) != 0) {
		snprintf(tmp, sizeof(tmp), "%s.new%ld", path, (long)getpid());
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		EVP_PKEY *k = fd >= 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519") : NULL;
		FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
		bool ok = k != NULL && f != NULL &&
		          PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1 &&
		          fflush(f) == 0 && fsync(fileno(f)) == 0;
		if (f != NULL)
			fclose(f);
		else if (fd >= 0)
			close(fd);
		EVP_PKEY_free(k);
		if (ok && link(tmp, path) != 0 && errno != EEXIST)
			ok = false;
		unlink(tmp);
		if (!ok) {
			err_set(e, ERR_INTERNAL, "cannot create the checkpoint key %s: %s", path,
			        strerror(errno));
			return NULL;
		}
	}
	EVP_PKEY *k = key_read(path, e);
	if (k != NULL && access(pub, R_OK) != 0 && !pub_write(k, pub, e)) {
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

/* The audit MAC key: SHA-256 of a label and the raw checkpoint private key. */
static bool mac_key_of(EVP_PKEY *k, unsigned char out[32])
{
	unsigned char raw[64];
	size_t n = sizeof(raw);
	static const char label[] = "deliberd-audit-mac/v1";
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	bool ok = EVP_PKEY_get_raw_private_key(k, raw, &n) == 1 && ctx != NULL &&
	          EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	          EVP_DigestUpdate(ctx, label, sizeof(label) - 1) == 1 &&
	          EVP_DigestUpdate(ctx, raw, n) == 1 && EVP_DigestFinal_ex(ctx, out, &len) == 1 &&
	          len == 32;
	EVP_MD_CTX_free(ctx);
	OPENSSL_cleanse(raw, sizeof(raw));
	return ok;
}

bool checkpoint_use_mac_key(const struct config *c, struct err *e)
{
	const char *dir = c->audit_checkpoint_dir;
	if (dir == NULL || dir[0] == '\0')
		return true;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		err_set_field(e, ERR_UNAVAILABLE, "audit.checkpoint_dir",
		              "audit.checkpoint_dir: cannot create %s: %s", dir, strerror(errno));
		return false;
	}
	EVP_PKEY *k = key_load_or_create(c->audit_checkpoint_key, dir, e);
	unsigned char key[32];
	bool ok = k != NULL && mac_key_of(k, key);
	EVP_PKEY_free(k);
	if (ok)
		audit_set_mac_key(key);
	else if (e->kind == ERR_NONE)
		err_set(e, ERR_INTERNAL, "cannot derive the audit MAC key");
	OPENSSL_cleanse(key, sizeof(key));
	return ok;
}

static EVP_PKEY *pub_load(const char *dir, struct err *e)
{
	char path[4096];
	if (!path_join(path, sizeof(path), dir, CHECKPOINT_PUB, e))
		return NULL;
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = f != NULL ? PEM_read_PUBKEY(f, NULL, NULL, NULL) : NULL;
	if (f != NULL)
		fclose(f);
	if (k == NULL || EVP_PKEY_get_base_id(k) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(k);
		err_set(e, ERR_UNAVAILABLE, "cannot read the checkpoint public key %s", path);
		return NULL;
	}
	return k;
}

static bool sign_hex(EVP_PKEY *k, const char *msg, char out[129])
{
	unsigned char sig[64];
	size_t n = sizeof(sig);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx != NULL && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) == 1 &&
	          EVP_DigestSign(ctx, sig, &n, (const unsigned char *)msg, strlen(msg)) == 1 &&
	          n == 64;
	EVP_MD_CTX_free(ctx);
	if (ok)
		hex_encode(sig, 64, out);
	return ok;
}

static bool verify_hex(EVP_PKEY *k, const char *msg, const char *sighex)
{
	unsigned char sig[64];
	if (sighex == NULL || strlen(sighex) != 128 || !hex_decode(sighex, 128, sig))
		return false;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
	          EVP_DigestVerify(ctx, sig, 64, (const unsigned char *)msg, strlen(msg)) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

/* --- checking ------------------------------------------------------------------- */

static bool broken(struct checkpoint_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static bool broken(struct checkpoint_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	r->broken = true;
	return true;
}

/* Whole file in memory (NUL-terminated); NULL with errno ENOENT when absent. */
static char *file_read(const char *path, struct err *e)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		if (errno != ENOENT)
			err_set(e, ERR_UNAVAILABLE, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	char *buf = NULL;
	if (fstat(fileno(f), &st) == 0 && st.st_size < CHECKPOINT_FILE_MAX &&
	    (buf = malloc((size_t)st.st_size + 1)) != NULL) {
		size_t n = fread(buf, 1, (size_t)st.st_size, f);
		buf[n] = '\0';
	} else {
		err_set(e, ERR_UNAVAILABLE, "cannot read %s (too large?)", path);
		errno = EIO;
	}
	fclose(f);
	return buf;
}

/* One line: parsed and its signature checked; false if it does not verify. */
static bool line_parse(const char *line, EVP_PKEY *pub, const char *kid, struct checkpoint *cp)
{
	json_error_t jerr;
	json_t *j = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
	json_int_t count = -1;
	const char *hash = NULL, *time = NULL, *id = NULL, *sig = NULL;
	bool ok =
	    j != NULL && json_unpack(j, "{s:I,s:s,s:s,s:s,s:s!}", "count", &count, "last_hash",
	                             &hash, "time", &time, "key_id", &id, "signature", &sig) == 0;
	ok = ok && count >= 0 && strlen(hash) == 64 && strlen(time) < sizeof(cp->time) &&
	     strcmp(id, kid) == 0;
	if (ok) {
		cp->count = count;
		snprintf(cp->last_hash, sizeof(cp->last_hash), "%s", hash);
		snprintf(cp->time, sizeof(cp->time), "%s", time);
		char msg[256];
		checkpoint_message(cp, msg, sizeof(msg));
		ok = verify_hex(pub, msg, sig);
	}
	json_decref(j);
	return ok;
}

/* One checkpoint against the trail. */
static bool check_one(PGconn *db, const struct checkpoint *cp, int lineno,
                      struct checkpoint_result *r, struct err *e)
{
	if (cp->count > r->events)
		return broken(r,
		              "truncated: the trail has %" PRId64 " events, the checkpoint of %s "
		              "(line %d) covers %" PRId64,
		              r->events, cp->time, lineno, cp->count);
	char hash[65] = AUDIT_GENESIS_HASH;
	bool found = true;
	if (cp->count > 0 && !store_audit_hash_at(db, cp->count, hash, &found, e))
		return false;
	if (!found || strcmp(hash, cp->last_hash) != 0)
		return broken(r,
		              "history rewritten: event %" PRId64 " is not the one the checkpoint "
		              "of %s (line %d) signed",
		              cp->count, cp->time, lineno);
	return true;
}

/* Every event's MAC under the daemon's key: one that does not match is forged; one
 * without a MAC after the first checkpoint (from then on the daemon has its key)
 * was written by someone without it. */
static bool check_macs(PGconn *db, EVP_PKEY *k, int64_t first, struct checkpoint_result *r,
                       struct err *e)
{
	unsigned char key[32];
	if (!mac_key_of(k, key)) {
		err_set(e, ERR_INTERNAL, "cannot derive the audit MAC key");
		return false;
	}
	int64_t after = 0;
	bool ok = true;
	while (ok && !r->broken) {
		PGresult *p = store_audit_macs(db, after, 1000, e);
		if (p == NULL) {
			ok = false;
			break;
		}
		int n = PQntuples(p);
		for (int i = 0; i < n && !r->broken; i++) {
			after = strtoll(PQgetvalue(p, i, 0), NULL, 10);
			const char *mac = PQgetvalue(p, i, 2);
			char want[65];
			if (mac[0] == '\0') {
				if (first >= 0 && after > first)
					broken(r,
					       "event %" PRId64
					       " has no MAC: written without the daemon's "
					       "key (forged?)",
					       after);
			} else if (!audit_mac(key, PQgetvalue(p, i, 1), want) ||
			           strcmp(want, mac) != 0) {
				broken(r, "event %" PRId64 "'s MAC does not verify: forged", after);
			}
		}
		PQclear(p);
		if (n < 1000)
			break;
	}
	OPENSSL_cleanse(key, sizeof(key));
	return ok;
}

bool checkpoint_verify(PGconn *db, const struct config *c, struct checkpoint_result *r,
                       struct err *e)
{
	const char *dir = c->audit_checkpoint_dir;
	int64_t first = -1; /* count of the first checkpoint */
	memset(r, 0, sizeof(*r));
	r->latest.count = -1;
	int64_t bad = 0;
	if (!audit_verify(db, &r->events, &bad, e)) {
		if (bad == 0)
			return false;
		broken(r, "%s", e->message);
		r->bad_seq = bad;
		*e = (struct err){0};
		return true;
	}
	char path[4096];
	if (dir == NULL || dir[0] == '\0')
		return true;
	if (!path_join(path, sizeof(path), dir, CHECKPOINT_FILE, e))
		return false;
	char *text = file_read(path, e);
	if (text == NULL)
		return errno == ENOENT; /* no checkpoint yet */
	EVP_PKEY *pub = pub_load(dir, e);
	char kid[17];
	if (pub == NULL || !key_id(pub, kid)) {
		EVP_PKEY_free(pub);
		free(text);
		if (e->kind == ERR_NONE)
			err_set(e, ERR_INTERNAL, "cannot read the checkpoint public key");
		return false;
	}
	bool ok = true;
	int lineno = 0;
	int64_t prev = -1;
	for (char *line = text, *next; ok && !r->broken && line != NULL && *line != '\0';
	     line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		struct checkpoint cp;
		if (!line_parse(line, pub, kid, &cp)) {
			broken(r, "checkpoint line %d does not verify: forged or replaced", lineno);
			break;
		}
		r->checkpoints++;
		if (cp.count < prev) {
			broken(r,
			       "checkpoint line %d counts %" PRId64
			       " events, fewer than an earlier one",
			       lineno, cp.count);
			break;
		}
		if (prev < 0)
			first = cp.count;
		prev = cp.count;
		ok = check_one(db, &cp, lineno, r, e);
		if (cp.count >= r->latest.count)
			r->latest = cp;
	}
	EVP_PKEY_free(pub);
	free(text);
	/* the MACs, when this process can read the key */
	if (ok && !r->broken && access(c->audit_checkpoint_key, R_OK) == 0) {
		EVP_PKEY *k = key_read(c->audit_checkpoint_key, e);
		ok = k != NULL && check_macs(db, k, first, r, e);
		EVP_PKEY_free(k);
	}
	return ok;
}

/* --- writing -------------------------------------------------------------------- */

static bool dir_ensure(const char *dir, struct err *e)
{
	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return true;
	err_set_field(e, ERR_UNAVAILABLE, "audit.checkpoint_dir",
	              "audit.checkpoint_dir: cannot create %s: %s", dir, strerror(errno));
	return false;
}

static bool line_append(const char *path, const char *line, struct err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	size_t n = strlen(line);
	bool ok = fd >= 0 && write(fd, line, n) == (ssize_t)n && fsync(fd) == 0;
	int saved = errno;
	if (fd >= 0)
		close(fd);
	if (!ok)
		err_set(e, ERR_UNAVAILABLE, "cannot append to %s: %s", path, strerror(saved));
	return ok;
}

bool checkpoint_write(PGconn *db, const struct config *c, struct checkpoint *out, struct err *e)
{
	const char *dir = c->audit_checkpoint_dir;
	out->count = -1;
	if (dir == NULL || dir[0] == '\0')
		return true;
	char path[4096];
	if (!dir_ensure(dir, e) || !path_join(path, sizeof(path), dir, CHECKPOINT_FILE, e))
		return false;
	EVP_PKEY *k = key_load_or_create(c->audit_checkpoint_key, dir, e);
	if (k == NULL)
		return false;

	/* one snapshot: the chain checked is the chain signed */
	struct checkpoint_result r;
	bool ok = db_begin(db, e) && store_audit_snapshot(db, e) && checkpoint_verify(db, c, &r, e);
	if (ok && r.broken) {
		err_set(e, ERR_CONFLICT, "refusing to sign a checkpoint: %s", r.reason);
		ok = false;
	}
	struct checkpoint cp = {.count = r.events, .last_hash = AUDIT_GENESIS_HASH};
	bool found = true;
	if (ok && cp.count > 0)
		ok = store_audit_hash_at(db, cp.count, cp.last_hash, &found, e) && found;
	db_rollback(db); /* read only */
	if (!ok) {
		if (e->kind == ERR_NONE)
			err_set(e, ERR_INTERNAL,
			        "the last audit event vanished while checkpointing");
		EVP_PKEY_free(k);
		return false;
	}
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(cp.time, sizeof(cp.time), "%Y-%m-%dT%H:%M:%SZ", &tm);
	char msg[256], sig[129], kid[17];
	checkpoint_message(&cp, msg, sizeof(msg));
	ok = sign_hex(k, msg, sig) && key_id(k, kid);
	EVP_PKEY_free(k);
	if (!ok) {
		err_set(e, ERR_INTERNAL, "cannot sign the checkpoint");
		return false;
	}
	json_t *j = json_pack("{s:I,s:s,s:s,s:s,s:s}", "count", (json_int_t)cp.count, "last_hash",
	                      cp.last_hash, "time", cp.time, "key_id", kid, "signature", sig);
	char *line = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (line == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	size_t n = strlen(line);
	char *withnl = realloc(line, n + 2);
	if (withnl == NULL) {
		free(line);
		err_set(e, ERR_INTERNAL, "out of memory");
		return false;
	}
	withnl[n] = '\n';
	withnl[n + 1] = '\0';
	ok = line_append(path, withnl, e);
	free(withnl);
	if (ok)
		*out = cp;
	return ok;
}
