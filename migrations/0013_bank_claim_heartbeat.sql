-- Up Migration

-- A bank-attempt claim becomes a short lease its holder renews while it works (docs/bank-processor.md):
-- bank_claim_holder names the holder (a random id per claim), so only it renews, defers or gives the claim
-- back, and bank_claim_expires_at is when another caller may take over. A holder that is gone stops renewing,
-- so its claim is taken over within about one lease, not after a lease as long as the longest bank call.
-- bank_attempt_started_at stays: when the claimed attempt began. The bank processor's and the sweeper's
-- table-wide UPDATE on payments and refunds (0009_function_roles.sql) covers the new columns.
ALTER TABLE payments ADD COLUMN bank_claim_holder uuid, ADD COLUMN bank_claim_expires_at timestamptz;
ALTER TABLE refunds ADD COLUMN bank_claim_holder uuid, ADD COLUMN bank_claim_expires_at timestamptz;

-- A claim taken before this migration keeps the lease it was taken with (the former default, 5 min): its
-- holder, running the former code, does not renew.
UPDATE payments SET bank_claim_expires_at = bank_attempt_started_at + interval '5 minutes'
  WHERE bank_attempt_started_at IS NOT NULL AND status = 'PENDING';
UPDATE refunds SET bank_claim_expires_at = bank_attempt_started_at + interval '5 minutes'
  WHERE bank_attempt_started_at IS NOT NULL AND status = 'PENDING';

-- Down Migration
ALTER TABLE refunds DROP COLUMN bank_claim_expires_at, DROP COLUMN bank_claim_holder;
ALTER TABLE payments DROP COLUMN bank_claim_expires_at, DROP COLUMN bank_claim_holder;
