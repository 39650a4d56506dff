-- Up Migration

-- A webhook whose endpoint is down is delayed, never lost. The delivery row is created before the first POST
-- and is the single owner of the notice: whoever holds its claim (claimed_until in the future: the notifier
-- invocation that created it, or one retry sweep) is the only one that may send it. A claim lasts as long as
-- its holder's invocation can run, so a Lambda that died mid-delivery is taken over once it can no longer send.
ALTER TABLE webhook_deliveries
  -- The exact body the merchant receives on every attempt (same event id and payload); the signature is made
  -- again at send time, so its timestamp is fresh.
  ADD COLUMN raw_body text,
  ADD COLUMN next_attempt_at timestamptz,
  ADD COLUMN claimed_until timestamptz,
  ADD COLUMN last_attempt_at timestamptz;

ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_status_check;
ALTER TABLE webhook_deliveries
  ADD CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('pending', 'delivered', 'failed')),
  -- A pending delivery can always be sent again; a final one is never scheduled.
  ADD CONSTRAINT webhook_deliveries_pending_is_scheduled
    CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL) AND (status <> 'pending' OR raw_body IS NOT NULL)),
  ADD CONSTRAINT webhook_deliveries_failed_has_error CHECK (status <> 'failed' OR last_error IS NOT NULL);

-- The retry sweep reads only pending deliveries, the longest due first.
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

-- Down Migration
DROP INDEX webhook_deliveries_pending;
DELETE FROM webhook_deliveries WHERE status = 'pending';
ALTER TABLE webhook_deliveries
  DROP CONSTRAINT webhook_deliveries_failed_has_error,
  DROP CONSTRAINT webhook_deliveries_pending_is_scheduled,
  DROP CONSTRAINT webhook_deliveries_status_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('delivered', 'failed'));
ALTER TABLE webhook_deliveries
  DROP COLUMN last_attempt_at,
  DROP COLUMN claimed_until,
  DROP COLUMN next_attempt_at,
  DROP COLUMN raw_body;
