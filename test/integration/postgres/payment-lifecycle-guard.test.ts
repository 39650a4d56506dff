import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  expectRejected,
  inRolledBackTransaction,
  insertQuietPayment,
  insertQuietRefund,
  testDatabase,
} from '../../support/database';

const db = testDatabase();
const move = (to: string) => ['UPDATE payments SET status = $2 WHERE id = $1', to] as const;

describe('the database lifecycle guard', () => {
  it.each([
    ['INITIATED', 'SUCCESS'],
    ['INITIATED', 'FAILED'],
    ['INITIATED', 'REFUNDED'],
  ])('rejects a direct UPDATE from %s to %s', (_from, to) =>
    inRolledBackTransaction(db, async (client) => {
      const id = await insertQuietPayment(client);
      await expectRejected(client, move(to)[0], [id, to], `illegal payment transition INITIATED -> ${to}`);
    }),
  );

  it('keeps terminal states terminal', () =>
    inRolledBackTransaction(db, async (client) => {
      const id = await insertQuietPayment(client);
      await client.query(move('PENDING')[0], [id, 'PENDING']);
      await client.query(move('FAILED')[0], [id, 'FAILED']);
      await expectRejected(
        client,
        move('SUCCESS')[0],
        [id, 'SUCCESS'],
        'illegal payment transition FAILED -> SUCCESS',
      );
    }));

  it('refuses a payment inserted in any status but INITIATED', () =>
    inRolledBackTransaction(db, async (client) => {
      await expectRejected(
        client,
        `INSERT INTO payments (id, merchant_id, mode, idempotency_key, request_hash, amount, currency, status, source)
         VALUES ($1, 'mer_demo_acme', 'test', $2, 'x', 1, 'USD', 'SUCCESS', 'tok_success')`,
        [randomUUID(), randomUUID()],
        'a payment starts INITIATED',
      );
    }));

  it('refuses refunds above the amount and a change of the amount', () =>
    inRolledBackTransaction(db, async (client) => {
      const id = await insertQuietPayment(client);
      await client.query(move('PENDING')[0], [id, 'PENDING']);
      await client.query(move('SUCCESS')[0], [id, 'SUCCESS']);
      await insertQuietRefund(client, id, '20.00', 'EXECUTED');
      await insertQuietRefund(client, id, '5.01');
      await expectRejected(
        client,
        'UPDATE payments SET refunded_amount = 20, pending_refund_amount = 5.01 WHERE id = $1',
        [id],
        'payments_refund_bounds',
      );
      await expectRejected(client, 'UPDATE payments SET amount = 1 WHERE id = $1', [id], 'is immutable');
    }));

  it('allows the legal path and bumps the version at each step', () =>
    inRolledBackTransaction(db, async (client) => {
      const id = await insertQuietPayment(client);
      await client.query(move('PENDING')[0], [id, 'PENDING']);
      await client.query(move('SUCCESS')[0], [id, 'SUCCESS']);
      await insertQuietRefund(client, id, '25.00', 'EXECUTED');
      await client.query("UPDATE payments SET refunded_amount = amount, status = 'REFUNDED' WHERE id = $1", [
        id,
      ]);
      const { rows } = await client.query('SELECT status, version FROM payments WHERE id = $1', [id]);
      expect(rows[0]).toEqual({ status: 'REFUNDED', version: 4 });
    }));
});
