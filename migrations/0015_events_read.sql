-- Up Migration

-- GET /v1/events?payment=… (the first piece of the events API) lists a payment's merchant-visible events: from
-- the outbox while it still holds them (published rows are pruned after 7 days, docs/outbox-relay.md) and from
-- their webhook delivery records, which are kept. The outbox was indexed by payment only for unpublished rows;
-- this index also finds the published ones, at the cost of one more index entry per event written.
CREATE INDEX outbox_by_payment ON outbox (aggregate_id);

-- The API reads events and their delivery records; it writes neither.
GRANT SELECT ON outbox, webhook_deliveries TO aspay_api;

-- Down Migration
REVOKE SELECT ON outbox, webhook_deliveries FROM aspay_api;
DROP INDEX outbox_by_payment;
