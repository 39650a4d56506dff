import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { insertQuietPayment, settleQuietPayment, testDatabase } from '../../support/database';

const db = testDatabase();
const newPayment = () => insertQuietPayment(db);

describe('the database lifecycle guard', () => {
  it.each([
    ['INITIATED', 'SUCCESS'],
    ['INITIATED', 'FAILED'],
    ['INITIATED', 'REFUNDED'],
  ])('rejects a direct UPDATE from %s to %s', async (_from, to) => {
    const id = await newPayment();
    await expect(db.query('UPDATE payments SET status = $2 WHERE id = $1', [id, to])).rejects.toThrow(
      /illegal payment transition|payments_refunded_means_fully_refunded/,
    );
  });

  it('keeps terminal states terminal', async () => {
    const id = await newPayment();
    await db.query("UPDATE payments SET status = 'PENDING' WHERE id = $1", [id]);
    await db.query("UPDATE payments SET status = 'FAILED' WHERE id = $1", [id]);
    await expect(db.query("UPDATE payments SET status = 'SUCCESS' WHERE id = $1", [id])).rejects.toThrow(
      'illegal payment transition FAILED -> SUCCESS',
    );
  });

  it('refuses a payment inserted in any status but INITIATED', async () => {
    await expect(
      db.query(
        `INSERT INTO payments (id, merchant_id, idempotency_key, request_hash, amount, currency, status, source)
         VALUES ($1, 'mer_demo_acme', $2, 'x', 1, 'USD', 'SUCCESS', 'tok_success')`,
        [randomUUID(), randomUUID()],
      ),
    ).rejects.toThrow('a payment starts INITIATED');
  });

  it('refuses refunds above the amount and a change of the amount', async () => {
    const id = await newPayment();
    await settleQuietPayment(db, id);
    await expect(
      db.query('UPDATE payments SET refunded_amount = amount + 1 WHERE id = $1', [id]),
    ).rejects.toThrow('payments_refund_bounds');
    await expect(db.query('UPDATE payments SET amount = 1 WHERE id = $1', [id])).rejects.toThrow(
      'is immutable',
    );
  });

  it('allows the legal path and bumps the version at each step', async () => {
    const id = await newPayment();
    await settleQuietPayment(db, id);
    await db.query("UPDATE payments SET refunded_amount = amount, status = 'REFUNDED' WHERE id = $1", [id]);
    const { rows } = await db.query('SELECT status, version FROM payments WHERE id = $1', [id]);
    expect(rows[0]).toEqual({ status: 'REFUNDED', version: 4 });
  });
});
