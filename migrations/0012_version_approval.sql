-- 0012_version_approval: a recorded version counts only once a second person has
-- approved it (contract "Authority").  deliberation_versions stays immutable; the
-- decision about each version lives here: proposed -> approved | rejected.
-- Versions recorded before this migration were recorded under the old rule and are
-- approved as recorded (decided_by = recorded_by).
CREATE TABLE version_approvals (
	reference text NOT NULL,
	number integer NOT NULL,
	state text NOT NULL CHECK (state IN ('proposed', 'approved', 'rejected')),
	decision_reference text NOT NULL DEFAULT '' CHECK (length(decision_reference) <= 200),
	proposed_by text NOT NULL,
	proposed_at timestamptz NOT NULL DEFAULT now(),
	decided_by text,
	decided_at timestamptz,
	retroactive boolean NOT NULL DEFAULT false,
	reason text NOT NULL DEFAULT '' CHECK (length(reason) <= 2000),
	PRIMARY KEY (reference, number),
	FOREIGN KEY (reference, number) REFERENCES deliberation_versions (reference, number),
	CHECK ((state = 'proposed') = (decided_by IS NULL)),
	CHECK ((decided_by IS NULL) = (decided_at IS NULL))
);

INSERT INTO version_approvals (reference, number, state, proposed_by, proposed_at,
	decided_by, decided_at)
SELECT reference, number, 'approved', recorded_by, recorded_at, recorded_by, recorded_at
FROM deliberation_versions;

-- The deadline in force counts approved versions only.
CREATE OR REPLACE FUNCTION retention_deadlines(at timestamptz)
RETURNS TABLE (reference text, version integer, retention_until date, due_at timestamptz)
LANGUAGE sql STABLE AS $$
	SELECT DISTINCT ON (v.reference) v.reference, v.number, v.retention_until,
		((v.retention_until + 1)::timestamp AT TIME ZONE 'Europe/Brussels')
	FROM deliberation_versions v
	JOIN version_approvals a ON a.reference = v.reference AND a.number = v.number
	WHERE v.retention_until IS NOT NULL AND a.state = 'approved'
	  AND v.in_force_from <= (at AT TIME ZONE 'Europe/Brussels')::date
	ORDER BY v.reference, v.in_force_from DESC
$$;
