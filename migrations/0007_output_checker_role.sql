-- 0007_output_checker_role: credentials may hold the role `output_checker`, the
-- people who review what leaves the secure room in phase 2 (21/128 point 19;
-- docs/output-checking.md).  The column's CHECK of 0001 is replaced, not edited,
-- because applied migrations are checksummed.
ALTER TABLE credentials DROP CONSTRAINT credentials_role_check;
ALTER TABLE credentials ADD CONSTRAINT credentials_role_check
  CHECK (role IN ('governance', 'delivery', 'recipient', 'auditor', 'output_checker'));

-- Supervision sessions in the secure room (21/128 points 6 and 19): who
-- supervised, which researchers were present, from when to when.  Every output
-- submitted for release names one.
CREATE TABLE supervision_sessions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  recipient text NOT NULL CHECK (recipient ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  deliberation text CHECK (deliberation IS NULL OR deliberation ~ '^[0-9]{1,4}/[0-9]{1,6}$'),
  supervisor text NOT NULL CHECK (length(supervisor) BETWEEN 1 AND 200),
  researchers jsonb NOT NULL CHECK (jsonb_typeof(researchers) = 'array' AND jsonb_array_length(researchers) > 0),
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL CHECK (ends_at > starts_at),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Outputs leaving the secure room: the table spec, the check report (rules and
-- cells, never a microdata value), the table as it would be published, and,
-- once two output checkers approved it, the signed release.
CREATE TABLE outputs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  session_id bigint NOT NULL REFERENCES supervision_sessions (id),
  recipient text NOT NULL,
  deliberation text,
  evidence text NOT NULL CHECK (evidence IN ('built', 'submitted')),
  spec jsonb NOT NULL,
  report jsonb NOT NULL,
  published jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'released', 'rejected')),
  submitted_by text NOT NULL,
  submitted_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz,
  release_document text,
  release_sha256 text CHECK (release_sha256 IS NULL OR release_sha256 ~ '^[0-9a-f]{64}$'),
  release_signature bytea,
  release_key_id text,
  CONSTRAINT outputs_release_whole CHECK ((status = 'released') = (release_document IS NOT NULL))
);
CREATE INDEX outputs_status ON outputs (status, id);

-- One review per checker and output: the second by the same checker is refused.
CREATE TABLE output_reviews (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  output_id bigint NOT NULL REFERENCES outputs (id),
  credential_id bigint NOT NULL,
  checker text NOT NULL,
  decision text NOT NULL CHECK (decision IN ('approve', 'reject')),
  comment text NOT NULL,
  exceptions jsonb NOT NULL CHECK (jsonb_typeof(exceptions) = 'array'),
  reviewed_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (output_id, credential_id)
);
