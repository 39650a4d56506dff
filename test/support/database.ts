import type pg from 'pg';
import { afterAll } from 'vitest';
import { createPool } from '../../lambdas/core/adapters/postgres/pool';
import { localEndpoints } from './local-stack';

/** A pool on the local stack's database, closed after the test file. */
export function testDatabase(): pg.Pool {
  const pool = createPool(localEndpoints().databaseUrl, { max: 4 });
  afterAll(() => pool.end());
  return pool;
}

/**
 * Moves a payment to SUCCESS the way the bank processor does (each step with its history row), so that
 * refund behaviour can be tested before the processor exists in a test.
 */
export async function settlePayment(pool: pg.Pool, paymentId: string): Promise<void> {
  for (const [from, to] of [
    ['INITIATED', 'PENDING'],
    ['PENDING', 'SUCCESS'],
  ] as const) {
    await pool.query(
      `WITH moved AS (UPDATE payments SET status = $2 WHERE id = $1 AND status = $3 RETURNING id)
       INSERT INTO payment_status_history (payment_id, from_status, to_status) SELECT id, $3, $2 FROM moved`,
      [paymentId, to, from],
    );
  }
}
