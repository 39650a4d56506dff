-- Up Migration

-- A delivery's claim is short (one POST and the recording of its answer) and renewed before each attempt, so
-- a holder that died is taken over within seconds. Each holder claims with a token of its own: a holder whose
-- claim passed and was taken over can neither record an attempt nor settle the delivery, so it never
-- overwrites the newer holder's record. The function roles' table grants (0009) cover the new column.
ALTER TABLE webhook_deliveries ADD COLUMN claim_holder uuid;

-- Down Migration
ALTER TABLE webhook_deliveries DROP COLUMN claim_holder;
