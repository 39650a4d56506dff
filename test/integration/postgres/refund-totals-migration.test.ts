import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  inRolledBackTransaction,
  insertQuietPayment,
  insertQuietRefund,
  migration,
  testDatabase,
} from '../../support/database';

const db = testDatabase();
const REFUND_TOTALS = migration('0019_refunds_move_payment_when_executed.sql');

/** A SUCCESS payment of 25.00 and its refunds as the schema before 0019 held them: all in refunded_amount. */
async function refundedBefore(
  client: pg.PoolClient,
  refunds: { amount: string; status: 'PENDING' | 'EXECUTED' }[],
) {
  const id = await insertQuietPayment(client);
  await client.query("UPDATE payments SET status = 'PENDING' WHERE id = $1", [id]);
  await client.query("UPDATE payments SET status = 'SUCCESS' WHERE id = $1", [id]);
  for (const refund of refunds) {
    await insertQuietRefund(client, id, refund.amount, refund.status);
    const { rows } = await client.query<{ status: string }>(
      `UPDATE payments SET refunded_amount = refunded_amount + $2::numeric,
         status = CASE WHEN refunded_amount + $2::numeric = amount THEN 'REFUNDED' ELSE status END
       WHERE id = $1 RETURNING status`,
      [id, refund.amount],
    );
    if (rows[0]?.status === 'REFUNDED')
      await client.query(
        "INSERT INTO payment_status_history (payment_id, from_status, to_status) VALUES ($1, 'SUCCESS', 'REFUNDED')",
        [id],
      );
  }
  return id;
}

async function totalsOf(client: pg.PoolClient, id: string) {
  const { rows } = await client.query(
    `SELECT status, refunded_amount::text AS refunded, pending_refund_amount::text AS pending,
       (SELECT to_status FROM payment_status_history WHERE payment_id = $1 ORDER BY id DESC LIMIT 1) AS last_change
     FROM payments WHERE id = $1`,
    [id],
  );
  return rows[0];
}

describe('the migration that moves a payment when the bank executes its refund', () => {
  // Down to the schema before it, data as that schema held it, then up again: one transaction, rolled back.
  it("carries today's payments over: pending refunds leave the refunded amount, REFUNDED waits for the bank", () =>
    inRolledBackTransaction(db, async (client) => {
      await client.query(REFUND_TOTALS.down);
      const waiting = await refundedBefore(client, [
        { amount: '10.00', status: 'EXECUTED' },
        { amount: '15.00', status: 'PENDING' },
      ]);
      const executed = await refundedBefore(client, [{ amount: '25.00', status: 'EXECUTED' }]);
      const partial = await refundedBefore(client, [{ amount: '5.00', status: 'PENDING' }]);

      await client.query(REFUND_TOTALS.up);

      expect(await totalsOf(client, waiting)).toEqual({
        status: 'SUCCESS',
        refunded: '10.0000',
        pending: '15.0000',
        last_change: 'SUCCESS',
      });
      expect(await totalsOf(client, executed)).toEqual({
        status: 'REFUNDED',
        refunded: '25.0000',
        pending: '0.0000',
        last_change: 'REFUNDED',
      });
      expect(await totalsOf(client, partial)).toMatchObject({
        status: 'SUCCESS',
        refunded: '0.0000',
        pending: '5.0000',
      });
    }));
});
