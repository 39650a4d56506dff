-- Up Migration

-- Test and live mode, as Stripe has them: one merchant, one API key per mode, and every object a key creates
-- (payments, refunds, ledger entries) belongs to the key's mode for good. A key's prefix names its mode
-- (sk_test_ / sk_live_), and the stored prefix must agree with the column it sits in.
ALTER TABLE merchants
  ADD COLUMN test_api_key_hash text UNIQUE,
  ADD COLUMN test_api_key_prefix text,
  ADD COLUMN live_api_key_hash text UNIQUE,
  ADD COLUMN live_api_key_prefix text;

-- Until now a merchant had one key: it becomes the key of the mode its prefix names.
UPDATE merchants SET test_api_key_hash = api_key_hash, test_api_key_prefix = api_key_prefix
  WHERE api_key_prefix LIKE 'sk\_test\_%';
UPDATE merchants SET live_api_key_hash = api_key_hash, live_api_key_prefix = api_key_prefix
  WHERE api_key_prefix NOT LIKE 'sk\_test\_%';

ALTER TABLE merchants
  DROP COLUMN api_key_hash,
  DROP COLUMN api_key_prefix,
  ADD CONSTRAINT merchants_test_key CHECK ((test_api_key_hash IS NULL) = (test_api_key_prefix IS NULL)
    AND (test_api_key_prefix IS NULL OR test_api_key_prefix LIKE 'sk\_test\_%')),
  ADD CONSTRAINT merchants_live_key CHECK ((live_api_key_hash IS NULL) = (live_api_key_prefix IS NULL)
    AND (live_api_key_prefix IS NULL OR live_api_key_prefix LIKE 'sk\_live\_%')),
  ADD CONSTRAINT merchants_have_a_key CHECK (test_api_key_hash IS NOT NULL OR live_api_key_hash IS NOT NULL);

-- A payment's mode is the mode of the key that created it. Existing payments were all created with their
-- merchant's one key, so that key's mode is theirs: exact, where a blanket "test" would hide real payments
-- from the live key that made them and send their refunds to the sandbox.
ALTER TABLE payments ADD COLUMN mode text NOT NULL DEFAULT 'test' CHECK (mode IN ('test', 'live'));
ALTER TABLE refunds ADD COLUMN mode text NOT NULL DEFAULT 'test' CHECK (mode IN ('test', 'live'));
-- Set aside the lifecycle guard for this backfill: it would bump every payment's version without an event.
ALTER TABLE payments DISABLE TRIGGER payments_guard;
UPDATE payments p SET mode = 'live' FROM merchants m WHERE m.id = p.merchant_id AND m.live_api_key_hash IS NOT NULL;
ALTER TABLE payments ENABLE TRIGGER payments_guard;
UPDATE refunds r SET mode = p.mode FROM payments p WHERE p.id = r.payment_id;
-- Every insert names its mode: no default can silently put a payment in the wrong one.
ALTER TABLE payments ALTER COLUMN mode DROP DEFAULT;
ALTER TABLE refunds ALTER COLUMN mode DROP DEFAULT;

-- Idempotency keys are scoped per mode: the same key in test and in live names two requests.
ALTER TABLE payments
  DROP CONSTRAINT payments_idempotency_key,
  ADD CONSTRAINT payments_idempotency_key UNIQUE (merchant_id, mode, idempotency_key);
ALTER TABLE refunds
  DROP CONSTRAINT refunds_idempotency_key,
  ADD CONSTRAINT refunds_idempotency_key UNIQUE (merchant_id, mode, idempotency_key);

DROP INDEX payments_by_merchant_newest;
CREATE INDEX payments_by_merchant_newest ON payments (merchant_id, mode, created_at DESC, id DESC);

-- A payment never changes mode (the lifecycle guard covers the other immutable columns).
CREATE FUNCTION payments_mode_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'payment % cannot change mode', OLD.id USING ERRCODE = 'check_violation';
END;
$$;
CREATE TRIGGER payments_mode_immutable BEFORE UPDATE OF mode ON payments
  FOR EACH ROW WHEN (NEW.mode IS DISTINCT FROM OLD.mode) EXECUTE FUNCTION payments_mode_immutable();

-- The ledger keeps the modes apart: an entry has the mode of its payment, and its postings may only touch
-- accounts of that mode (new account ids name the mode, so an account never mixes them).
ALTER TABLE ledger.journal_entries ADD COLUMN mode text CHECK (mode IN ('test', 'live'));
ALTER TABLE ledger.accounts ADD COLUMN mode text CHECK (mode IN ('test', 'live'));
-- The journal is append-only (its triggers refuse UPDATE): they are set aside for this one backfill.
ALTER TABLE ledger.journal_entries DISABLE TRIGGER journal_entries_append_only;
UPDATE ledger.journal_entries e SET mode = p.mode FROM payments p WHERE p.id = e.payment_id;
UPDATE ledger.journal_entries SET mode = 'test' WHERE mode IS NULL;
ALTER TABLE ledger.journal_entries ENABLE TRIGGER journal_entries_append_only;
UPDATE ledger.accounts a SET mode = CASE WHEN EXISTS (
    SELECT 1 FROM ledger.postings p JOIN ledger.journal_entries e ON e.id = p.entry_id
    WHERE p.account_id = a.id AND e.mode = 'live') THEN 'live' ELSE 'test' END;
ALTER TABLE ledger.journal_entries ALTER COLUMN mode SET NOT NULL;
ALTER TABLE ledger.accounts ALTER COLUMN mode SET NOT NULL;

CREATE OR REPLACE FUNCTION ledger.check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  target uuid;
  debits numeric;
  credits numeric;
  mixed boolean;
  crossed boolean;
BEGIN
  IF TG_TABLE_NAME = 'postings' THEN
    target := NEW.entry_id;
  ELSE
    target := NEW.id;
  END IF;
  SELECT COALESCE(sum(p.amount) FILTER (WHERE p.direction = 'debit'), 0),
         COALESCE(sum(p.amount) FILTER (WHERE p.direction = 'credit'), 0),
         bool_or(p.currency <> e.currency),
         bool_or(a.mode <> e.mode)
    INTO debits, credits, mixed, crossed
    FROM ledger.journal_entries e
    LEFT JOIN ledger.postings p ON p.entry_id = e.id
    LEFT JOIN ledger.accounts a ON a.id = p.account_id
   WHERE e.id = target;
  IF debits = 0 OR debits <> credits THEN
    RAISE EXCEPTION 'journal entry % is unbalanced: debits %, credits %', target, debits, credits
      USING ERRCODE = 'check_violation';
  END IF;
  IF mixed THEN
    RAISE EXCEPTION 'journal entry % mixes currencies', target USING ERRCODE = 'check_violation';
  END IF;
  IF crossed THEN
    RAISE EXCEPTION 'journal entry % posts to an account of the other mode', target USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$;

-- Events still waiting in the outbox learn their payment's mode (the event contract's `livemode`).
UPDATE outbox o SET payload = o.payload || jsonb_build_object('livemode', p.mode = 'live')
  FROM payments p WHERE p.id = o.aggregate_id AND o.published_at IS NULL;

-- Down Migration
-- Fails (unique violation) once a merchant used one idempotency key in both modes: the schema without modes
-- cannot hold both payments, and dropping either would lose one.
CREATE OR REPLACE FUNCTION ledger.check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  target uuid;
  debits numeric;
  credits numeric;
  mixed boolean;
BEGIN
  IF TG_TABLE_NAME = 'postings' THEN
    target := NEW.entry_id;
  ELSE
    target := NEW.id;
  END IF;
  SELECT COALESCE(sum(p.amount) FILTER (WHERE p.direction = 'debit'), 0),
         COALESCE(sum(p.amount) FILTER (WHERE p.direction = 'credit'), 0),
         bool_or(p.currency <> e.currency)
    INTO debits, credits, mixed
    FROM ledger.journal_entries e LEFT JOIN ledger.postings p ON p.entry_id = e.id
   WHERE e.id = target;
  IF debits = 0 OR debits <> credits THEN
    RAISE EXCEPTION 'journal entry % is unbalanced: debits %, credits %', target, debits, credits
      USING ERRCODE = 'check_violation';
  END IF;
  IF mixed THEN
    RAISE EXCEPTION 'journal entry % mixes currencies', target USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$;
ALTER TABLE ledger.accounts DROP COLUMN mode;
ALTER TABLE ledger.journal_entries DROP COLUMN mode;
DROP TRIGGER payments_mode_immutable ON payments;
DROP FUNCTION payments_mode_immutable();
DROP INDEX payments_by_merchant_newest;
CREATE INDEX payments_by_merchant_newest ON payments (merchant_id, created_at DESC, id DESC);
ALTER TABLE refunds
  DROP CONSTRAINT refunds_idempotency_key,
  ADD CONSTRAINT refunds_idempotency_key UNIQUE (merchant_id, idempotency_key);
ALTER TABLE payments
  DROP CONSTRAINT payments_idempotency_key,
  ADD CONSTRAINT payments_idempotency_key UNIQUE (merchant_id, idempotency_key);
ALTER TABLE refunds DROP COLUMN mode;
ALTER TABLE payments DROP COLUMN mode;
-- A merchant keeps one key: its live key if it has one, else its test key.
ALTER TABLE merchants ADD COLUMN api_key_hash text UNIQUE, ADD COLUMN api_key_prefix text;
UPDATE merchants SET api_key_hash = COALESCE(live_api_key_hash, test_api_key_hash),
  api_key_prefix = COALESCE(live_api_key_prefix, test_api_key_prefix);
ALTER TABLE merchants
  ALTER COLUMN api_key_hash SET NOT NULL,
  ALTER COLUMN api_key_prefix SET NOT NULL,
  DROP COLUMN test_api_key_hash,
  DROP COLUMN test_api_key_prefix,
  DROP COLUMN live_api_key_hash,
  DROP COLUMN live_api_key_prefix;
