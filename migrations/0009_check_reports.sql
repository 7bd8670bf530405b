-- 0009_check_reports: the report of every recorded check, as POST /v1/checks
-- answered it, and the Idempotency-Key it was submitted with.
--
-- GET /v1/checks/{id} answers from here, so that a check that outlived its
-- request (a client that gave up, `Prefer: respond-async`) stays retrievable with
-- its full report.  A retried POST with the same credential and key finds the
-- check here instead of recording a second one; the request fingerprint (SHA-256
-- of the parameters and the extract, or of the staged file's name and identity)
-- tells a true retry from a different request reusing the key.  The report holds
-- rule ids, lines, fields, counts and header names as echoed to the client, never
-- a cell value.  Written in the check's own transaction, never changed.

CREATE TABLE check_reports (
	check_id bigint PRIMARY KEY REFERENCES deliveries (id),
	checked_by text NOT NULL,
	idempotency_key text CHECK (idempotency_key ~ '^[!-~]{1,255}$'),
	request_sha256 text CHECK (request_sha256 ~ '^[0-9a-f]{64}$'),
	report json NOT NULL CHECK (json_typeof(report) = 'object'), -- json: the answer's bytes as sent
	CONSTRAINT check_reports_key_fingerprint
		CHECK ((idempotency_key IS NULL) = (request_sha256 IS NULL))
);
CREATE UNIQUE INDEX check_reports_idempotency ON check_reports (checked_by, idempotency_key)
	WHERE idempotency_key IS NOT NULL;
