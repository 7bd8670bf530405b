#!/usr/bin/env bash
# test_audit_checkpoint: signed audit checkpoints, on by default beside the
# configuration (audit-checkpoints/): serve signs one at start and at shutdown
# (Ed25519 key made on first use, mode 600, public half in checkpoint.pub);
# `deliberd audit verify` checks the trail against them.  As a database superuser
# (an insider the append-only triggers let through): deleting the newest event,
# deleting everything, and rewriting history with recomputed hashes are all
# detected (exit 1), which the hash chain alone does not see; a checkpoint line edited
# by hand does not verify; and serve refuses to sign a tampered trail.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t_init audit_checkpoint
t_migrate
gov=$(t_credential governance gina)
t_credential auditor audra >/dev/null
cpdir="$T_DIR/audit-checkpoints"
t_start
started() { t_log_has 'audit checkpoint \(start\): [0-9]+ events signed'; }
t_wait_until 10 started || t_fail "no checkpoint at start"
t_http GET /v1/audit "$gov"
t_expect_status 200
t_stop
t_log_has 'audit checkpoint \(shutdown\): [0-9]+ events signed' || t_fail "no checkpoint at shutdown"
[[ $(stat -c %a "$cpdir/checkpoint.key") == 600 ]] || t_fail "checkpoint key mode $(stat -c %a "$cpdir/checkpoint.key")"
openssl pkey -pubin -in "$cpdir/checkpoint.pub" -noout 2>/dev/null || t_fail "no public key"
(($(wc -l <"$cpdir/checkpoints.jsonl") == 2)) || t_fail "not two checkpoint lines"
jq -e 'has("count") and has("last_hash") and has("time") and has("signature")' \
  <"$cpdir/checkpoints.jsonl" >/dev/null || t_fail "checkpoint line fields"

t_run audit verify || t_fail "verify of an intact trail: $(cat "$T_DIR/run.out" "$T_DIR/run.err")"
grep -q '^audit trail intact: ' "$T_DIR/run.out" || t_fail "verify output"
grep -q '^checkpoints: 2 verified' "$T_DIR/run.err" || t_fail "checkpoints not reported: $(cat "$T_DIR/run.err")"
# one more event, then a checkpoint by hand: covers it
t_run credential add --role delivery --name dora >/dev/null || t_fail "credential add"
t_run audit checkpoint || t_fail "audit checkpoint: $(cat "$T_DIR/run.err")"
n=$(psql -XAtq -d "$T_DB" -c "SELECT count(*) FROM audit_events")
grep -q "^checkpoint: $n events" "$T_DIR/run.out" || t_fail "checkpoint output: $(cat "$T_DIR/run.out")"

sql() { psql -XAtq -v ON_ERROR_STOP=1 -d "$T_DB" -c "$1" >/dev/null; }
expect_broken() { # WHAT REGEX
  local rc=0
  t_run audit verify || rc=$?
  ((rc == 1)) || t_fail "$1: audit verify exit $rc: $(cat "$T_DIR/run.out" "$T_DIR/run.err")"
  grep -Eq "$2" "$T_DIR/run.out" || t_fail "$1: $(cat "$T_DIR/run.out")"
}
# each tampering inside a transaction we then undo by restoring a dump
pg_dump -Fc -t audit_events -d "$T_DB" -f "$T_DIR/audit.dump"
restore() {
  sql "ALTER TABLE audit_events DISABLE TRIGGER USER; DELETE FROM audit_events; ALTER TABLE audit_events ENABLE TRIGGER USER"
  pg_restore --data-only -d "$T_DB" "$T_DIR/audit.dump"
  t_run audit verify || t_fail "not intact after restore: $(cat "$T_DIR/run.out")"
}
# truncation of the newest event: the chain is still consistent
sql "DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)"
expect_broken "tail deleted" '^audit trail broken: truncated'
restore
# everything deleted
sql "DELETE FROM audit_events"
expect_broken "all deleted" '^audit trail broken: truncated: the trail has 0 events'
restore
# an edited event breaks the chain there (edits with every later hash recomputed,
# which only the checkpoint sees, are in tests/unit/service/test_checkpoint.c)
psql -XAtq -v ON_ERROR_STOP=1 -d "$T_DB" >/dev/null <<'SQL'
UPDATE audit_events SET actor = 'cli:mallory' WHERE seq = 1;
SQL
expect_broken "edited" '^audit trail broken at seq 1'
restore
# a checkpoint line edited by hand
cp "$cpdir/checkpoints.jsonl" "$T_DIR/cp.saved"
jq -c '.count -= 1' <"$T_DIR/cp.saved" >"$cpdir/checkpoints.jsonl"
expect_broken "checkpoint edited" 'checkpoint line 1 does not verify'
cp "$T_DIR/cp.saved" "$cpdir/checkpoints.jsonl"
t_run audit verify || t_fail "not intact after the checkpoint restore"

# serve does not sign a tampered trail
sql "DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)"
t_start
refused() { t_log_has 'audit checkpoint \(start\) not written: refusing to sign'; }
t_wait_until 10 refused || t_fail "serve signed a truncated trail"
t_done
