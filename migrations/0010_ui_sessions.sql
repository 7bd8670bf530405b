-- 0010_ui_sessions: sign-in sessions of the web console (docs/console.md).  A session
-- is what a credential token is exchanged for: the browser keeps a random session
-- token in an HttpOnly cookie; only its SHA-256 is stored here.  A session ends at
-- expires_at (bounded lifetime, ui.session_minutes), on logout (ended_at), or when
-- its credential is revoked (checked on every request through the join).
CREATE TABLE ui_sessions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
  credential_id bigint NOT NULL REFERENCES credentials (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  ended_at timestamptz,
  CONSTRAINT ui_sessions_bounded CHECK (expires_at > created_at
                                        AND expires_at <= created_at + interval '1 day')
);
CREATE INDEX ui_sessions_expires ON ui_sessions (expires_at);
