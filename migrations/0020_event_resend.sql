-- Up Migration

-- POST /v1/events/{id}/resend makes an event's delivery due again, with a retry window of its own: the retry
-- sweep counts the give-up age from resent_at when it is set, from created_at (the notifier's first handling)
-- otherwise. An event never sent (the merchant had no endpoint then) gets its first delivery record this way.
ALTER TABLE webhook_deliveries ADD COLUMN resent_at timestamptz;

-- GET /v1/events without a payment lists a merchant's events: its delivery records by merchant.
CREATE INDEX webhook_deliveries_by_merchant ON webhook_deliveries (merchant_id, created_at DESC);

-- The API schedules a resend; sending stays the notifier's and the retry sweep's.
GRANT INSERT ON webhook_deliveries TO aspay_api;
GRANT UPDATE (status, next_attempt_at, resent_at, url) ON webhook_deliveries TO aspay_api;

-- Down Migration
REVOKE UPDATE (status, next_attempt_at, resent_at, url) ON webhook_deliveries FROM aspay_api;
REVOKE INSERT ON webhook_deliveries FROM aspay_api;
DROP INDEX webhook_deliveries_by_merchant;
ALTER TABLE webhook_deliveries DROP COLUMN resent_at;
