-- 0008_audit_mac: a MAC on each audit event, keyed with a key PostgreSQL never
-- holds (derived from the daemon's audit checkpoint key, see docs/audit.md), so that
-- an event forged by anyone who may only write the database, even correctly hashed
-- and appended after the newest signed checkpoint, is told from the daemon's own.
-- NULL on events written before this migration or by a process without the key.
-- Adding a column fires no row trigger: the append-only rule is untouched.
ALTER TABLE audit_events
  ADD COLUMN mac text CHECK (mac IS NULL OR mac ~ '^[0-9a-f]{64}$');
