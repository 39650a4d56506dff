-- Up Migration

-- One database role per function kind, holding only what its code does (lambdas/core/config/database-roles.ts
-- maps functions to roles). The migrator (the role that runs these migrations) owns every table, sequence and
-- function; a function role owns nothing, so it cannot ALTER, DISABLE or DROP a trigger, and it holds no
-- TRUNCATE, TRIGGER or REFERENCES. Rule for later migrations: a new table or sequence is granted here-style,
-- explicitly, to the roles whose code uses it (no default privileges); test/integration/postgres/
-- function-roles.test.ts fails on a table no function role may use.
--
-- Roles belong to the whole server, not to this database: another database on it may have created them.
-- They are created NOLOGIN, with no password: whoever provisions credentials (the migrate function from each
-- role's secret in AWS, the local stack locally) lets them log in; no password is ever in a migration.
DO $$
DECLARE
  function_role text;
BEGIN
  FOREACH function_role IN ARRAY ARRAY['aspay_api', 'aspay_onboarding', 'aspay_relay', 'aspay_bank_processor',
                                       'aspay_ledger', 'aspay_notifier', 'aspay_sweeper'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = function_role) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT', function_role);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL; -- created at the same moment by another database's migration
      END;
    END IF;
  END LOOP;
END
$$;

-- Only the roles granted here reach this database; PUBLIC keeps neither CONNECT nor temporary tables, nor
-- CREATE in a schema (PostgreSQL 15+ already revokes the latter on public).
DO $$
BEGIN
  EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format(
    'GRANT CONNECT ON DATABASE %I TO aspay_api, aspay_onboarding, aspay_relay, aspay_bank_processor, '
    'aspay_ledger, aspay_notifier, aspay_sweeper', current_database());
END
$$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA ledger TO aspay_api, aspay_ledger;

-- The authorizer and the payment API: merchants by key hash, payments, refunds, their history and events,
-- and the balance from the ledger.
GRANT SELECT ON merchants TO aspay_api;
GRANT SELECT, INSERT, UPDATE ON payments TO aspay_api;
GRANT SELECT, INSERT ON payment_status_history, refunds TO aspay_api;
GRANT INSERT ON outbox TO aspay_api;
GRANT USAGE ON SEQUENCE payment_status_history_id_seq, outbox_id_seq TO aspay_api;
GRANT SELECT ON ledger.accounts, ledger.postings TO aspay_api;

-- create-merchant registers merchants and reads nothing.
GRANT INSERT ON merchants TO aspay_onboarding;

-- The outbox relay claims, marks published and prunes.
GRANT SELECT, UPDATE, DELETE ON outbox TO aspay_relay;

-- The bank processor: settles payments, executes refunds, records the saga's compensating refunds.
GRANT SELECT, UPDATE ON payments TO aspay_bank_processor;
GRANT SELECT, INSERT, UPDATE ON refunds TO aspay_bank_processor;
GRANT INSERT ON payment_status_history, outbox TO aspay_bank_processor;
GRANT USAGE ON SEQUENCE payment_status_history_id_seq, outbox_id_seq TO aspay_bank_processor;

-- The ledger posts (append-only: INSERT, never UPDATE or DELETE) and reports refused postings as events.
-- Reporting locks the payment's row FOR SHARE, which PostgreSQL allows only with UPDATE on a column
-- (https://www.postgresql.org/docs/current/sql-select.html#SQL-FOR-UPDATE-SHARE): updated_at, which the
-- lifecycle guard overwrites, so the ledger can change nothing of a payment.
GRANT SELECT, INSERT ON ledger.accounts, ledger.journal_entries, ledger.postings, ledger.posting_failures
  TO aspay_ledger;
GRANT SELECT ON ledger.frozen_merchants TO aspay_ledger;
GRANT USAGE ON SEQUENCE ledger.postings_id_seq TO aspay_ledger;
GRANT SELECT, UPDATE (updated_at) ON payments TO aspay_ledger;
GRANT INSERT ON outbox TO aspay_ledger;
GRANT USAGE ON SEQUENCE outbox_id_seq TO aspay_ledger;

-- The notifier reads each merchant's endpoint and secret and records its deliveries.
GRANT SELECT ON merchants TO aspay_notifier;
GRANT SELECT, INSERT, UPDATE ON webhook_deliveries TO aspay_notifier;

-- Every consumer parks the later events of a payment it dead-lettered (the CLI unparks, as the migrator).
GRANT SELECT, INSERT, UPDATE ON parked_payments TO aspay_bank_processor, aspay_ledger, aspay_notifier;

-- The pending-payments sweeper retries what waits on the bank (payments, refunds) and on merchants (webhooks).
GRANT SELECT, UPDATE ON payments, refunds TO aspay_sweeper;
GRANT INSERT ON payment_status_history, outbox TO aspay_sweeper;
GRANT USAGE ON SEQUENCE payment_status_history_id_seq, outbox_id_seq TO aspay_sweeper;
GRANT SELECT ON merchants TO aspay_sweeper;
GRANT SELECT, UPDATE ON webhook_deliveries TO aspay_sweeper;

-- Down Migration
-- The roles stay when another database on the server still grants them something.
DO $$
DECLARE
  function_role text;
BEGIN
  FOREACH function_role IN ARRAY ARRAY['aspay_api', 'aspay_onboarding', 'aspay_relay', 'aspay_bank_processor',
                                       'aspay_ledger', 'aspay_notifier', 'aspay_sweeper'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = function_role) THEN
      EXECUTE format('DROP OWNED BY %I', function_role);
      BEGIN
        EXECUTE format('DROP ROLE %I', function_role);
      EXCEPTION WHEN dependent_objects_still_exist THEN
        NULL;
      END;
    END IF;
  END LOOP;
  EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO PUBLIC', current_database());
END
$$;
