-- 0001_core: API credentials (only token hashes) and the tamper-evident audit
-- trail.  schema_migrations itself is created by `deliberd migrate`.

CREATE TABLE credentials (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  role text NOT NULL CHECK (role IN ('governance', 'delivery', 'recipient', 'auditor')),
  -- the recipient id (recipients belong to 0002_registry, hence no foreign key)
  recipient text CHECK (recipient IS NULL OR length(recipient) BETWEEN 1 AND 63),
  token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  revoked_at timestamptz,
  revoked_by text,
  CONSTRAINT credentials_recipient_role CHECK ((role = 'recipient') = (recipient IS NOT NULL)),
  CONSTRAINT credentials_revoked_pair CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
-- A name identifies one active credential, so `credential revoke --name` is unambiguous.
CREATE UNIQUE INDEX credentials_active_name ON credentials (name) WHERE revoked_at IS NULL;

-- One row per state change, chained: hash = SHA-256(prev_hash || canonical event).
-- details is `json` (not jsonb) so that its text is kept byte for byte as hashed.
-- See docs/audit.md for the exact encoding.
CREATE TABLE audit_events (
  seq bigint PRIMARY KEY CHECK (seq > 0),
  at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  object text NOT NULL,
  details json NOT NULL,
  prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$')
);
CREATE INDEX audit_events_object ON audit_events (object, seq);

-- Append-only for the application: deliberd should connect as an ordinary role,
-- which then cannot UPDATE, DELETE or TRUNCATE events.  A superuser (a DBA) is
-- let through on purpose: the database cannot stop one anyway (they could drop
-- the trigger), and `deliberd audit verify` detects what they change.
CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('is_superuser') = 'on' THEN
    IF TG_OP = 'DELETE' THEN
      RETURN OLD;
    END IF;
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'the audit trail is append-only: % on audit_events refused', TG_OP;
END
$$;

CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
