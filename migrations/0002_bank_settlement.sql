-- Up Migration

-- What the bank processor needs: the bank's charge id, and when a payment left PENDING (bank unavailable,
-- breaker open, outcome unknown) is due for another attempt.
ALTER TABLE payments
  ADD COLUMN bank_charge_id text,
  ADD COLUMN bank_attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN next_bank_attempt_at timestamptz;

CREATE INDEX payments_pending_due ON payments (next_bank_attempt_at) WHERE status = 'PENDING';

-- Down Migration
DROP INDEX payments_pending_due;
ALTER TABLE payments DROP COLUMN next_bank_attempt_at, DROP COLUMN bank_attempts, DROP COLUMN bank_charge_id;
