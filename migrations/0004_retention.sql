-- 0004_retention: destruction orders, the deliveries each covers, reminders,
-- recipients' confirmations, signed destruction certificates, and the
-- notification outbox.
--
-- The invariants live here, not only in C:
--   * a delivery is in at most one live (not cancelled) order: a partial unique
--     index on destruction_order_deliveries(delivery_id) WHERE active;
--   * only shipped deliveries of the order's recipient and deliberation can be
--     ordered destroyed (trigger);
--   * an order only moves open -> overdue -> confirmed | cancelled (trigger), and
--     cancelling it frees its deliveries for a later order (trigger);
--   * at most one confirmation and one certificate per order (primary/unique
--     keys), both immutable;
--   * one reminder per threshold per deadline or per order (unique indexes);
--   * every notification is persisted before it is sent (outbox).

-- The deadline in force at an instant, per deliberation: the retention_until of
-- the latest version in force on that instant's Europe/Brussels date whose
-- terms are on record, and the instant destruction is due (the next day,
-- 00:00 Europe/Brussels).
CREATE FUNCTION retention_deadlines(at timestamptz)
RETURNS TABLE (reference text, version integer, retention_until date, due_at timestamptz)
LANGUAGE sql STABLE AS $$
	SELECT DISTINCT ON (v.reference) v.reference, v.number, v.retention_until,
		((v.retention_until + 1)::timestamp AT TIME ZONE 'Europe/Brussels')
	FROM deliberation_versions v
	WHERE v.retention_until IS NOT NULL
	  AND v.in_force_from <= (at AT TIME ZONE 'Europe/Brussels')::date
	ORDER BY v.reference, v.in_force_from DESC
$$;

-- RFC 3339 in UTC to the second, the one text form of instants in API bodies,
-- events and certificates.
CREATE FUNCTION retention_rfc3339(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

CREATE TABLE destruction_orders (
	id bigserial PRIMARY KEY,
	deliberation_ref text NOT NULL REFERENCES deliberations (reference),
	recipient_id text NOT NULL CHECK (recipient_id ~ '^[a-z0-9][a-z0-9._-]{0,62}$'), -- terms_id_valid
	-- deadline: the retention deadline passed; amendment: it passed because an
	-- amendment brought it forward; no_longer_needed: the recipient said so.
	trigger text NOT NULL CHECK (trigger IN ('deadline', 'amendment', 'no_longer_needed')),
	version integer, -- the version in force when ordered
	retention_until date, -- the deadline that applied (deadline, amendment)
	due_at timestamptz NOT NULL,
	status text NOT NULL DEFAULT 'open'
		CHECK (status IN ('open', 'overdue', 'confirmed', 'cancelled')),
	note text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
	ordered_at timestamptz NOT NULL, -- the scheduler's "now" (may be simulated)
	ordered_by text NOT NULL,
	recorded_at timestamptz NOT NULL DEFAULT now(),
	escalated_at timestamptz,
	confirmed_at timestamptz,
	cancelled_at timestamptz,
	cancel_reason text CHECK (length(cancel_reason) <= 1000),
	CHECK ((trigger = 'no_longer_needed') = (retention_until IS NULL)),
	CHECK (status <> 'overdue' OR escalated_at IS NOT NULL),
	CHECK ((status = 'confirmed') = (confirmed_at IS NOT NULL)),
	CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
	CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL)),
	FOREIGN KEY (deliberation_ref, version) REFERENCES deliberation_versions (reference, number)
);
CREATE INDEX destruction_orders_recipient ON destruction_orders (recipient_id, id);
CREATE INDEX destruction_orders_live ON destruction_orders (status) WHERE status IN ('open', 'overdue');

CREATE TABLE destruction_order_deliveries (
	order_id bigint NOT NULL REFERENCES destruction_orders (id),
	delivery_id bigint NOT NULL REFERENCES deliveries (id),
	active boolean NOT NULL DEFAULT true, -- false once the order is cancelled
	PRIMARY KEY (order_id, delivery_id)
);
-- The idempotency guarantee: whatever runs concurrently or crashes halfway, a
-- delivery is covered by at most one order that is not cancelled.
CREATE UNIQUE INDEX destruction_order_deliveries_one_live
	ON destruction_order_deliveries (delivery_id) WHERE active;

CREATE TABLE destruction_confirmations (
	order_id bigint PRIMARY KEY REFERENCES destruction_orders (id),
	performed_at timestamptz NOT NULL,
	method_category text NOT NULL CHECK (method_category IN ('clear', 'purge', 'destroy')),
	confirmation jsonb NOT NULL CHECK (jsonb_typeof(confirmation) = 'object'),
	received_at timestamptz NOT NULL DEFAULT now(),
	received_by text NOT NULL
);

-- Every key that ever signed a certificate, so that old certificates stay
-- verifiable after a key rotation.
CREATE TABLE signing_certificates (
	key_id text PRIMARY KEY CHECK (key_id ~ '^[0-9a-f]{64}$'),
	certificate text NOT NULL, -- PEM: the signer certificate, then its chain
	first_used_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE destruction_certificates (
	id text PRIMARY KEY CHECK (id ~ '^dc-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'),
	order_id bigint NOT NULL UNIQUE REFERENCES destruction_confirmations (order_id),
	document text NOT NULL, -- the exact signed bytes (canonical JSON, ASCII)
	document_sha256 text NOT NULL CHECK (document_sha256 ~ '^[0-9a-f]{64}$'),
	signature bytea NOT NULL, -- detached CMS SignedData, DER
	key_id text NOT NULL REFERENCES signing_certificates (key_id),
	issued_at timestamptz NOT NULL
);

CREATE TABLE destruction_reminders (
	id bigserial PRIMARY KEY,
	-- before_deadline: days (a configured threshold) before retention_until;
	-- after_due: days (a multiple of 7) after the order fell due.
	kind text NOT NULL CHECK (kind IN ('before_deadline', 'after_due')),
	deliberation_ref text NOT NULL REFERENCES deliberations (reference),
	recipient_id text NOT NULL,
	retention_until date,
	order_id bigint REFERENCES destruction_orders (id),
	days integer NOT NULL CHECK (days >= 0),
	days_left integer NOT NULL, -- as seen when sent (negative: days late)
	created_at timestamptz NOT NULL, -- the scheduler's "now"
	CHECK ((kind = 'before_deadline') = (retention_until IS NOT NULL AND order_id IS NULL)),
	CHECK ((kind = 'after_due') = (order_id IS NOT NULL))
);
CREATE UNIQUE INDEX destruction_reminders_before
	ON destruction_reminders (recipient_id, deliberation_ref, retention_until, days)
	WHERE kind = 'before_deadline';
CREATE UNIQUE INDEX destruction_reminders_after
	ON destruction_reminders (order_id, days) WHERE kind = 'after_due';

-- Where governance receives escalations (at most one row; set with
-- `deliberd retention webhook`).  Recipients' webhooks are on recipients.
CREATE TABLE governance_webhook (
	id boolean PRIMARY KEY DEFAULT true CHECK (id),
	url text NOT NULL CHECK (url ~ '^https?://'),
	secret text NOT NULL CHECK (length(secret) >= 16),
	updated_at timestamptz NOT NULL DEFAULT now(),
	updated_by text NOT NULL
);

-- Notifications, written in the transaction of the change they announce and
-- POSTed afterwards until a 2xx answer (at least once; receivers deduplicate
-- on the idempotency key).
CREATE TABLE outbox (
	id bigserial PRIMARY KEY,
	idempotency_key text NOT NULL UNIQUE DEFAULT gen_random_uuid()::text,
	audience text NOT NULL CHECK (audience IN ('recipient', 'governance')),
	recipient_id text,
	event text NOT NULL CHECK (event ~ '^[a-z_]+\.[a-z_]+$'),
	body text NOT NULL CHECK (body::jsonb IS NOT NULL),
	created_at timestamptz NOT NULL DEFAULT now(),
	attempts integer NOT NULL DEFAULT 0,
	next_attempt_at timestamptz NOT NULL DEFAULT now(),
	last_attempt_at timestamptz,
	last_status integer,
	last_error text,
	delivered_at timestamptz,
	CHECK ((audience = 'recipient') = (recipient_id IS NOT NULL))
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL;

-- Guards.  Messages are value-free: db.c passes them on.

CREATE FUNCTION destruction_orders_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'destruction orders cannot be deleted';
	END IF;
	IF NEW.id IS DISTINCT FROM OLD.id
	   OR NEW.deliberation_ref IS DISTINCT FROM OLD.deliberation_ref
	   OR NEW.recipient_id IS DISTINCT FROM OLD.recipient_id
	   OR NEW.trigger IS DISTINCT FROM OLD.trigger
	   OR NEW.version IS DISTINCT FROM OLD.version
	   OR NEW.retention_until IS DISTINCT FROM OLD.retention_until
	   OR NEW.due_at IS DISTINCT FROM OLD.due_at
	   OR NEW.note IS DISTINCT FROM OLD.note
	   OR NEW.ordered_at IS DISTINCT FROM OLD.ordered_at
	   OR NEW.ordered_by IS DISTINCT FROM OLD.ordered_by
	   OR NEW.recorded_at IS DISTINCT FROM OLD.recorded_at
	   OR (OLD.escalated_at IS NOT NULL AND NEW.escalated_at IS DISTINCT FROM OLD.escalated_at) THEN
		RAISE EXCEPTION 'a destruction order cannot change, only its status can';
	END IF;
	IF OLD.status IN ('confirmed', 'cancelled') AND NEW.status <> OLD.status THEN
		RAISE EXCEPTION 'a % destruction order is final', OLD.status;
	END IF;
	IF OLD.status = 'overdue' AND NEW.status = 'open' THEN
		RAISE EXCEPTION 'an overdue destruction order cannot reopen';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER destruction_orders_guard BEFORE UPDATE OR DELETE ON destruction_orders
	FOR EACH ROW EXECUTE FUNCTION destruction_orders_guard();

-- A cancelled order frees its deliveries (after the update, so that the
-- deliveries' guard sees the order cancelled).
CREATE FUNCTION destruction_orders_release() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE destruction_order_deliveries SET active = false WHERE order_id = NEW.id;
	RETURN NULL;
END
$$;
CREATE TRIGGER destruction_orders_release AFTER UPDATE OF status ON destruction_orders
	FOR EACH ROW WHEN (NEW.status = 'cancelled' AND OLD.status <> 'cancelled')
	EXECUTE FUNCTION destruction_orders_release();

CREATE FUNCTION destruction_order_deliveries_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	o destruction_orders%ROWTYPE;
	d deliveries%ROWTYPE;
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'the deliveries of a destruction order cannot be removed';
	END IF;
	SELECT * INTO o FROM destruction_orders WHERE id = NEW.order_id;
	IF TG_OP = 'INSERT' THEN
		SELECT * INTO d FROM deliveries WHERE id = NEW.delivery_id;
		IF d.shipped_at IS NULL THEN
			RAISE EXCEPTION 'only shipped deliveries can be ordered destroyed';
		END IF;
		IF d.recipient_id <> o.recipient_id OR d.deliberation_ref <> o.deliberation_ref THEN
			RAISE EXCEPTION 'a delivery can only be in an order of its recipient and deliberation';
		END IF;
		IF o.status <> 'open' OR NOT NEW.active THEN
			RAISE EXCEPTION 'deliveries are only added to a new open order';
		END IF;
		RETURN NEW;
	END IF;
	IF NEW.order_id <> OLD.order_id OR NEW.delivery_id <> OLD.delivery_id
	   OR NEW.active AND NOT OLD.active
	   OR (OLD.active AND NOT NEW.active AND o.status <> 'cancelled') THEN
		RAISE EXCEPTION 'a delivery only leaves an order when the order is cancelled';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER destruction_order_deliveries_guard
	BEFORE INSERT OR UPDATE OR DELETE ON destruction_order_deliveries
	FOR EACH ROW EXECUTE FUNCTION destruction_order_deliveries_guard();

CREATE FUNCTION retention_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'recorded % rows are immutable (% refused)', TG_TABLE_NAME, TG_OP;
END
$$;
CREATE TRIGGER destruction_confirmations_no_change
	BEFORE UPDATE OR DELETE ON destruction_confirmations
	FOR EACH ROW EXECUTE FUNCTION retention_append_only();
CREATE TRIGGER destruction_certificates_no_change
	BEFORE UPDATE OR DELETE ON destruction_certificates
	FOR EACH ROW EXECUTE FUNCTION retention_append_only();
CREATE TRIGGER signing_certificates_no_change BEFORE UPDATE OR DELETE ON signing_certificates
	FOR EACH ROW EXECUTE FUNCTION retention_append_only();
CREATE TRIGGER destruction_reminders_no_change BEFORE UPDATE OR DELETE ON destruction_reminders
	FOR EACH ROW EXECUTE FUNCTION retention_append_only();
CREATE TRIGGER destruction_confirmations_no_truncate BEFORE TRUNCATE ON destruction_confirmations
	FOR EACH STATEMENT EXECUTE FUNCTION retention_append_only();
CREATE TRIGGER destruction_certificates_no_truncate BEFORE TRUNCATE ON destruction_certificates
	FOR EACH STATEMENT EXECUTE FUNCTION retention_append_only();
CREATE TRIGGER destruction_orders_no_truncate BEFORE TRUNCATE ON destruction_orders
	FOR EACH STATEMENT EXECUTE FUNCTION retention_append_only();
CREATE TRIGGER destruction_order_deliveries_no_truncate
	BEFORE TRUNCATE ON destruction_order_deliveries
	FOR EACH STATEMENT EXECUTE FUNCTION retention_append_only();
