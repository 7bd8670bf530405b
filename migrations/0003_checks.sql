-- 0003_checks: every extract check (POST /v1/checks), passed or failed, and the
-- keyed hashes of the persons of passed capped deliveries that the cross-delivery
-- sample cap counts.
--
-- A check row is history: its verdict, hash and counts never change after insert.
-- The only later change is marking a passed check as shipped (shipped_at and
-- shipped_by, set once).  Rows are never deleted.  Person hashes are append-only.
-- No table here holds an extract cell value: only counts, the SHA-256 of the
-- bytes, rule counts, and HMAC-SHA256 hashes of pseudonyms under a secret key
-- that lives outside the database (config person_key_file).

CREATE TABLE deliveries (
	id bigserial PRIMARY KEY, -- the check id; "delivery_id" when it passed
	deliberation_ref text NOT NULL REFERENCES deliberations (reference),
	version integer, -- terms version used, NULL when none in force
	recipient_id text NOT NULL CHECK (recipient_id ~ '^[a-z0-9][a-z0-9._-]{0,62}$'), -- terms_id_valid
	group_code text NOT NULL CHECK (group_code ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
	phase integer NOT NULL CHECK (phase BETWEEN 1 AND 99),
	destination text CHECK (destination ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
	check_date date NOT NULL,
	verdict text NOT NULL CHECK (verdict IN ('pass', 'fail')),
	sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	rows bigint NOT NULL CHECK (rows >= 0),
	persons bigint NOT NULL CHECK (persons >= 0),
	bytes bigint NOT NULL CHECK (bytes >= 0),
	error_counts jsonb NOT NULL CHECK (jsonb_typeof(error_counts) = 'object'), -- rule id -> count
	checked_at timestamptz NOT NULL DEFAULT now(),
	checked_by text NOT NULL,
	shipped_at timestamptz,
	shipped_by text,
	CONSTRAINT deliveries_shipped_by CHECK ((shipped_at IS NULL) = (shipped_by IS NULL)),
	CONSTRAINT deliveries_only_passed_ship CHECK (shipped_at IS NULL OR verdict = 'pass'),
	FOREIGN KEY (deliberation_ref, version) REFERENCES deliberation_versions (reference, number)
);
CREATE INDEX deliveries_recipient ON deliveries (recipient_id, id);
CREATE INDEX deliveries_deliberation ON deliveries (deliberation_ref, id);

-- The scopes of the cross-delivery cap: one row per (recipient, deliberation,
-- group, phase) that a capped check has concerned.  Its row lock (SELECT ... FOR
-- UPDATE) serialises the cap decisions of the scope; persons is the number of
-- distinct persons recorded in it.
CREATE TABLE cap_scopes (
	id bigserial PRIMARY KEY,
	recipient_id text NOT NULL,
	deliberation_ref text NOT NULL REFERENCES deliberations (reference),
	group_code text NOT NULL,
	phase integer NOT NULL,
	persons bigint NOT NULL DEFAULT 0 CHECK (persons >= 0),
	UNIQUE (recipient_id, deliberation_ref, group_code, phase)
);

-- The persons of passed checks in each scope, as HMAC-SHA256(person key,
-- deliberation reference || NUL || pseudonym in decimal).  Recorded at check time
-- (a passed check reserves its persons whether or not it is later shipped), so
-- that two checks passing before either ships cannot together exceed the cap.
-- Written only by the check's own transaction, under the scope's lock; no foreign
-- keys here, to spare a referential check per row (20,000 rows per delivery).
CREATE TABLE delivered_persons (
	scope_id bigint NOT NULL,	   -- cap_scopes (id)
	person_hash bytea NOT NULL CHECK (length(person_hash) = 32),
	first_delivery_id bigint NOT NULL, -- deliveries (id) that first delivered the person
	PRIMARY KEY (scope_id, person_hash)
);

-- The fingerprint (HMAC of a fixed label) of the person key that made the hashes
-- above: a lost or replaced key would silently reset every cap, so checks refuse
-- to run with a key that does not match.  One row at most.
CREATE TABLE person_key (
	id boolean PRIMARY KEY DEFAULT true CHECK (id),
	fingerprint text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
	recorded_at timestamptz NOT NULL DEFAULT now()
);

-- History protection.  Messages are value-free: db.c passes them on.

CREATE FUNCTION deliveries_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'recorded checks cannot be deleted';
	END IF;
	IF NEW.id IS DISTINCT FROM OLD.id
	   OR NEW.deliberation_ref IS DISTINCT FROM OLD.deliberation_ref
	   OR NEW.version IS DISTINCT FROM OLD.version
	   OR NEW.recipient_id IS DISTINCT FROM OLD.recipient_id
	   OR NEW.group_code IS DISTINCT FROM OLD.group_code
	   OR NEW.phase IS DISTINCT FROM OLD.phase
	   OR NEW.destination IS DISTINCT FROM OLD.destination
	   OR NEW.check_date IS DISTINCT FROM OLD.check_date
	   OR NEW.verdict IS DISTINCT FROM OLD.verdict
	   OR NEW.sha256 IS DISTINCT FROM OLD.sha256
	   OR NEW.rows IS DISTINCT FROM OLD.rows
	   OR NEW.persons IS DISTINCT FROM OLD.persons
	   OR NEW.bytes IS DISTINCT FROM OLD.bytes
	   OR NEW.error_counts IS DISTINCT FROM OLD.error_counts
	   OR NEW.checked_at IS DISTINCT FROM OLD.checked_at
	   OR NEW.checked_by IS DISTINCT FROM OLD.checked_by THEN
		RAISE EXCEPTION 'a recorded check cannot change';
	END IF;
	IF OLD.shipped_at IS NOT NULL THEN
		RAISE EXCEPTION 'a shipped delivery cannot change';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER deliveries_guard BEFORE UPDATE OR DELETE ON deliveries
	FOR EACH ROW EXECUTE FUNCTION deliveries_guard();

CREATE FUNCTION checks_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'recorded % rows are append-only (% refused)', TG_TABLE_NAME, TG_OP;
END
$$;
CREATE TRIGGER deliveries_no_truncate BEFORE TRUNCATE ON deliveries
	FOR EACH STATEMENT EXECUTE FUNCTION checks_append_only();
CREATE TRIGGER delivered_persons_no_change BEFORE UPDATE OR DELETE ON delivered_persons
	FOR EACH ROW EXECUTE FUNCTION checks_append_only();
CREATE TRIGGER delivered_persons_no_truncate BEFORE TRUNCATE ON delivered_persons
	FOR EACH STATEMENT EXECUTE FUNCTION checks_append_only();
CREATE FUNCTION cap_scopes_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'cap scopes cannot be deleted';
	END IF;
	IF NEW.id <> OLD.id OR NEW.recipient_id <> OLD.recipient_id
	   OR NEW.deliberation_ref <> OLD.deliberation_ref OR NEW.group_code <> OLD.group_code
	   OR NEW.phase <> OLD.phase OR NEW.persons < OLD.persons THEN
		RAISE EXCEPTION 'a cap scope only grows';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER cap_scopes_guard BEFORE UPDATE OR DELETE ON cap_scopes
	FOR EACH ROW EXECUTE FUNCTION cap_scopes_guard();
CREATE TRIGGER cap_scopes_no_truncate BEFORE TRUNCATE ON cap_scopes
	FOR EACH STATEMENT EXECUTE FUNCTION checks_append_only();
CREATE TRIGGER person_key_no_change BEFORE UPDATE OR DELETE ON person_key
	FOR EACH ROW EXECUTE FUNCTION checks_append_only();
