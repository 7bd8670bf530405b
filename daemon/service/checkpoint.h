/*
 * checkpoint: signed checkpoints of the audit trail, in the manner of RFC 9162's
 * signed tree heads.  The hash chain (audit.c) shows that no event was changed in
 * the middle; it cannot show that the newest events, or all of them, were deleted,
 * nor tell a rewritten chain from the original, since anyone who may write the table
 * can recompute the hashes.  A checkpoint is (count, hash of event `count`, time),
 * signed with an Ed25519 key that lives in a file of the daemon and never in
 * PostgreSQL, appended as one JSON line to <audit.checkpoint_dir>/checkpoints.jsonl.
 * `deliberd audit verify` checks the chain and then every checkpoint against it:
 * fewer events than a checkpoint counts is a truncation (or deletion of everything),
 * another hash at a checkpointed seq is a rewritten history, a line that does not
 * verify is a forged or replaced checkpoint.  Each event also carries a MAC under a
 * key derived from the same private key (audit.h), so that an event forged by a
 * database insider after the newest checkpoint is told from the daemon's own.
 */
#ifndef DELIBERD_CHECKPOINT_H
#define DELIBERD_CHECKPOINT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

#define CHECKPOINT_FILE "checkpoints.jsonl"
#define CHECKPOINT_PUB "checkpoint.pub"

struct checkpoint {
	int64_t count;      /* events covered: seq 1..count */
	char last_hash[65]; /* hash of event count (64 zeros when count is 0) */
	char time[32];      /* UTC, 2026-12-02T11:00:00Z */
};

/* Verifies the chain and, unless the trail contradicts the checkpoints already
 * written, signs and appends a checkpoint of it as it is now (creating the key and
 * the directory on first use).  Runs its own read-only transaction on db.  True
 * without writing anything when audit.checkpoint_dir is "". */
bool checkpoint_write(PGconn *db, const struct config *c, struct checkpoint *out, struct err *e)
    __attribute__((warn_unused_result));

struct checkpoint_result {
	bool broken;              /* the trail or a checkpoint was tampered with */
	int64_t bad_seq;          /* the broken link of the chain, or 0 */
	char reason[300];         /* why, when broken */
	int64_t events;           /* events in the trail */
	int64_t checkpoints;      /* checkpoint lines checked */
	struct checkpoint latest; /* the newest (largest count); count -1 when none */
};

/* Checks the chain, every checkpoint of audit.checkpoint_dir, and (when this process
 * can read audit.checkpoint_key) every event's MAC, against db, inside the caller's
 * transaction (or none).  False only when it cannot check (database or file
 * errors); a tampering is true with r->broken. */
bool checkpoint_verify(PGconn *db, const struct config *c, struct checkpoint_result *r,
                       struct err *e) __attribute__((warn_unused_result));

/* Loads (or makes) the checkpoint key and gives this process's audit appends their
 * MAC key (audit_set_mac_key).  True and nothing done when checkpoints are off. */
bool checkpoint_use_mac_key(const struct config *c, struct err *e)
    __attribute__((warn_unused_result));

/* The signed text of a checkpoint (tests): "deliberd-audit-checkpoint/v1\n" count
 * "\n" last_hash "\n" time "\n". */
void checkpoint_message(const struct checkpoint *cp, char *out, size_t size);

#endif
