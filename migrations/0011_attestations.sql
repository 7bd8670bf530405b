-- 0011_attestations: "still needed?"  Each year on the anniversary of a recipient's
-- first shipped delivery under a deliberation, deliberd asks the recipient to attest
-- that the data are still needed for the purpose.  An answer false makes a
-- no-longer-needed order; no answer within 30 days is escalated to governance.

-- One row per (recipient, deliberation) that has shipped anything, with the Brussels
-- date of the first shipment: kept by a trigger, so that the scheduler reads these
-- few rows rather than every delivery.
CREATE TABLE shipment_scopes (
	recipient_id text NOT NULL,
	deliberation_ref text NOT NULL REFERENCES deliberations (reference),
	first_shipped_on date NOT NULL,
	PRIMARY KEY (recipient_id, deliberation_ref)
);

CREATE FUNCTION shipment_scopes_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.shipped_at IS NOT NULL THEN
		INSERT INTO shipment_scopes (recipient_id, deliberation_ref, first_shipped_on)
		VALUES (NEW.recipient_id, NEW.deliberation_ref,
		        (NEW.shipped_at AT TIME ZONE 'Europe/Brussels')::date)
		ON CONFLICT (recipient_id, deliberation_ref) DO UPDATE
		SET first_shipped_on = EXCLUDED.first_shipped_on
		-- only an earlier date writes: no new row version per shipment (a bulk
		-- insert in one transaction would otherwise walk ever longer chains)
		WHERE shipment_scopes.first_shipped_on > EXCLUDED.first_shipped_on;
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER shipment_scopes_track AFTER INSERT OR UPDATE OF shipped_at ON deliveries
	FOR EACH ROW EXECUTE FUNCTION shipment_scopes_track();

INSERT INTO shipment_scopes (recipient_id, deliberation_ref, first_shipped_on)
SELECT recipient_id, deliberation_ref, min((shipped_at AT TIME ZONE 'Europe/Brussels')::date)
FROM deliveries WHERE shipped_at IS NOT NULL GROUP BY 1, 2;

CREATE TABLE attestations (
	id bigserial PRIMARY KEY,
	deliberation_ref text NOT NULL REFERENCES deliberations (reference),
	recipient_id text NOT NULL,
	anniversary date NOT NULL, -- the Brussels date the question was due
	asked_at timestamptz NOT NULL,
	due_at timestamptz NOT NULL, -- unanswered by then: escalated
	answered_at timestamptz,
	answered_by text,
	still_needed boolean,
	note text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
	order_id bigint REFERENCES destruction_orders (id),
	escalated_at timestamptz,
	UNIQUE (recipient_id, deliberation_ref, anniversary),
	CHECK ((answered_at IS NULL) = (still_needed IS NULL)),
	CHECK ((answered_at IS NULL) = (answered_by IS NULL))
);
CREATE INDEX attestations_unanswered ON attestations (due_at)
	WHERE answered_at IS NULL AND escalated_at IS NULL;

-- An answer is given once; an escalation is recorded once.
CREATE FUNCTION attestations_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'attestations cannot be deleted';
	END IF;
	IF NEW.id <> OLD.id OR NEW.deliberation_ref <> OLD.deliberation_ref
	   OR NEW.recipient_id <> OLD.recipient_id OR NEW.anniversary <> OLD.anniversary
	   OR NEW.asked_at <> OLD.asked_at OR NEW.due_at <> OLD.due_at
	   OR (OLD.answered_at IS NOT NULL AND (NEW.answered_at IS DISTINCT FROM OLD.answered_at
	       OR NEW.still_needed IS DISTINCT FROM OLD.still_needed OR NEW.note <> OLD.note
	       OR NEW.order_id IS DISTINCT FROM OLD.order_id))
	   OR (OLD.escalated_at IS NOT NULL AND NEW.escalated_at IS DISTINCT FROM OLD.escalated_at) THEN
		RAISE EXCEPTION 'an attestation is answered once and escalated once';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER attestations_guard BEFORE UPDATE OR DELETE ON attestations
	FOR EACH ROW EXECUTE FUNCTION attestations_guard();
