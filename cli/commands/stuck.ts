import type pg from 'pg';
import { bankSettings } from '../../lambdas/core/config/bank';
import { CheckFailedError, type Output, UsageError } from '../context';

/**
 * `aspay payments stuck [--older-than <minutes>]`: what waits on the bank and needs a human — PENDING
 * payments past the attempt limit (reconciliation could not reach the bank) or older than the threshold,
 * refunds still PENDING past the threshold — and the refunds that FAILED in the last 7 days with their
 * reason. Exits 1 when anything still waits; failed refunds are final and shown for follow-up only.
 */
export async function showStuck(pool: pg.Pool, olderThan: string | undefined, out: Output): Promise<void> {
  const minutes = Number(olderThan ?? '60');
  if (!Number.isInteger(minutes) || minutes < 0)
    throw new UsageError('usage: aspay payments stuck [--older-than <minutes>]');
  const { giveUpAfterAttempts } = bankSettings();
  const [payments, pendingRefunds, failedRefunds] = await Promise.all([
    pool.query(
      `SELECT id, merchant_id, mode, amount::text AS amount, currency, bank_attempts, next_bank_attempt_at, created_at
       FROM payments
       WHERE status = 'PENDING'
         AND (bank_attempts >= $1 OR created_at <= now() - make_interval(mins => $2))
       ORDER BY created_at`,
      [giveUpAfterAttempts, minutes],
    ),
    pool.query(
      `SELECT id, payment_id, mode, amount::text AS amount, currency, bank_attempts, next_bank_attempt_at, created_at
       FROM refunds WHERE status = 'PENDING' AND created_at <= now() - make_interval(mins => $1)
       ORDER BY created_at`,
      [minutes],
    ),
    pool.query(
      `SELECT id, payment_id, mode, amount::text AS amount, currency, failure_reason, failed_at
       FROM refunds WHERE status = 'FAILED' AND failed_at > now() - interval '7 days'
       ORDER BY failed_at DESC`,
    ),
  ]);
  const report = {
    olderThanMinutes: minutes,
    giveUpAfterAttempts,
    pendingPayments: payments.rows,
    pendingRefunds: pendingRefunds.rows,
    failedRefunds: failedRefunds.rows,
  };
  out.print(report, () =>
    [
      `payments PENDING past ${giveUpAfterAttempts} bank attempts or ${minutes} min: ${payments.rows.length}`,
      ...payments.rows.map(
        (p) =>
          `  ${p.id}  ${p.mode}  ${p.amount} ${p.currency}  ${p.bank_attempts} attempt(s)  since ${p.created_at.toISOString()}`,
      ),
      `refunds PENDING past ${minutes} min: ${pendingRefunds.rows.length}`,
      ...pendingRefunds.rows.map(
        (r) =>
          `  ${r.id}  ${r.mode}  payment ${r.payment_id}  ${r.amount} ${r.currency}  ${r.bank_attempts} attempt(s)`,
      ),
      `refunds FAILED in the last 7 days: ${failedRefunds.rows.length}`,
      ...failedRefunds.rows.map(
        (r) =>
          `  ${r.id}  ${r.mode}  payment ${r.payment_id}  ${r.amount} ${r.currency}  ${r.failure_reason}`,
      ),
    ].join('\n'),
  );
  const waiting = payments.rows.length + pendingRefunds.rows.length;
  if (waiting > 0) throw new CheckFailedError(`${waiting} payment(s) or refund(s) stuck waiting on the bank`);
}
