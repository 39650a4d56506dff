import type pg from 'pg';
import type { PaymentLifecycle } from '../../use-cases/ports/bank-attempts';
import { deferBankAttempt, releaseBankAttempt } from './bank-attempts';
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
             bank_attempt_started_at = NULL
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

    async claimBankAttempt(paymentId, now, leaseMs) {
      // One statement: PostgreSQL re-checks the WHERE clause on the row it locks, so of two concurrent
      // claims only one returns the payment (the other sees the first's claim once it commits).
      const { rows } = await pool.query<PaymentRow & { bank_attempts: number }>(
        `UPDATE payments SET bank_attempt_started_at = $2
         WHERE id = $1 AND status = 'PENDING'
           AND (bank_attempt_started_at IS NULL
                OR bank_attempt_started_at <= $2::timestamptz - make_interval(secs => $3 / 1000.0))
         RETURNING ${PAYMENT_COLUMNS}, bank_attempts`,
        [paymentId, now, leaseMs],
      );
      const row = rows[0];
      return row ? { payment: toPayment(row), bankAttempts: row.bank_attempts } : undefined;
    },

    deferBankAttempt: (paymentId, at, counted) => deferBankAttempt(pool, 'payments', paymentId, at, counted),

    releaseBankAttempt: (paymentId) => releaseBankAttempt(pool, 'payments', paymentId),

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
