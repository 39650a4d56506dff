import type pg from 'pg';
import type { PaymentLifecycle } from '../../use-cases/ports/bank-attempts';
import { bankClaimOf, CLEARED_CLAIM, claimParameters, claimSql, deferBankAttempt } from './bank-attempts';
import { outboxInsertFrom } from './outbox-append';
import { PAYMENT_COLUMNS, type PaymentRow, toPayment } from './payment-rows';

/** The lifecycle side of the payments table, used by the bank processor and the pending-payments sweeper. */
export function postgresPaymentLifecycle(pool: pg.Pool): PaymentLifecycle {
  return {
    async find(paymentId) {
      const { rows } = await pool.query<PaymentRow>(`SELECT ${PAYMENT_COLUMNS} FROM payments WHERE id = $1`, [
        paymentId,
      ]);
      return rows[0] ? toPayment(rows[0]) : undefined;
    },

    async transition(paymentId, from, to, change) {
      // One statement, so one round trip and its own transaction: the conditional update (the condition on the
      // expected status makes a redelivered or concurrent step a no-op), its history row and its event are
      // written together or not at all; no row is updated, so nothing else is written, when it is not in `from`.
      const event = change.event ? outboxInsertFrom('updated', change.event, 7) : undefined;
      const { rows } = await pool.query<PaymentRow>(
        `WITH updated AS (
           UPDATE payments SET status = $3,
             failure_reason = COALESCE($4, failure_reason),
             bank_charge_id = COALESCE($5, bank_charge_id),
             next_bank_attempt_at = NULL,
             ${CLEARED_CLAIM}
           WHERE id = $1 AND status = $2
           RETURNING ${PAYMENT_COLUMNS}),
         history AS (
           INSERT INTO payment_status_history (payment_id, from_status, to_status, reason)
           SELECT id, $2, $3, $6 FROM updated)
         ${event ? `, event AS (${event.sql})` : ''}
         SELECT * FROM updated`,
        [
          paymentId,
          from,
          to,
          to === 'FAILED' ? (change.reason ?? null) : null,
          change.bankChargeId ?? null,
          change.reason ?? null,
          ...(event?.values ?? []),
        ],
      );
      return rows[0] ? toPayment(rows[0]) : undefined;
    },

    bankClaim: (paymentId) =>
      bankClaimOf(pool, 'payments', paymentId, async (lease) => {
        const claim = claimSql('payments');
        const { rows } = await pool.query<PaymentRow & { bank_attempts: number }>(
          `UPDATE payments SET ${claim.set}
           WHERE id = $1 AND ${claim.unclaimed}
           RETURNING ${PAYMENT_COLUMNS}, bank_attempts`,
          [paymentId, ...claimParameters(lease)],
        );
        const row = rows[0];
        return row ? { payment: toPayment(row), bankAttempts: row.bank_attempts } : undefined;
      }),

    deferBankAttempt: (paymentId, holder, at, counted) =>
      deferBankAttempt(pool, 'payments', paymentId, holder, at, counted),

    async duePending(now, staleAfterMs, limit) {
      const { rows } = await pool.query<PaymentRow>(
        `SELECT ${PAYMENT_COLUMNS} FROM payments
         WHERE status = 'PENDING'
           AND (next_bank_attempt_at <= $1
                OR (next_bank_attempt_at IS NULL AND updated_at <= $1 - make_interval(secs => $2 / 1000.0)))
         ORDER BY COALESCE(next_bank_attempt_at, updated_at)
         LIMIT $3`,
        [now, staleAfterMs, limit],
      );
      return rows.map(toPayment);
    },
  };
}
