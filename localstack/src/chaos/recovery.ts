import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';

/**
 * When a payment reached SUCCESS, by its status history (the database's clock, UTC), waiting up to
 * `timeoutMs`; undefined if it did not.
 */
export async function succeededAt(
  pool: pg.Pool,
  paymentId: string,
  { timeoutMs, intervalMs = 200 }: { timeoutMs: number; intervalMs?: number },
): Promise<Date | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query(
      `SELECT occurred_at FROM payment_status_history WHERE payment_id = $1 AND to_status = 'SUCCESS'`,
      [paymentId],
    );
    if (rows[0]) return rows[0].occurred_at as Date;
    if (Date.now() > deadline) return undefined;
    await sleep(intervalMs);
  }
}
