-- 0005_time: the deliberation's time, not the caller's (issue 10), and legal
-- holds (issue 11 item 2).
--
--   * deliveries made before deliberd are registered as imported (source);
--   * destruction orders fall due at D+1 00:00 Europe/Brussels with no grace:
--     the order's due_at may be re-planned while it is live (a hold released
--     after its due_at passed, this migration), never once it is final;
--   * reminders before an order's due_at are recorded per order (before_due);
--   * legal holds suspend destruction of the deliveries of a deliberation (and
--     optionally one recipient) until released;
--   * open no-longer-needed orders, which were due at once (plus a grace
--     period), are re-planned: due 30 days (retention.no_longer_needed_days'
--     default) after they were made, never after the deadline's due_at.

ALTER TABLE deliveries
	ADD COLUMN source text NOT NULL DEFAULT 'checked' CHECK (source IN ('checked', 'imported')),
	ADD COLUMN note text NOT NULL DEFAULT '' CHECK (length(note) <= 1000);
-- An imported delivery is a record of a past shipment: passed and shipped from the start.
ALTER TABLE deliveries ADD CONSTRAINT deliveries_imported_shipped
	CHECK (source <> 'imported' OR (verdict = 'pass' AND shipped_at IS NOT NULL));
CREATE INDEX deliveries_shipped_scope ON deliveries (recipient_id, deliberation_ref)
	WHERE shipped_at IS NOT NULL;

-- Live orders by due_at: what the round's reminder and overdue steps read (an
-- index range, not a scan of deliveries).
CREATE INDEX destruction_orders_live_due ON destruction_orders (due_at)
	WHERE status IN ('open', 'overdue');
CREATE INDEX destruction_orders_scope ON destruction_orders (recipient_id, deliberation_ref)
	WHERE status IN ('open', 'overdue');

-- Reminders before an order's due_at.
ALTER TABLE destruction_reminders DROP CONSTRAINT destruction_reminders_kind_check;
ALTER TABLE destruction_reminders DROP CONSTRAINT destruction_reminders_check;
ALTER TABLE destruction_reminders DROP CONSTRAINT destruction_reminders_check1;
ALTER TABLE destruction_reminders
	ADD CONSTRAINT destruction_reminders_kind_check
		CHECK (kind IN ('before_deadline', 'before_due', 'after_due')),
	ADD CONSTRAINT destruction_reminders_before_deadline_shape
		CHECK ((kind = 'before_deadline') = (retention_until IS NOT NULL AND order_id IS NULL)),
	ADD CONSTRAINT destruction_reminders_order_shape
		CHECK ((kind IN ('before_due', 'after_due')) = (order_id IS NOT NULL));
CREATE UNIQUE INDEX destruction_reminders_before_due
	ON destruction_reminders (order_id, days) WHERE kind = 'before_due';

-- due_at may move while the order is live (and only then).
CREATE OR REPLACE FUNCTION destruction_orders_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
	   OR (NEW.due_at IS DISTINCT FROM OLD.due_at AND OLD.status NOT IN ('open', 'overdue'))
	   OR NEW.note IS DISTINCT FROM OLD.note
	   OR NEW.ordered_at IS DISTINCT FROM OLD.ordered_at
	   OR NEW.ordered_by IS DISTINCT FROM OLD.ordered_by
	   OR NEW.recorded_at IS DISTINCT FROM OLD.recorded_at
	   OR (OLD.escalated_at IS NOT NULL AND NEW.escalated_at IS DISTINCT FROM OLD.escalated_at) THEN
		RAISE EXCEPTION 'a destruction order cannot change, only its status (and a live order''s due_at) can';
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

-- Legal holds: while one is live (not released), destruction of the deliveries it
-- covers is suspended.
CREATE TABLE legal_holds (
	id bigserial PRIMARY KEY,
	deliberation_ref text NOT NULL REFERENCES deliberations (reference),
	recipient_id text CHECK (recipient_id ~ '^[a-z0-9][a-z0-9._-]{0,62}$'), -- NULL: every recipient
	reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
	reference text NOT NULL DEFAULT '' CHECK (length(reference) <= 200),
	created_at timestamptz NOT NULL,
	created_by text NOT NULL,
	released_at timestamptz,
	released_by text,
	release_reason text CHECK (length(release_reason) BETWEEN 1 AND 1000),
	CHECK ((released_at IS NULL) = (released_by IS NULL)),
	CHECK ((released_at IS NULL) = (release_reason IS NULL))
);
CREATE INDEX legal_holds_live ON legal_holds (deliberation_ref) WHERE released_at IS NULL;

CREATE FUNCTION legal_holds_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'legal holds cannot be deleted';
	END IF;
	IF OLD.released_at IS NOT NULL
	   OR NEW.id <> OLD.id OR NEW.deliberation_ref <> OLD.deliberation_ref
	   OR NEW.recipient_id IS DISTINCT FROM OLD.recipient_id OR NEW.reason <> OLD.reason
	   OR NEW.reference <> OLD.reference OR NEW.created_at <> OLD.created_at
	   OR NEW.created_by <> OLD.created_by THEN
		RAISE EXCEPTION 'a legal hold only changes by being released, once';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER legal_holds_guard BEFORE UPDATE OR DELETE ON legal_holds
	FOR EACH ROW EXECUTE FUNCTION legal_holds_guard();

-- Is destruction for this recipient under this deliberation held at instant t?
CREATE FUNCTION retention_on_hold(ref text, recipient text, t timestamptz)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT 1 FROM legal_holds h
		WHERE h.deliberation_ref = ref
		  AND (h.recipient_id IS NULL OR h.recipient_id = recipient)
		  AND h.created_at <= t AND (h.released_at IS NULL OR h.released_at > t))
$$;

-- Open no-longer-needed orders were due at once: now due no_longer_needed_days
-- (default 30) after they were made, never after the deadline's due_at.
UPDATE destruction_orders o
SET due_at = LEAST(
	((o.ordered_at AT TIME ZONE 'Europe/Brussels') + interval '30 days') AT TIME ZONE 'Europe/Brussels',
	coalesce((SELECT dl.due_at FROM retention_deadlines(o.ordered_at) dl
	          WHERE dl.reference = o.deliberation_ref), 'infinity'))
WHERE o.trigger = 'no_longer_needed' AND o.status = 'open';
