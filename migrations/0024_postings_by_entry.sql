-- Up Migration

-- The deferred check that an entry balances (ledger.check_entry_balanced) runs for the entry and for each of its
-- postings, and finds the entry's postings by entry_id, which nothing indexed: every posting read the whole
-- ledger, so PostgreSQL's CPU per payment grew with the ledger's size (the bench saw 6 to 14 ms per payment as
-- it grew to 65,000 postings). With the index each check reads the entry's own postings.
--
-- Building it holds writes to postings until it is built (the ledger consumer waits, as for any lock, and
-- carries on). For a ledger of many millions of postings, build it beforehand without blocking writes:
--   CREATE INDEX CONCURRENTLY IF NOT EXISTS postings_by_entry ON ledger.postings (entry_id);
-- and this migration then has nothing to do.
CREATE INDEX IF NOT EXISTS postings_by_entry ON ledger.postings (entry_id);

-- Down Migration
DROP INDEX ledger.postings_by_entry;
