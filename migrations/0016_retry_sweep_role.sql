-- Up Migration

-- The retry sweep's role is named after it (lambdas/functions/retry-sweep.ts): aspay_retry_sweep takes over
-- aspay_sweeper's grants in this database. Not ALTER ROLE … RENAME: roles belong to the whole server, and
-- another database on it (another stage's, or one not migrated yet) may still log in as aspay_sweeper. So the
-- old role only loses what this database granted it; it is dropped with the last database that grants it
-- nothing (see 0009's down migration). Created NOLOGIN as in 0009: the migrate function (from the role's
-- secret) or the local stack lets it log in.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aspay_retry_sweep') THEN
    BEGIN
      CREATE ROLE aspay_retry_sweep NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- created at the same moment by another database's migration
    END;
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO aspay_retry_sweep', current_database());
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aspay_sweeper') THEN
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM aspay_sweeper', current_database());
    REVOKE ALL ON payments, refunds, payment_status_history, outbox, merchants, webhook_deliveries
      FROM aspay_sweeper;
    REVOKE ALL ON SEQUENCE payment_status_history_id_seq, outbox_id_seq FROM aspay_sweeper;
  END IF;
END
$$;

-- The retry sweep retries what waits on the bank (payments, refunds) and on merchants (webhooks): 0009's
-- grants to aspay_sweeper, unchanged.
GRANT SELECT, UPDATE ON payments, refunds TO aspay_retry_sweep;
GRANT INSERT ON payment_status_history, outbox TO aspay_retry_sweep;
GRANT USAGE ON SEQUENCE payment_status_history_id_seq, outbox_id_seq TO aspay_retry_sweep;
GRANT SELECT ON merchants TO aspay_retry_sweep;
GRANT SELECT, UPDATE ON webhook_deliveries TO aspay_retry_sweep;

-- Down Migration
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aspay_sweeper') THEN
    BEGIN
      CREATE ROLE aspay_sweeper NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO aspay_sweeper', current_database());
  GRANT SELECT, UPDATE ON payments, refunds TO aspay_sweeper;
  GRANT INSERT ON payment_status_history, outbox TO aspay_sweeper;
  GRANT USAGE ON SEQUENCE payment_status_history_id_seq, outbox_id_seq TO aspay_sweeper;
  GRANT SELECT ON merchants TO aspay_sweeper;
  GRANT SELECT, UPDATE ON webhook_deliveries TO aspay_sweeper;
  REVOKE ALL ON payments, refunds, payment_status_history, outbox, merchants, webhook_deliveries
    FROM aspay_retry_sweep;
  REVOKE ALL ON SEQUENCE payment_status_history_id_seq, outbox_id_seq FROM aspay_retry_sweep;
  EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM aspay_retry_sweep', current_database());
  -- The role stays when another database on the server still grants it something.
  BEGIN
    DROP ROLE aspay_retry_sweep;
  EXCEPTION WHEN dependent_objects_still_exist THEN
    NULL;
  END;
END
$$;
