import type pg from 'pg';
import { StoredDataInvalidError } from '../../domain/errors';
import type { Mode } from '../../domain/mode';
import type { RefundExecutions, RefundOutcomeTransaction } from '../../use-cases/ports/refund-executions';
import { bankClaimOf, CLEARED_CLAIM, claimParameters, claimSql, deferBankAttempt } from './bank-attempts';
import { appendOutbox } from './outbox';
import { appendHistory, PAYMENT_COLUMNS, type PaymentRow, toPayment } from './payment-store';
import { inTransaction } from './pool';
import { moneyOfNumeric, namedQuery, numericOf } from './sql';

/**
 * Locks the refund's payment, then moves the PENDING refund to `status` (`set`: the columns that go with it);
 * its payment, amount and reason, or undefined when it was no longer PENDING (nothing is written).
 */
async function concludeRefund(
  client: pg.PoolClient,
  refundId: string,
  status: 'EXECUTED' | 'FAILED',
  set: string,
  value: string,
) {
  const locked = await client.query<PaymentRow>(
    `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE id = (SELECT payment_id FROM refunds WHERE id = $1) FOR UPDATE`,
    [refundId],
  );
  const row = locked.rows[0];
  if (!row) return undefined;
  const concluded = await client.query<{ amount: string; reason: string | null }>(
    `UPDATE refunds SET status = '${status}', ${set}, ${CLEARED_CLAIM}, next_bank_attempt_at = NULL
     WHERE id = $1 AND status = 'PENDING'
     RETURNING amount::text AS amount, reason`,
    [refundId, value],
  );
  const refund = concluded.rows[0];
  return refund
    ? { payment: toPayment(row), amount: moneyOfNumeric(refund.amount, row.currency), reason: refund.reason }
    : undefined;
}

/** Recording a refund's outcome inside the transaction of `client` (the refund executions' and the processor events'). */
export function refundOutcomeTransaction(client: pg.PoolClient): RefundOutcomeTransaction {
  return {
    markExecuted: (refundId, bankRefundId) =>
      concludeRefund(client, refundId, 'EXECUTED', 'bank_refund_id = $2, executed_at = now()', bankRefundId),

    markFailed: (refundId, reason) =>
      concludeRefund(client, refundId, 'FAILED', 'failure_reason = $2, failed_at = now()', reason),

    async applyOutcome(payment, decision, historyReason) {
      // The guard trigger (0019) checks both totals against the refunds, whose row is already written.
      const updated = await client.query<PaymentRow>(
        namedQuery(
          `UPDATE payments SET refunded_amount = :refunded_after, pending_refund_amount = :pending_after,
             status = :status_after
           WHERE id = :id RETURNING ${PAYMENT_COLUMNS}`,
          {
            id: payment.id,
            refunded_after: numericOf(decision.refundedAfter),
            pending_after: numericOf(decision.pendingAfter),
            status_after: decision.statusAfter,
          },
        ),
      );
      if (decision.statusAfter !== payment.status)
        await appendHistory(client, payment.id, payment.status, decision.statusAfter, historyReason);
      await appendOutbox(client, decision.event, (updated.rows[0] as PaymentRow).version);
    },
  };
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

    inTransaction: (work) => inTransaction(pool, (client) => work(refundOutcomeTransaction(client))),

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
