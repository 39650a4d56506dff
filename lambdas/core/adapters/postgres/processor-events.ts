import type pg from 'pg';
import type { ProcessorEvents, ProcessorEventTransaction } from '../../use-cases/ports/processor-events';
import { CLEARED_CLAIM } from './bank-attempts';
import { transitionPayment } from './payment-lifecycle';
import { PAYMENT_COLUMNS, type PaymentRow, toPayment } from './payment-store';
import { inTransaction } from './pool';
import { refundOutcomeTransaction } from './refund-executions';
import { moneyOfNumeric, namedQuery } from './sql';

/** The processor is Stripe for every event this table records today (its CHECK names the others to come). */
const PROCESSOR = 'stripe';

function processorEventTransaction(client: pg.PoolClient): ProcessorEventTransaction {
  const lockPaymentWhere = async (where: string, value: string) => {
    const { rows } = await client.query<PaymentRow>(
      `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE ${where} = $1 FOR UPDATE`,
      [value],
    );
    return rows[0] ? toPayment(rows[0]) : undefined;
  };
  return {
    ...refundOutcomeTransaction(client),

    async record(event) {
      const { rowCount } = await client.query(
        namedQuery(
          `INSERT INTO processor_events (id, processor, mode, type, object_id, outcome)
           VALUES (:id, :processor, :mode, :type, :object_id, 'received')
           ON CONFLICT (id) DO NOTHING`,
          {
            id: event.id,
            processor: PROCESSOR,
            mode: event.mode,
            type: event.type,
            object_id: event.objectId,
          },
        ),
      );
      return rowCount === 1;
    },

    async conclude(eventId, outcome, findings) {
      await client.query(
        namedQuery(
          `UPDATE processor_events SET outcome = :outcome, payment_id = :payment_id, refund_id = :refund_id,
             details = :details::jsonb
           WHERE id = :id`,
          {
            id: eventId,
            outcome,
            payment_id: findings.paymentId ?? null,
            refund_id: findings.refundId ?? null,
            details: findings.details ? JSON.stringify(findings.details) : null,
          },
        ),
      );
    },

    lockPayment: (paymentId) => lockPaymentWhere('id', paymentId),
    lockPaymentCharged: (chargeId) => lockPaymentWhere('bank_charge_id', chargeId),

    async refundOf(paymentId, refundId) {
      const { rows } = await client.query<{
        status: 'PENDING' | 'EXECUTED' | 'FAILED';
        amount: string;
        currency: string;
        bank_refund_id: string | null;
      }>(
        `SELECT status, amount::text AS amount, currency, bank_refund_id FROM refunds
         WHERE id = $1 AND payment_id = $2`,
        [refundId, paymentId],
      );
      const row = rows[0];
      return row
        ? {
            status: row.status,
            amount: moneyOfNumeric(row.amount, row.currency),
            bankRefundId: row.bank_refund_id,
          }
        : undefined;
    },

    transition: (...args) => transitionPayment(client, ...args),

    async markReversed(refundId, reason) {
      const { rows } = await client.query<{ amount: string; currency: string }>(
        `UPDATE refunds SET status = 'FAILED', failure_reason = $2, failed_at = now(),
           ${CLEARED_CLAIM}, next_bank_attempt_at = NULL
         WHERE id = $1 AND status = 'EXECUTED'
         RETURNING amount::text AS amount, currency`,
        [refundId, reason],
      );
      const row = rows[0];
      return row ? moneyOfNumeric(row.amount, row.currency) : undefined;
    },
  };
}

/** Processor events, recorded and applied in one transaction each. */
export function postgresProcessorEvents(pool: pg.Pool): ProcessorEvents {
  return {
    inTransaction: (work) => inTransaction(pool, (client) => work(processorEventTransaction(client))),
  };
}
