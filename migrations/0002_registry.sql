-- 0002_registry: deliberations, their versions (original and amendments) with the
-- terms of each, and recipients.
--
-- A version is immutable once recorded: its canonical JSON (terms_json, the
-- byte-exact record) and the normalized rows derived from it (for queries: which
-- variables, groups, caps, destinations, recipients, retention deadline) can be
-- inserted but never updated or deleted.  Triggers enforce this even against
-- direct SQL; a change of terms is a new version.  Deliberations cannot be deleted
-- (nor their header changed).  Recipients are operational data and may be updated
-- (contact, webhook) but not deleted while a version names them.

CREATE TABLE recipients (
	-- The one recipient-id rule (terms_id_valid); 0003 and 0004 repeat it verbatim.
	id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
	name text NOT NULL CHECK (length(name) BETWEEN 1 AND 512),
	organisation text NOT NULL DEFAULT '' CHECK (length(organisation) <= 512),
	contact text NOT NULL DEFAULT '' CHECK (length(contact) <= 512),
	-- Retention notices (reminders, overdue escalations) are POSTed here, signed
	-- with HMAC-SHA256 under webhook_secret; NULL: no webhook.
	webhook_url text CHECK (webhook_url IS NULL OR webhook_url ~ '^https?://'),
	webhook_secret text,
	created_at timestamptz NOT NULL DEFAULT now(),
	created_by text NOT NULL
);

CREATE TABLE deliberations (
	reference text PRIMARY KEY CHECK (reference ~ '^[0-9]{1,4}/[0-9]{1,6}$'),
	chamber text NOT NULL,
	title text NOT NULL,
	purpose text NOT NULL,
	legal_basis text NOT NULL,
	duties text[] NOT NULL DEFAULT '{}',
	recorded_at timestamptz NOT NULL DEFAULT now(),
	recorded_by text NOT NULL
);

-- The recipients a deliberation describes (its file's recipients list), in the order
-- first recorded.  Versions name the authorised ones among them (version_recipients).
CREATE TABLE deliberation_recipients (
	reference text NOT NULL REFERENCES deliberations (reference),
	recipient text NOT NULL REFERENCES recipients (id),
	position integer NOT NULL,
	recorded_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (reference, recipient),
	UNIQUE (reference, position)
);

CREATE TABLE deliberation_versions (
	reference text NOT NULL REFERENCES deliberations (reference),
	number integer NOT NULL CHECK (number >= 1),
	decided_on date NOT NULL,
	in_force_from date NOT NULL CHECK (in_force_from >= decided_on),
	recorded_at timestamptz NOT NULL DEFAULT now(),
	recorded_by text NOT NULL,
	summary text NOT NULL DEFAULT '',
	source_sha256 text NOT NULL DEFAULT '' CHECK (source_sha256 ~ '^([0-9a-f]{64})?$'),
	terms_on_record boolean NOT NULL,
	-- Last day the data may be kept under this version; destruction is due from
	-- the next day.  NULL when the terms are not on record.
	retention_until date CHECK (terms_on_record = (retention_until IS NOT NULL)),
	-- The version as canonical JSON (terms_json_version), byte for byte as recorded,
	-- and the SHA-256 (hex) of those bytes.
	terms_json text NOT NULL CHECK (terms_json::jsonb IS NOT NULL),
	terms_sha256 text NOT NULL CHECK (terms_sha256 ~ '^[0-9a-f]{64}$'),
	PRIMARY KEY (reference, number),
	UNIQUE (reference, in_force_from)
);

-- The normalized terms of each version on record.

CREATE TABLE version_variables (
	reference text NOT NULL,
	number integer NOT NULL,
	code text NOT NULL,
	position integer NOT NULL, -- order in the terms, from 1
	section text NOT NULL,
	source text NOT NULL,
	label text NOT NULL DEFAULT '',
	type text NOT NULL,
	required boolean NOT NULL DEFAULT false,
	provisional boolean NOT NULL DEFAULT false,
	-- values, pattern, min, max, min_month, not_future, max_length (those that apply)
	constraints jsonb NOT NULL DEFAULT '{}',
	PRIMARY KEY (reference, number, code),
	FOREIGN KEY (reference, number) REFERENCES deliberation_versions (reference, number)
);

CREATE TABLE version_groups (
	reference text NOT NULL,
	number integer NOT NULL,
	code text NOT NULL,
	description text NOT NULL DEFAULT '',
	population bigint NOT NULL DEFAULT 0, -- estimate, 0 if unknown
	PRIMARY KEY (reference, number, code),
	FOREIGN KEY (reference, number) REFERENCES deliberation_versions (reference, number)
);

-- Phases with no row are uncapped for that group.
CREATE TABLE version_group_caps (
	reference text NOT NULL,
	number integer NOT NULL,
	group_code text NOT NULL,
	phase integer NOT NULL,
	persons bigint NOT NULL CHECK (persons >= 0),
	PRIMARY KEY (reference, number, group_code, phase),
	FOREIGN KEY (reference, number, group_code)
		REFERENCES version_groups (reference, number, code)
);

CREATE TABLE version_phases (
	reference text NOT NULL,
	number integer NOT NULL,
	phase integer NOT NULL,
	description text NOT NULL DEFAULT '',
	PRIMARY KEY (reference, number, phase),
	FOREIGN KEY (reference, number) REFERENCES deliberation_versions (reference, number)
);

CREATE TABLE version_phase_destinations (
	reference text NOT NULL,
	number integer NOT NULL,
	phase integer NOT NULL,
	destination text NOT NULL,
	PRIMARY KEY (reference, number, phase, destination),
	FOREIGN KEY (reference, number, phase) REFERENCES version_phases (reference, number, phase)
);

CREATE TABLE version_recipients (
	reference text NOT NULL,
	number integer NOT NULL,
	recipient text NOT NULL REFERENCES recipients (id),
	PRIMARY KEY (reference, number, recipient),
	FOREIGN KEY (reference, number) REFERENCES deliberation_versions (reference, number)
);
CREATE INDEX version_recipients_recipient ON version_recipients (recipient);

-- Immutability.  The messages are value-free: db.c passes them on as the error.

CREATE FUNCTION registry_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'recorded % rows are immutable (% refused)', TG_TABLE_NAME, TG_OP;
END
$$;

CREATE TRIGGER deliberations_no_change BEFORE UPDATE OR DELETE ON deliberations
	FOR EACH ROW EXECUTE FUNCTION registry_immutable();
CREATE TRIGGER deliberations_no_truncate BEFORE TRUNCATE ON deliberations
	FOR EACH STATEMENT EXECUTE FUNCTION registry_immutable();

CREATE TRIGGER deliberation_recipients_no_change
	BEFORE UPDATE OR DELETE ON deliberation_recipients
	FOR EACH ROW EXECUTE FUNCTION registry_immutable();
CREATE TRIGGER deliberation_recipients_no_truncate BEFORE TRUNCATE ON deliberation_recipients
	FOR EACH STATEMENT EXECUTE FUNCTION registry_immutable();

CREATE TRIGGER deliberation_versions_no_change BEFORE UPDATE OR DELETE ON deliberation_versions
	FOR EACH ROW EXECUTE FUNCTION registry_immutable();
CREATE TRIGGER deliberation_versions_no_truncate BEFORE TRUNCATE ON deliberation_versions
	FOR EACH STATEMENT EXECUTE FUNCTION registry_immutable();

CREATE TRIGGER version_variables_no_change BEFORE UPDATE OR DELETE ON version_variables
	FOR EACH ROW EXECUTE FUNCTION registry_immutable();
CREATE TRIGGER version_variables_no_truncate BEFORE TRUNCATE ON version_variables
	FOR EACH STATEMENT EXECUTE FUNCTION registry_immutable();

CREATE TRIGGER version_groups_no_change BEFORE UPDATE OR DELETE ON version_groups
	FOR EACH ROW EXECUTE FUNCTION registry_immutable();
CREATE TRIGGER version_groups_no_truncate BEFORE TRUNCATE ON version_groups
	FOR EACH STATEMENT EXECUTE FUNCTION registry_immutable();

CREATE TRIGGER version_group_caps_no_change BEFORE UPDATE OR DELETE ON version_group_caps
	FOR EACH ROW EXECUTE FUNCTION registry_immutable();
CREATE TRIGGER version_group_caps_no_truncate BEFORE TRUNCATE ON version_group_caps
	FOR EACH STATEMENT EXECUTE FUNCTION registry_immutable();

CREATE TRIGGER version_phases_no_change BEFORE UPDATE OR DELETE ON version_phases
	FOR EACH ROW EXECUTE FUNCTION registry_immutable();
CREATE TRIGGER version_phases_no_truncate BEFORE TRUNCATE ON version_phases
	FOR EACH STATEMENT EXECUTE FUNCTION registry_immutable();

CREATE TRIGGER version_phase_destinations_no_change
	BEFORE UPDATE OR DELETE ON version_phase_destinations
	FOR EACH ROW EXECUTE FUNCTION registry_immutable();
CREATE TRIGGER version_phase_destinations_no_truncate BEFORE TRUNCATE ON version_phase_destinations
	FOR EACH STATEMENT EXECUTE FUNCTION registry_immutable();

CREATE TRIGGER version_recipients_no_change BEFORE UPDATE OR DELETE ON version_recipients
	FOR EACH ROW EXECUTE FUNCTION registry_immutable();
CREATE TRIGGER version_recipients_no_truncate BEFORE TRUNCATE ON version_recipients
	FOR EACH STATEMENT EXECUTE FUNCTION registry_immutable();

-- A recipient that a version names stays: the FK already refuses the DELETE;
-- its id never changes either (names in canonical JSON refer to it).
CREATE FUNCTION recipients_id_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.id <> OLD.id THEN
		RAISE EXCEPTION 'a recipient id cannot change';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER recipients_id_fixed BEFORE UPDATE ON recipients
	FOR EACH ROW EXECUTE FUNCTION recipients_id_fixed();
