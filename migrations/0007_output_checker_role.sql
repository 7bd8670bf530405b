-- 0007_output_checker_role: credentials may hold the role `output_checker`, the
-- people who review what leaves the secure room in phase 2 (21/128 point 19;
-- docs/output-checking.md).  The column's CHECK of 0001 is replaced, not edited,
-- because applied migrations are checksummed.
ALTER TABLE credentials DROP CONSTRAINT credentials_role_check;
ALTER TABLE credentials ADD CONSTRAINT credentials_role_check
  CHECK (role IN ('governance', 'delivery', 'recipient', 'auditor', 'output_checker'));
