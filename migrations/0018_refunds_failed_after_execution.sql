-- Up Migration

-- A processor may fail a refund it had accepted (Stripe: a `succeeded` or `pending` refund that later turns
-- `failed`, https://docs.stripe.com/refunds#failed-refunds). Such a refund goes EXECUTED → FAILED and keeps its
-- executed_at (when it was accepted) next to failed_at: the only new state. The payments guard (0005) already
-- lets the refunded amount shrink to the sum of the refunds that did not fail, so giving the amount back
-- needs no change there.
ALTER TABLE refunds
  DROP CONSTRAINT refunds_executed_status,
  ADD CONSTRAINT refunds_executed_status CHECK (
    CASE status WHEN 'EXECUTED' THEN executed_at IS NOT NULL
                WHEN 'PENDING' THEN executed_at IS NULL
                ELSE true END);

-- The refund lifecycle in the database, as for payments: PENDING → EXECUTED | FAILED, EXECUTED → FAILED.
-- FAILED is final, and nothing goes back to PENDING.
CREATE FUNCTION refunds_status_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
       (OLD.status = 'PENDING' AND NEW.status IN ('EXECUTED', 'FAILED'))
    OR (OLD.status = 'EXECUTED' AND NEW.status = 'FAILED')
  ) THEN
    RAISE EXCEPTION 'illegal refund transition % -> %', OLD.status, NEW.status USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER refunds_status_guard BEFORE UPDATE OF status ON refunds
  FOR EACH ROW EXECUTE FUNCTION refunds_status_guard();

-- The ledger reverses the reversal of such a refund: a journal entry of its own kind.
ALTER TABLE ledger.journal_entries
  DROP CONSTRAINT journal_entries_kind_check,
  ADD CONSTRAINT journal_entries_kind_check CHECK (kind IN ('payment', 'refund', 'refund_reversal'));

-- Down Migration
ALTER TABLE ledger.journal_entries
  DROP CONSTRAINT journal_entries_kind_check,
  ADD CONSTRAINT journal_entries_kind_check CHECK (kind IN ('payment', 'refund'));
DROP TRIGGER refunds_status_guard ON refunds;
DROP FUNCTION refunds_status_guard();
ALTER TABLE refunds
  DROP CONSTRAINT refunds_executed_status,
  ADD CONSTRAINT refunds_executed_status CHECK ((status = 'EXECUTED') = (executed_at IS NOT NULL));
