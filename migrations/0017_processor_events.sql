-- Up Migration

-- What payment processors told ASPay after the fact (Stripe webhook events), one row per processor event id:
-- the row is inserted first, in the transaction that applies the event, so a repeated delivery inserts nothing
-- and changes nothing. `outcome` says what the event did (lambdas/core/domain/processor-events.ts).
CREATE TABLE processor_events (
  id           text PRIMARY KEY,
  processor    text NOT NULL CHECK (processor IN ('stripe')),
  mode         text NOT NULL CHECK (mode IN ('test', 'live')),
  type         text NOT NULL,
  -- The processor's object the event is about: a PaymentIntent, a Refund, a Dispute.
  object_id    text,
  payment_id   uuid REFERENCES payments (id),
  refund_id    uuid REFERENCES refunds (id),
  received_at  timestamptz NOT NULL DEFAULT now(),
  outcome      text NOT NULL CHECK (outcome IN ('received', 'applied', 'ignored', 'ignored_stale', 'unmatched',
                                                'dispute_recorded')),
  -- What ASPay keeps of an event it records without acting on it yet (a dispute's amount and reason).
  details      jsonb
);

-- `aspay payments show` and an operator read a payment's processor events.
CREATE INDEX processor_events_payment ON processor_events (payment_id) WHERE payment_id IS NOT NULL;

-- The processor events function (lambdas/functions/processor-events.ts) logs in as its own role, created as
-- in 0009 (NOLOGIN: the migrate function or the local stack lets it log in).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aspay_processor_events') THEN
    BEGIN
      CREATE ROLE aspay_processor_events NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- created at the same moment by another database's migration
    END;
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO aspay_processor_events', current_database());
END
$$;

-- It records each event, settles PENDING payments, executes, fails and reverses refunds, with their history
-- rows and events, as the bank processor does.
GRANT SELECT, INSERT, UPDATE ON processor_events TO aspay_processor_events;
GRANT SELECT, UPDATE ON payments, refunds TO aspay_processor_events;
GRANT INSERT ON payment_status_history, outbox TO aspay_processor_events;
GRANT USAGE ON SEQUENCE payment_status_history_id_seq, outbox_id_seq TO aspay_processor_events;

-- Down Migration
REVOKE ALL ON payments, refunds, payment_status_history, outbox FROM aspay_processor_events;
REVOKE ALL ON SEQUENCE payment_status_history_id_seq, outbox_id_seq FROM aspay_processor_events;
DROP TABLE processor_events;
DO $$
BEGIN
  EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM aspay_processor_events', current_database());
  -- The role stays when another database on the server still grants it something.
  BEGIN
    DROP ROLE aspay_processor_events;
  EXCEPTION WHEN dependent_objects_still_exist THEN
    NULL;
  END;
END
$$;
