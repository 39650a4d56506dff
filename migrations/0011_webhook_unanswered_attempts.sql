-- Up Migration

-- Webhooks are delivered at least once: an attempt whose answer never came (a timeout, a connection dropped
-- after the request was sent) may have reached the merchant, and the next attempt sends the notice again.
-- Counting those attempts makes each such resend visible and tells it apart from a notice sent twice by
-- mistake (two holders at once), which is never allowed.
ALTER TABLE webhook_deliveries
  ADD COLUMN unanswered_attempts integer NOT NULL DEFAULT 0,
  ADD CONSTRAINT webhook_deliveries_unanswered_within_attempts
    CHECK (unanswered_attempts >= 0 AND unanswered_attempts <= attempts);

-- Down Migration
ALTER TABLE webhook_deliveries
  DROP CONSTRAINT webhook_deliveries_unanswered_within_attempts,
  DROP COLUMN unanswered_attempts;
