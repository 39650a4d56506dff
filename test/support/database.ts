import { randomUUID } from 'node:crypto';
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
 * Inserts a payment row straight into the database, with no outbox event: nothing in the background will
 * touch it, so a test can drive its status with SQL alone.
 */
export async function insertQuietPayment(pool: pg.Pool, amount = '25.00'): Promise<string> {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO payments (id, merchant_id, idempotency_key, request_hash, amount, currency, status, source)
     VALUES ($1, 'mer_demo_acme', $2, 'fixture', $3, 'USD', 'INITIATED', 'tok_success')`,
    [id, randomUUID(), amount],
  );
  return id;
}

/** Moves a quiet payment to SUCCESS with plain SQL, as the bank processor would. */
export async function settleQuietPayment(pool: pg.Pool, paymentId: string): Promise<void> {
  await pool.query("UPDATE payments SET status = 'PENDING' WHERE id = $1", [paymentId]);
  await pool.query("UPDATE payments SET status = 'SUCCESS' WHERE id = $1", [paymentId]);
}
