-- Up Migration

-- Customer receipts by e-mail (docs/receipts.md): opt-in per merchant, sent only when a payment names its
-- customer's address. One delivery record per event is the single owner of its e-mail, as for webhooks: it is
-- created and claimed before the e-mail leaves, and each attempt is counted before it is sent.
ALTER TABLE merchants ADD COLUMN customer_receipts boolean NOT NULL DEFAULT false;

CREATE TABLE receipt_deliveries (
  event_id      uuid PRIMARY KEY,
  payment_id    uuid NOT NULL REFERENCES payments (id),
  merchant_id   text NOT NULL REFERENCES merchants (id),
  event_type    text NOT NULL,
  status        text NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
  attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error    text,
  claim_holder  uuid,
  claimed_until timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  sent_at       timestamptz,
  CONSTRAINT receipt_deliveries_sent_has_time CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
  CONSTRAINT receipt_deliveries_failed_has_error CHECK (status <> 'failed' OR last_error IS NOT NULL)
);
CREATE INDEX receipt_deliveries_by_payment ON receipt_deliveries (payment_id);

-- The receipts consumer logs in as the notifier's role (lambdas/core/config/database-roles.ts): its records,
-- and of the payment only whom to write to and what it was for.
GRANT SELECT, INSERT, UPDATE ON receipt_deliveries TO aspay_notifier;
GRANT SELECT (id, merchant_id, customer, description) ON payments TO aspay_notifier;

-- Down Migration
REVOKE SELECT (id, merchant_id, customer, description) ON payments FROM aspay_notifier;
DROP TABLE receipt_deliveries;
ALTER TABLE merchants DROP COLUMN customer_receipts;
