-- Up Migration

-- The relay reads every unpublished event of the payments it claimed (docs/outbox-relay.md). Without this
-- index that read scans all unpublished rows on each pass, so a backlog of N events costs O(N) per pass and
-- O(N²) to drain. Partial, like outbox_unpublished: published rows, most of the table, are not indexed.
CREATE INDEX outbox_unpublished_by_payment ON outbox (aggregate_id, aggregate_version, id)
  WHERE published_at IS NULL;

-- Down Migration
DROP INDEX outbox_unpublished_by_payment;
