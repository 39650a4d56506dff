-- Up Migration

-- A refund moves its payment when the bank executes it, no longer when it is asked for. A payment keeps two
-- totals: refunded_amount, what its EXECUTED refunds add up to, and pending_refund_amount, what its PENDING
-- refunds add up to (recorded, not yet executed). Both count against the amount, so pending refunds can never
-- let the refunds exceed it; only refunded_amount makes a payment REFUNDED.
ALTER TABLE payments ADD COLUMN pending_refund_amount numeric(22, 4) NOT NULL DEFAULT 0;

-- The guard now holds both totals to the refunds themselves: whenever either changes, each must equal the sum
-- of the payment's refunds in its state. So a refund's row is written before its payment's, in one
-- transaction. REFUNDED → SUCCESS stays the one correction, for an executed refund the processor failed later.
CREATE OR REPLACE FUNCTION payments_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  executed_total numeric;
  pending_total numeric;
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
  IF NEW.refunded_amount <> OLD.refunded_amount OR NEW.pending_refund_amount <> OLD.pending_refund_amount THEN
    SELECT COALESCE(sum(amount) FILTER (WHERE status = 'EXECUTED'), 0),
           COALESCE(sum(amount) FILTER (WHERE status = 'PENDING'), 0)
      INTO executed_total, pending_total
      FROM refunds WHERE payment_id = OLD.id;
    IF NEW.refunded_amount <> executed_total OR NEW.pending_refund_amount <> pending_total THEN
      RAISE EXCEPTION 'refunds of payment % must total its executed (%) and pending (%) refunds', OLD.id,
        executed_total, pending_total USING ERRCODE = 'check_violation';
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

-- Today's payments carried over: what their pending refunds held moves from refunded_amount to
-- pending_refund_amount, and a payment REFUNDED by refunds the bank has not all executed is SUCCESS until it
-- does (its history says why).
WITH totals AS (
  SELECT r.payment_id, p.status AS status_before,
         COALESCE(sum(r.amount) FILTER (WHERE r.status = 'EXECUTED'), 0) AS executed_total,
         COALESCE(sum(r.amount) FILTER (WHERE r.status = 'PENDING'), 0) AS pending_total
    FROM refunds r JOIN payments p ON p.id = r.payment_id
   GROUP BY r.payment_id, p.status
), moved AS (
  UPDATE payments p
     SET refunded_amount = t.executed_total, pending_refund_amount = t.pending_total,
         status = CASE WHEN t.executed_total = p.amount THEN 'REFUNDED' ELSE 'SUCCESS' END
    FROM totals t
   WHERE p.id = t.payment_id AND t.pending_total > 0
  RETURNING p.id, t.status_before, p.status
)
INSERT INTO payment_status_history (payment_id, from_status, to_status, reason)
SELECT id, 'REFUNDED', 'SUCCESS', 'refunded once the bank executes its pending refunds'
  FROM moved WHERE status_before = 'REFUNDED' AND status = 'SUCCESS';

ALTER TABLE payments
  DROP CONSTRAINT payments_refund_bounds,
  ADD CONSTRAINT payments_refund_bounds CHECK (
    refunded_amount >= 0 AND pending_refund_amount >= 0 AND refunded_amount + pending_refund_amount <= amount),
  DROP CONSTRAINT payments_refund_only_after_success,
  ADD CONSTRAINT payments_refund_only_after_success CHECK (
    (refunded_amount = 0 AND pending_refund_amount = 0) OR status IN ('SUCCESS', 'REFUNDED'));

-- Down Migration
ALTER TABLE payments DISABLE TRIGGER payments_guard;
UPDATE payments
   SET refunded_amount = refunded_amount + pending_refund_amount,
       status = CASE WHEN refunded_amount + pending_refund_amount = amount THEN 'REFUNDED' ELSE status END
 WHERE pending_refund_amount > 0;
ALTER TABLE payments ENABLE TRIGGER payments_guard;
ALTER TABLE payments
  DROP CONSTRAINT payments_refund_bounds,
  ADD CONSTRAINT payments_refund_bounds CHECK (refunded_amount >= 0 AND refunded_amount <= amount),
  DROP CONSTRAINT payments_refund_only_after_success,
  ADD CONSTRAINT payments_refund_only_after_success CHECK (refunded_amount = 0 OR status IN ('SUCCESS', 'REFUNDED'));
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
ALTER TABLE payments DROP COLUMN pending_refund_amount;
