import type pg from 'pg';
import type { RefundStatus } from '../../domain/payment';
import type { RefundRecord, RefundStore, RefundTransaction } from '../../use-cases/ports/refunds';
import { appendOutbox } from './outbox';
import { PAYMENT_COLUMNS, type PaymentRow, toPayment } from './payment-store';
import { inTransaction } from './pool';
import { moneyOfNumeric, namedQuery, numericOf } from './sql';

interface RefundRow {
  id: string;
  payment_id: string;
  amount: string;
  currency: string;
  reason: string | null;
  request_hash: string;
  status: RefundStatus;
  failure_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

function toRefund(row: RefundRow): RefundRecord {
  return {
    id: row.id,
    paymentId: row.payment_id,
    amount: moneyOfNumeric(row.amount, row.currency),
    reason: row.reason,
    requestHash: row.request_hash,
    status: row.status,
    failureReason: row.failure_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const REFUND_COLUMNS = `id, payment_id, amount::text AS amount, currency, reason, request_hash, status, failure_reason,
  created_at, COALESCE(failed_at, executed_at, created_at) AS updated_at`;

function refundTransaction(client: pg.PoolClient): RefundTransaction {
  return {
    async lockPayment({ merchantId, mode }, paymentId) {
      const { rows } = await client.query<PaymentRow>(
        `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE merchant_id = $1 AND mode = $2 AND id = $3 FOR UPDATE`,
        [merchantId, mode, paymentId],
      );
      return rows[0] ? toPayment(rows[0]) : undefined;
    },

    async refundByKey({ merchantId, mode }, idempotencyKey) {
      const { rows } = await client.query<RefundRow>(
        `SELECT ${REFUND_COLUMNS} FROM refunds WHERE merchant_id = $1 AND mode = $2 AND idempotency_key = $3`,
        [merchantId, mode, idempotencyKey],
      );
      return rows[0] ? toRefund(rows[0]) : undefined;
    },

    async record(payment, decision) {
      const refund = await client.query<RefundRow>(
        namedQuery(
          `INSERT INTO refunds (id, payment_id, merchant_id, mode, idempotency_key, request_hash, amount, currency, reason, kind)
           VALUES (:id, :payment_id, :merchant_id, :mode, :idempotency_key, :request_hash, :amount, :currency, :reason, :kind)
           RETURNING ${REFUND_COLUMNS}`,
          {
            id: decision.refund.id,
            payment_id: payment.id,
            merchant_id: payment.merchantId,
            mode: payment.mode,
            idempotency_key: decision.refund.idempotencyKey,
            request_hash: decision.refund.requestHash,
            amount: numericOf(decision.refund.amount),
            currency: payment.currency,
            reason: decision.refund.reason,
            kind: decision.refund.kind,
          },
        ),
      );
      // The guard trigger (0019) re-checks the pending total against the refunds and the bounds.
      const updated = await client.query<PaymentRow>(
        namedQuery(
          `UPDATE payments SET pending_refund_amount = :pending_after
           WHERE merchant_id = :merchant_id AND id = :id AND status = 'SUCCESS'
           RETURNING ${PAYMENT_COLUMNS}`,
          {
            merchant_id: payment.merchantId,
            id: payment.id,
            pending_after: numericOf(decision.pendingAfter),
          },
        ),
      );
      const after = updated.rows[0] as PaymentRow;
      await appendOutbox(client, decision.event, after.version);
      return { refund: toRefund(refund.rows[0] as RefundRow), payment: toPayment(after) };
    },
  };
}

/** Records refunds against their payment; each refund is one ACID transaction with its payment's new totals. */
export function postgresRefundStore(pool: pg.Pool): RefundStore {
  return {
    inTransaction: (work) => inTransaction(pool, (client) => work(refundTransaction(client))),
    async listForPayment({ merchantId, mode }, paymentId, { limit, startingAfter }) {
      const payments = await pool.query<PaymentRow>(
        `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE merchant_id = $1 AND mode = $2 AND id = $3`,
        [merchantId, mode, paymentId],
      );
      if (!payments.rows[0]) return undefined;
      // Keyset pagination on (created_at, id), as the payments list; a cursor of another payment finds nothing.
      const { rows } = await pool.query<RefundRow>(
        namedQuery(
          `SELECT ${REFUND_COLUMNS} FROM refunds
           WHERE payment_id = :payment_id
             AND (:starting_after::uuid IS NULL OR (created_at, id) < (
               SELECT created_at, id FROM refunds WHERE payment_id = :payment_id AND id = :starting_after))
           ORDER BY created_at DESC, id DESC
           LIMIT :limit`,
          { payment_id: paymentId, starting_after: startingAfter ?? null, limit: limit + 1 },
        ),
      );
      return {
        payment: toPayment(payments.rows[0]),
        refunds: rows.slice(0, limit).map(toRefund),
        hasMore: rows.length > limit,
      };
    },
    async findRefund({ merchantId, mode }, refundId) {
      const { rows } = await pool.query<RefundRow>(
        `SELECT ${REFUND_COLUMNS} FROM refunds WHERE merchant_id = $1 AND mode = $2 AND id = $3`,
        [merchantId, mode, refundId],
      );
      if (!rows[0]) return undefined;
      const payments = await pool.query<PaymentRow>(`SELECT ${PAYMENT_COLUMNS} FROM payments WHERE id = $1`, [
        rows[0].payment_id,
      ]);
      return { refund: toRefund(rows[0]), payment: toPayment(payments.rows[0] as PaymentRow) };
    },
  };
}
