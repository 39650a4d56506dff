-- Up Migration

-- Merchants authenticate with API keys; only a SHA-256 of each key is stored.
CREATE TABLE merchants (
  id             text PRIMARY KEY,
  name           text NOT NULL,
  api_key_hash   text NOT NULL UNIQUE,
  api_key_prefix text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE payments (
  id              uuid PRIMARY KEY,
  merchant_id     text NOT NULL REFERENCES merchants (id),
  -- ACID backstop for idempotency: even if the DynamoDB record is lost, a retry finds this row.
  idempotency_key text NOT NULL,
  request_hash    text NOT NULL,
  amount          numeric(22, 4) NOT NULL CHECK (amount > 0),
  currency        char(3) NOT NULL,
  refunded_amount numeric(22, 4) NOT NULL DEFAULT 0,
  status          text NOT NULL CHECK (status IN ('INITIATED', 'PENDING', 'SUCCESS', 'FAILED', 'REFUNDED')),
  -- Incremented by every transition; outbox rows carry it so consumers can order a payment's events.
  version         integer NOT NULL DEFAULT 1,
  source          text NOT NULL,
  description     text,
  customer        text,
  metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
  failure_reason  text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT payments_idempotency_key UNIQUE (merchant_id, idempotency_key),
  CONSTRAINT payments_refund_bounds CHECK (refunded_amount >= 0 AND refunded_amount <= amount),
  CONSTRAINT payments_refund_only_after_success CHECK (refunded_amount = 0 OR status IN ('SUCCESS', 'REFUNDED')),
  CONSTRAINT payments_refunded_means_fully_refunded CHECK ((status = 'REFUNDED') = (refunded_amount = amount))
);

-- Newest first with a stable tie-break, for cursor pagination per merchant.
CREATE INDEX payments_by_merchant_newest ON payments (merchant_id, created_at DESC, id DESC);

-- The lifecycle, enforced by the database as well as by the domain: no code path can write an illegal transition.
CREATE FUNCTION payments_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER payments_guard BEFORE INSERT OR UPDATE ON payments FOR EACH ROW EXECUTE FUNCTION payments_guard();

CREATE TABLE payment_status_history (
  id          bigserial PRIMARY KEY,
  payment_id  uuid NOT NULL REFERENCES payments (id),
  from_status text,
  to_status   text NOT NULL,
  reason      text,
  occurred_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX payment_status_history_by_payment ON payment_status_history (payment_id, id);

CREATE TABLE refunds (
  id              uuid PRIMARY KEY,
  payment_id      uuid NOT NULL REFERENCES payments (id),
  merchant_id     text NOT NULL REFERENCES merchants (id),
  idempotency_key text NOT NULL,
  request_hash    text NOT NULL,
  amount          numeric(22, 4) NOT NULL CHECK (amount > 0),
  currency        char(3) NOT NULL,
  reason          text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT refunds_idempotency_key UNIQUE (merchant_id, idempotency_key)
);

CREATE INDEX refunds_by_payment ON refunds (payment_id, created_at);

-- Transactional outbox: written in the same transaction as the state change it announces.
CREATE TABLE outbox (
  id                bigserial PRIMARY KEY,
  event_id          uuid NOT NULL UNIQUE,
  event_type        text NOT NULL,
  aggregate_id      uuid NOT NULL,
  aggregate_version integer NOT NULL,
  payload           jsonb NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  published_at      timestamptz
);

CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

-- Down Migration
DROP TABLE outbox;
DROP TABLE refunds;
DROP TABLE payment_status_history;
DROP TABLE payments;
DROP FUNCTION payments_guard();
DROP TABLE merchants;
