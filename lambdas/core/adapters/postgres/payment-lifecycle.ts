import type pg from 'pg';
import type { PaymentLifecycle } from '../../use-cases/ports/payment-lifecycle';
import type { PaymentRecord } from '../../use-cases/ports/payments';
import { bankClaimOf, CLEARED_CLAIM, claimParameters, claimSql, deferBankAttempt } from './bank-attempts';
import { outboxInsertFrom } from './outbox';
import { PAYMENT_COLUMNS, type PaymentRow, toPayment } from './payment-store';
import { namedQuery } from './sql';

/**
 * `PaymentLifecycle.transition`, on a pool or inside a transaction: one statement, so one round trip and its
 * own transaction on a pool. The conditional update (the condition on the expected status makes a redelivered
 * or concurrent step a no-op), its history row and its event are written together or not at all; no row is
 * updated, so nothing else is written, when it is not in `from`.
 */
export async function transitionPayment(
  db: pg.Pool | pg.PoolClient,
  ...[paymentId, from, to, change]: Parameters<PaymentLifecycle['transition']>
): Promise<PaymentRecord | undefined> {
  const event = change.event ? outboxInsertFrom('updated', change.event) : undefined;
  const { rows } = await db.query<PaymentRow>(
    namedQuery(
      `WITH updated AS (
         UPDATE payments SET status = :to,
           failure_reason = COALESCE(:failure_reason, failure_reason),
           bank_charge_id = COALESCE(:bank_charge_id, bank_charge_id),
           next_bank_attempt_at = NULL,
           ${CLEARED_CLAIM}
         WHERE id = :id AND status = :from
         RETURNING ${PAYMENT_COLUMNS}),
       history AS (
         INSERT INTO payment_status_history (payment_id, from_status, to_status, reason)
         SELECT id, :from, :to, :reason FROM updated)
       ${event ? `, event AS (${event.sql})` : ''}
       SELECT * FROM updated`,
      {
        id: paymentId,
        from,
        to,
        failure_reason: to === 'FAILED' ? (change.reason ?? null) : null,
        bank_charge_id: change.bankChargeId ?? null,
        reason: change.reason ?? null,
        ...event?.parameters,
      },
    ),
  );
  return rows[0] ? toPayment(rows[0]) : undefined;
}

/** The lifecycle side of the payments table, used by the bank processor and the retry sweep. */
export function postgresPaymentLifecycle(pool: pg.Pool): PaymentLifecycle {
  return {
    async find(paymentId) {
      const { rows } = await pool.query<PaymentRow>(`SELECT ${PAYMENT_COLUMNS} FROM payments WHERE id = $1`, [
        paymentId,
      ]);
      return rows[0] ? toPayment(rows[0]) : undefined;
    },

    transition: (paymentId, from, to, change) => transitionPayment(pool, paymentId, from, to, change),

    bankClaim: (paymentId) =>
      bankClaimOf(pool, 'payments', paymentId, async (lease) => {
        const claim = claimSql('payments');
        const { rows } = await pool.query<PaymentRow & { bank_attempts: number }>(
          namedQuery(
            `UPDATE payments SET ${claim.set}
             WHERE id = :id AND ${claim.unclaimed}
             RETURNING ${PAYMENT_COLUMNS}, bank_attempts`,
            { id: paymentId, ...claimParameters(lease) },
          ),
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
