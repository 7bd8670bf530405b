-- 0006_credentials: credentials get an optional expiry and a last-used time
-- (contract "Authority").  A token past expires_at is refused like a revoked one;
-- last_used_at is kept to the minute (the lookup writes at most once a minute per
-- credential).  A recipient credential must name a registered recipient: recipients
-- live in 0002, so the foreign key is added here (NOT VALID keeps any older rows
-- as they are; new and changed rows are checked).
ALTER TABLE credentials ADD COLUMN expires_at timestamptz;
ALTER TABLE credentials ADD COLUMN last_used_at timestamptz;
ALTER TABLE credentials ADD CONSTRAINT credentials_recipient_fk
  FOREIGN KEY (recipient) REFERENCES recipients (id) NOT VALID;
