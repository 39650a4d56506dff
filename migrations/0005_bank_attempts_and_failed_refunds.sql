-- Up Migration

-- One bank call per payment at a time: a processor or sweeper claims the payment (bank_attempt_started_at)
-- before it calls the bank and releases the claim when it records the answer. A claim older than the lease
-- (a Lambda that died mid-call) may be taken over.
ALTER TABLE payments ADD COLUMN bank_attempt_started_at timestamptz;

-- Refunds get a visible outcome and the same bounded, claimed retries as payments.
ALTER TABLE refunds
  ADD COLUMN status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'EXECUTED', 'FAILED')),
  ADD COLUMN failure_reason text,
  ADD COLUMN failed_at timestamptz,
  ADD COLUMN bank_attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN next_bank_attempt_at timestamptz,
  ADD COLUMN bank_attempt_started_at timestamptz;

UPDATE refunds SET status = 'EXECUTED' WHERE executed_at IS NOT NULL;

ALTER TABLE refunds
  ADD CONSTRAINT refunds_executed_status CHECK ((status = 'EXECUTED') = (executed_at IS NOT NULL)),
  ADD CONSTRAINT refunds_failed_has_reason CHECK ((status = 'FAILED') = (failure_reason IS NOT NULL));

-- The sweeper reads only the refunds still waiting for the bank, ordered by their next attempt time.
CREATE INDEX refunds_pending ON refunds (next_bank_attempt_at, created_at) WHERE status = 'PENDING';

-- The lifecycle guard learns one correction: a refund the bank rejected gives its amount back. The refunded
-- amount may shrink, and REFUNDED may return to SUCCESS, only to the sum of the refunds that did not fail
-- (the refund row is marked FAILED first, in the same transaction).
CREATE OR REPLACE FUNCTION payments_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  refunds_standing numeric;
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.status <> 'INITIATED' THEN
      RAISE EXCEPTION 'a payment starts INITIATED, not %', NEW.status USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.id <> OLD.id OR NEW.merchant_id <> OLD.merchant_id OR NEW.amount <> OLD.amount
     OR NEW.currency <> OLD.currency OR NEW.idempotency_key <> OLD.idempotency_key
     OR NEW.created_at <> OLD.created_at THEN
    RAISE EXCEPTION 'payment % is immutable apart from its status and refunds', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.refunded_amount < OLD.refunded_amount THEN
    SELECT COALESCE(sum(amount), 0) INTO refunds_standing FROM refunds WHERE payment_id = OLD.id AND status <> 'FAILED';
    IF NEW.refunded_amount <> refunds_standing THEN
      RAISE EXCEPTION 'refunds of payment % cannot shrink but by a failed refund', OLD.id USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
       (OLD.status = 'INITIATED' AND NEW.status = 'PENDING')
    OR (OLD.status = 'PENDING' AND NEW.status IN ('SUCCESS', 'FAILED'))
    OR (OLD.status = 'SUCCESS' AND NEW.status = 'REFUNDED')
    OR (OLD.status = 'REFUNDED' AND NEW.status = 'SUCCESS' AND NEW.refunded_amount < OLD.refunded_amount)
  ) THEN
    RAISE EXCEPTION 'illegal payment transition % -> %', OLD.status, NEW.status USING ERRCODE = 'check_violation';
  END IF;
  NEW.version := OLD.version + 1;
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

-- Down Migration
CREATE OR REPLACE FUNCTION payments_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.status <> 'INITIATED' THEN
      RAISE EXCEPTION 'a payment starts INITIATED, not %', NEW.status USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.id <> OLD.id OR NEW.merchant_id <> OLD.merchant_id OR NEW.amount <> OLD.amount
     OR NEW.currency <> OLD.currency OR NEW.idempotency_key <> OLD.idempotency_key
     OR NEW.created_at <> OLD.created_at THEN
    RAISE EXCEPTION 'payment % is immutable apart from its status and refunds', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
       (OLD.status = 'INITIATED' AND NEW.status = 'PENDING')
    OR (OLD.status = 'PENDING' AND NEW.status IN ('SUCCESS', 'FAILED'))
    OR (OLD.status = 'SUCCESS' AND NEW.status = 'REFUNDED')
  ) THEN
    RAISE EXCEPTION 'illegal payment transition % -> %', OLD.status, NEW.status USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.refunded_amount < OLD.refunded_amount THEN
    RAISE EXCEPTION 'refunds of payment % cannot shrink', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  NEW.version := OLD.version + 1;
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;
DROP INDEX refunds_pending;
ALTER TABLE refunds
  DROP COLUMN bank_attempt_started_at, DROP COLUMN next_bank_attempt_at, DROP COLUMN bank_attempts,
  DROP COLUMN failed_at, DROP COLUMN failure_reason, DROP COLUMN status;
ALTER TABLE payments DROP COLUMN bank_attempt_started_at;
