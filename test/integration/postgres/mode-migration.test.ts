import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectRejected, inRolledBackTransaction, migration, testDatabase } from '../../support/database';

const db = testDatabase();

const MODES = migration('0008_test_and_live_mode.sql');
/** Built on 0008's key columns (its trigger reads them): undone first, redone after. */
const API_KEYS = migration('0023_api_keys.sql');

describe('the test and live mode migration', () => {
  // From empty tables (other tests' data may hold what the previous schema cannot, e.g. one idempotency key in
  // both modes), down, data as it was before modes, then up again: all in one transaction that is rolled back.
  it("gives existing keys, payments, refunds, ledger entries and waiting events the mode of the merchant's one key", () =>
    inRolledBackTransaction(db, async (client) => {
      await client.query(`
        ALTER TABLE ledger.journal_entries DISABLE TRIGGER journal_entries_no_truncate;
        ALTER TABLE ledger.postings DISABLE TRIGGER postings_no_truncate;
        TRUNCATE merchants, payments, refunds, outbox, ledger.accounts, ledger.journal_entries, ledger.postings CASCADE;
        ALTER TABLE ledger.journal_entries ENABLE TRIGGER journal_entries_no_truncate;
        ALTER TABLE ledger.postings ENABLE TRIGGER postings_no_truncate;`);
      await client.query(API_KEYS.down);
      await client.query(MODES.down);
      const seeded: Record<'test' | 'live', { merchant: string; payment: string }> = {
        test: { merchant: `mer_${randomUUID()}`, payment: randomUUID() },
        live: { merchant: `mer_${randomUUID()}`, payment: randomUUID() },
      };
      for (const [mode, { merchant, payment }] of Object.entries(seeded)) {
        await client.query(
          'INSERT INTO merchants (id, name, api_key_hash, api_key_prefix) VALUES ($1, $1, $2, $3)',
          [merchant, `hash-${merchant}`, `sk_${mode}_abcd…`],
        );
        await client.query(
          `INSERT INTO payments (id, merchant_id, idempotency_key, request_hash, amount, currency, status, source)
           VALUES ($1, $2, 'k1', 'h', 10, 'USD', 'INITIATED', 'tok_success')`,
          [payment, merchant],
        );
        await client.query(
          `INSERT INTO outbox (event_id, event_type, aggregate_id, aggregate_version, payload)
           VALUES ($1, 'payment.initiated', $2, 1, '{"version": "1.0"}')`,
          [randomUUID(), payment],
        );
        await client.query(
          `INSERT INTO refunds (id, payment_id, merchant_id, idempotency_key, request_hash, amount, currency)
           VALUES ($1, $2, $3, 'k1', 'h', 1, 'USD')`,
          [randomUUID(), payment, merchant],
        );
        const entry = randomUUID();
        await client.query(
          `INSERT INTO ledger.journal_entries (id, event_id, kind, payment_id, merchant_id, currency, description)
           VALUES ($1, $2, 'payment', $3, $4, 'USD', 'before modes')`,
          [entry, randomUUID(), payment, merchant],
        );
        await client.query(
          `INSERT INTO ledger.accounts (id, kind, merchant_id, currency) VALUES ($1, 'merchant_payable', $2, 'USD')`,
          [`merchant_payable:${merchant}:USD`, merchant],
        );
        await client.query(
          `INSERT INTO ledger.accounts (id, kind, currency) VALUES ('customer_funds:USD', 'customer_funds', 'USD')
           ON CONFLICT (id) DO NOTHING`,
        );
        await client.query(
          `INSERT INTO ledger.postings (entry_id, account_id, direction, amount, currency)
           VALUES ($1, 'customer_funds:USD', 'debit', 10, 'USD'), ($1, $2, 'credit', 10, 'USD')`,
          [entry, `merchant_payable:${merchant}:USD`],
        );
      }
      // The balance checks run now, as at the commit that would end this data's transaction.
      await client.query('SET CONSTRAINTS ALL IMMEDIATE');

      await client.query(MODES.up);

      for (const [mode, { merchant, payment }] of Object.entries(seeded)) {
        const other = mode === 'live' ? 'test' : 'live';
        const keys = await client.query(
          `SELECT ${mode}_api_key_hash AS own, ${other}_api_key_hash AS other FROM merchants WHERE id = $1`,
          [merchant],
        );
        expect(keys.rows[0]).toEqual({ own: `hash-${merchant}`, other: null });
        const rows = await client.query(
          `SELECT p.mode AS payment, p.version, r.mode AS refund, e.mode AS entry, a.mode AS account,
                  (o.payload->>'livemode')::boolean AS livemode
           FROM payments p JOIN refunds r ON r.payment_id = p.id JOIN ledger.journal_entries e ON e.payment_id = p.id
           JOIN ledger.accounts a ON a.merchant_id = p.merchant_id JOIN outbox o ON o.aggregate_id = p.id
           WHERE p.id = $1`,
          [payment],
        );
        // The version is untouched: the backfill wrote no event, so it must not bump it.
        expect(rows.rows[0]).toEqual({
          payment: mode,
          version: 1,
          refund: mode,
          entry: mode,
          account: mode,
          livemode: mode === 'live',
        });
      }
      await expectRejected(
        client,
        "UPDATE payments SET mode = 'test' WHERE id = $1",
        [seeded.live.payment],
        'cannot change mode',
      );
    }));
});
