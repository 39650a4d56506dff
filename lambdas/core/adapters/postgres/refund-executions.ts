import type pg from 'pg';
import { StoredDataInvalidError } from '../../domain/errors';
import type { EventEnvelope } from '../../domain/events';
import type { Mode } from '../../domain/mode';
import type { RefundExecutions, RefundFailureTransaction } from '../../use-cases/ports/refund-executions';
import { bankClaimOf, CLEARED_CLAIM, claimParameters, claimSql, deferBankAttempt } from './bank-attempts';
import { appendOutbox } from './outbox';
import { appendHistory, PAYMENT_COLUMNS, type PaymentRow, toPayment } from './payment-store';
import { inTransaction } from './pool';
import { moneyOfNumeric, namedQuery, numericOf } from './sql';

/** Failing a refund inside the transaction of `client` (the refund executions' and the processor events'). */
export function refundFailureTransaction(client: pg.PoolClient): RefundFailureTransaction {
  return {
    async markFailed(refundId, reason) {
      const locked = await client.query<PaymentRow>(
        `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE id = (SELECT payment_id FROM refunds WHERE id = $1) FOR UPDATE`,
        [refundId],
      );
      const row = locked.rows[0];
      if (!row) return undefined;
      const failed = await client.query<{ amount: string }>(
        `UPDATE refunds SET status = 'FAILED', failure_reason = $2, failed_at = now(),
           ${CLEARED_CLAIM}, next_bank_attempt_at = NULL
         WHERE id = $1 AND status = 'PENDING'
         RETURNING amount::text AS amount`,
        [refundId, reason],
      );
      const refund = failed.rows[0];
      return refund
        ? { payment: toPayment(row), amount: moneyOfNumeric(refund.amount, row.currency) }
        : undefined;
    },

    async giveBack(payment, decision, historyReason) {
      // The guard trigger lets the refunded amount shrink only to the sum of the refunds that did not fail.
      const updated = await client.query<PaymentRow>(
        `UPDATE payments SET refunded_amount = $2, status = $3 WHERE id = $1 RETURNING ${PAYMENT_COLUMNS}`,
        [payment.id, numericOf(decision.refundedAfter), decision.statusAfter],
      );
      if (decision.statusAfter !== payment.status)
        await appendHistory(client, payment.id, payment.status, decision.statusAfter, historyReason);
      await appendOutbox(client, decision.event, (updated.rows[0] as PaymentRow).version);
    },
  };
}

/**
 * `RefundExecutions.markExecuted` inside the transaction of `client`: the PENDING refund EXECUTED with its
 * `payment.refund_executed` event. False when it was no longer PENDING (nothing is written).
 */
export async function markRefundExecuted(
  client: pg.PoolClient,
  refundId: string,
  bankRefundId: string,
  event: EventEnvelope<'payment.refund_executed'>,
): Promise<boolean> {
  const executed = await client.query<{ payment_id: string }>(
    `UPDATE refunds SET status = 'EXECUTED', bank_refund_id = $2, executed_at = now(),
       ${CLEARED_CLAIM}, next_bank_attempt_at = NULL
     WHERE id = $1 AND status = 'PENDING'
     RETURNING payment_id`,
    [refundId, bankRefundId],
  );
  const refund = executed.rows[0];
  if (!refund) return false;
  // A no-op update that bumps the payment's version (guard trigger), so the event keeps its order.
  const payment = await client.query<{ version: number }>(
    'UPDATE payments SET refunded_amount = refunded_amount WHERE id = $1 RETURNING version',
    [refund.payment_id],
  );
  await appendOutbox(client, event, (payment.rows[0] as { version: number }).version);
  return true;
}

/** Refunds recorded by the API or the saga, executed at the bank by the bank processor and the retry sweep. */
export function postgresRefundExecutions(pool: pg.Pool): RefundExecutions {
  return {
    bankClaim: (refundId) =>
      bankClaimOf(pool, 'refunds', refundId, async (lease) => {
        const claim = claimSql('r');
        const { rows } = await pool.query<{
          payment_id: string;
          merchant_id: string;
          mode: Mode;
          charge_id: string | null;
          amount: string;
          currency: string;
          bank_attempts: number;
        }>(
          namedQuery(
            `UPDATE refunds r SET ${claim.set}
             FROM payments p
             WHERE r.id = :id AND p.id = r.payment_id AND ${claim.unclaimed}
             RETURNING r.payment_id, p.merchant_id, p.mode, p.bank_charge_id AS charge_id, r.amount::text AS amount, r.currency, r.bank_attempts`,
            { id: refundId, ...claimParameters(lease) },
          ),
        );
        const row = rows[0];
        if (!row) return undefined;
        if (!row.charge_id)
          throw new StoredDataInvalidError(`refund ${refundId} belongs to a payment without a bank charge`);
        return {
          paymentId: row.payment_id,
          merchantId: row.merchant_id,
          mode: row.mode,
          chargeId: row.charge_id,
          amount: moneyOfNumeric(row.amount, row.currency),
          bankAttempts: row.bank_attempts,
        };
      }),

    async markExecuted(refundId, bankRefundId, event) {
      await inTransaction(pool, (client) => markRefundExecuted(client, refundId, bankRefundId, event));
    },

    inTransaction: (work) => inTransaction(pool, (client) => work(refundFailureTransaction(client))),

    defer: (refundId, holder, at, counted) =>
      deferBankAttempt(pool, 'refunds', refundId, holder, at, counted),

    async overdue(now, staleAfterMs, limit) {
      // Ordered by when each is due, so refunds that keep failing (pushed back by their backoff) never
      // hold the batch against newer ones.
      const { rows } = await pool.query<{ id: string }>(
        `SELECT id FROM refunds
         WHERE status = 'PENDING'
           AND COALESCE(next_bank_attempt_at, created_at + make_interval(secs => $2 / 1000.0)) <= $1::timestamptz
         ORDER BY COALESCE(next_bank_attempt_at, created_at + make_interval(secs => $2 / 1000.0)), id
         LIMIT $3`,
        [now, staleAfterMs, limit],
      );
      return rows.map((row) => row.id);
    },
  };
}
