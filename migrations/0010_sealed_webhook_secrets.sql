-- Up Migration

-- Webhook signing secrets are stored sealed (envelope encryption: a KMS data key in AWS, the local stack's key
-- on a laptop; the merchant id is bound in as authenticated data), never in plain text. SQL cannot call KMS,
-- so existing plain secrets are not sealed here: the application reads the sealed column first and the plain
-- one only while a merchant still has it, and `aspay merchants seal-webhook-secrets` seals every remaining plain
-- secret and clears it (run once after deploying; a later migration may then drop webhook_secret).
ALTER TABLE merchants ADD COLUMN webhook_secret_sealed text;

-- A merchant's secret is in one form at a time, so sealing a secret always clears its plain copy.
ALTER TABLE merchants
  ADD CONSTRAINT merchants_webhook_secret_in_one_form
    CHECK (webhook_secret IS NULL OR webhook_secret_sealed IS NULL);

COMMENT ON COLUMN merchants.webhook_secret IS
  'Plain-text webhook secrets from before webhook_secret_sealed; read until sealed, never written.';

-- Down Migration
-- Sealed secrets cannot be turned back into plain text by SQL: merchants with a sealed secret lose their
-- webhook endpoint's secret (and so their notifications) until it is set again.
COMMENT ON COLUMN merchants.webhook_secret IS NULL;
ALTER TABLE merchants DROP CONSTRAINT merchants_webhook_secret_in_one_form;
ALTER TABLE merchants DROP COLUMN webhook_secret_sealed;
