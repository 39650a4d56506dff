import { describe, expect, it } from 'vitest';
import { inRolledBackTransaction, testDatabase } from '../../support/database';

const db = testDatabase();

describe("the ledger's balance check", () => {
  // The check runs for every entry and every posting: reading the whole ledger each time made a payment's
  // cost grow with the ledger's size.
  it("finds an entry's postings by index, never by reading the whole ledger", () =>
    inRolledBackTransaction(db, async (client) => {
      // Told not to read a table whole, the planner still does where no index serves: the plan says which.
      await client.query('SET LOCAL enable_seqscan = off');
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT sum(p.amount) FROM ledger.journal_entries e
           LEFT JOIN ledger.postings p ON p.entry_id = e.id
          WHERE e.id = '00000000-0000-4000-8000-000000000000'`,
      );
      const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(plan).toMatch(
        /Index (Only )?Scan using postings_by_entry|Bitmap Index Scan on postings_by_entry/,
      );
      expect(plan).not.toMatch(/Seq Scan on postings/);
    }));
});
