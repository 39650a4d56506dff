-- Up Migration

-- The ledger: an append-only, double-entry journal in its own schema. One ledger per currency: an entry and
-- all its postings share one currency.
CREATE SCHEMA ledger;

CREATE TABLE ledger.accounts (
  id          text PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('customer_funds', 'merchant_payable')),
  merchant_id text,
  currency    char(3) NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT accounts_owner CHECK ((kind = 'merchant_payable') = (merchant_id IS NOT NULL))
);

CREATE TABLE ledger.journal_entries (
  id          uuid PRIMARY KEY,
  -- Idempotency per event: a redelivered event can never post twice.
  event_id    uuid NOT NULL UNIQUE,
  kind        text NOT NULL CHECK (kind IN ('payment', 'refund')),
  payment_id  uuid NOT NULL,
  merchant_id text NOT NULL,
  currency    char(3) NOT NULL,
  description text NOT NULL,
  posted_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX journal_entries_by_payment ON ledger.journal_entries (payment_id);

CREATE TABLE ledger.postings (
  id         bigserial PRIMARY KEY,
  entry_id   uuid NOT NULL REFERENCES ledger.journal_entries (id),
  account_id text NOT NULL REFERENCES ledger.accounts (id),
  direction  text NOT NULL CHECK (direction IN ('debit', 'credit')),
  amount     numeric(22, 4) NOT NULL CHECK (amount > 0),
  currency   char(3) NOT NULL
);

CREATE INDEX postings_by_account ON ledger.postings (account_id);

-- Merchants whose ledger accounts are frozen: postings for them fail and the saga compensates.
CREATE TABLE ledger.frozen_merchants (
  merchant_id text PRIMARY KEY,
  reason      text NOT NULL,
  frozen_at   timestamptz NOT NULL DEFAULT now()
);

-- Postings the ledger refused (e.g. frozen merchant), each reported once as a ledger.posting_failed event.
CREATE TABLE ledger.posting_failures (
  failed_event_id   uuid PRIMARY KEY,
  payment_id        uuid NOT NULL,
  reason            text NOT NULL,
  reported_event_id uuid NOT NULL,
  failed_at         timestamptz NOT NULL DEFAULT now()
);

-- Append-only, enforced by the database: no UPDATE, DELETE or TRUNCATE of the journal, whoever asks.
CREATE FUNCTION ledger.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the ledger is append-only: % on % is refused', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON ledger.journal_entries
  FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change();
CREATE TRIGGER journal_entries_no_truncate BEFORE TRUNCATE ON ledger.journal_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_change();
CREATE TRIGGER postings_append_only BEFORE UPDATE OR DELETE ON ledger.postings
  FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change();
CREATE TRIGGER postings_no_truncate BEFORE TRUNCATE ON ledger.postings
  FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON ledger.journal_entries, ledger.postings FROM PUBLIC;

-- Every entry balances (debits = credits), has postings on both sides and one currency: checked at COMMIT,
-- after all of the entry's postings are written, by a deferred constraint trigger.
CREATE FUNCTION ledger.check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE CONSTRAINT TRIGGER journal_entries_balanced AFTER INSERT ON ledger.journal_entries
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger.check_entry_balanced();
CREATE CONSTRAINT TRIGGER postings_balanced AFTER INSERT ON ledger.postings
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger.check_entry_balanced();

-- Bank execution of refunds (API refunds and saga compensations alike).
ALTER TABLE refunds
  ADD COLUMN kind text NOT NULL DEFAULT 'merchant' CHECK (kind IN ('merchant', 'compensation')),
  ADD COLUMN bank_refund_id text,
  ADD COLUMN executed_at timestamptz;

-- Webhooks: where each merchant listens, and the secret its deliveries are signed with.
ALTER TABLE merchants
  ADD COLUMN webhook_url text,
  ADD COLUMN webhook_secret text;

-- One delivery record per event: the exactly-once backstop and the visible trace of every webhook.
CREATE TABLE webhook_deliveries (
  event_id     uuid PRIMARY KEY,
  merchant_id  text NOT NULL REFERENCES merchants (id),
  payment_id   uuid NOT NULL,
  event_type   text NOT NULL,
  url          text NOT NULL,
  status       text NOT NULL CHECK (status IN ('delivered', 'failed')),
  attempts     integer NOT NULL,
  response_status integer,
  last_error   text,
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX webhook_deliveries_by_payment ON webhook_deliveries (payment_id);

-- Down Migration
DROP TABLE webhook_deliveries;
ALTER TABLE merchants DROP COLUMN webhook_secret, DROP COLUMN webhook_url;
ALTER TABLE refunds DROP COLUMN executed_at, DROP COLUMN bank_refund_id, DROP COLUMN kind;
DROP SCHEMA ledger CASCADE;
