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

/**
 * The run's work that is not final at a moment: payments in flight (not tok_bank_error ones, which wait on
 * the bank on purpose), refunds not executed, notices not delivered.
 */
export interface WaitingWork {
  payments: string[];
  refunds: string[];
  notices: string[];
}

export async function waitingWork(pool: pg.Pool, runKeys: string): Promise<WaitingWork> {
  const ids = async (sql: string) => (await pool.query(sql, [runKeys])).rows.map((row) => row.id as string);
  const [payments, refunds, notices] = await Promise.all([
    ids(`SELECT id FROM payments WHERE idempotency_key LIKE $1
         AND status IN ('INITIATED', 'PENDING') AND source <> 'tok_bank_error'`),
    ids(`SELECT r.id FROM refunds r JOIN payments p ON p.id = r.payment_id
         WHERE p.idempotency_key LIKE $1 AND r.status = 'PENDING'`),
    ids(`SELECT d.event_id AS id FROM webhook_deliveries d JOIN payments p ON p.id = d.payment_id
         WHERE p.idempotency_key LIKE $1 AND d.status = 'pending'`),
  ]);
  return { payments, refunds, notices };
}

export const waitingCount = (work: WaitingWork) =>
  work.payments.length + work.refunds.length + work.notices.length;

/** What of `work` is still not final now. */
async function stillWaiting(pool: pg.Pool, work: WaitingWork): Promise<WaitingWork> {
  const ids = async (sql: string, list: string[]) =>
    list.length === 0 ? [] : (await pool.query(sql, [list])).rows.map((row) => row.id as string);
  const [payments, refunds, notices] = await Promise.all([
    ids(
      `SELECT id FROM payments WHERE id = ANY($1::uuid[]) AND status IN ('INITIATED', 'PENDING')`,
      work.payments,
    ),
    ids(`SELECT id FROM refunds WHERE id = ANY($1::uuid[]) AND status = 'PENDING'`, work.refunds),
    ids(
      `SELECT event_id AS id FROM webhook_deliveries WHERE event_id = ANY($1::uuid[]) AND status = 'pending'`,
      work.notices,
    ),
  ]);
  return { payments, refunds, notices };
}

/**
 * When all of `work` was final (polled) and what became final last, or what was still waiting after
 * `timeoutMs`.
 */
export async function workFinished(
  pool: pg.Pool,
  work: WaitingWork,
  { timeoutMs, intervalMs = 200 }: { timeoutMs: number; intervalMs?: number },
): Promise<{ at: Date; last: WaitingWork } | { left: WaitingWork }> {
  const deadline = Date.now() + timeoutMs;
  let last = work;
  for (;;) {
    const left = await stillWaiting(pool, work);
    if (waitingCount(left) === 0) return { at: new Date(), last };
    if (Date.now() > deadline) return { left };
    last = left;
    await sleep(intervalMs);
  }
}
