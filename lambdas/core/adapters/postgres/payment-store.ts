import type pg from 'pg';
import type { Mode } from '../../domain/mode';
import type { PaymentStatus } from '../../domain/payment';
import type {
  NewPayment,
  PaymentRecord,
  PaymentStore,
  StatusChangeRecord,
} from '../../use-cases/ports/payments';
import { outboxInsertFrom } from './outbox';
import { moneyOfNumeric, namedQuery, numericOf } from './sql';

/** The payments row as the payment adapters read it, and its status history. */

export const PAYMENT_COLUMNS = `id, merchant_id, mode, status, amount::text AS amount, currency, refunded_amount::text AS refunded_amount,
  pending_refund_amount::text AS pending_refund_amount, source, description, customer, metadata, failure_reason, request_hash, created_at, updated_at, version`;

export interface PaymentRow {
  id: string;
  merchant_id: string;
  mode: Mode;
  status: PaymentStatus;
  amount: string;
  currency: string;
  refunded_amount: string;
  pending_refund_amount: string;
  source: string;
  description: string | null;
  customer: string | null;
  metadata: Record<string, string>;
  failure_reason: string | null;
  request_hash: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

export function toPayment(row: PaymentRow): PaymentRecord {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    mode: row.mode,
    status: row.status,
    amount: moneyOfNumeric(row.amount, row.currency),
    currency: row.currency,
    refundedAmount: moneyOfNumeric(row.refunded_amount, row.currency),
    pendingRefundAmount: moneyOfNumeric(row.pending_refund_amount, row.currency),
    source: row.source,
    description: row.description,
    customer: row.customer,
    metadata: row.metadata,
    failureReason: row.failure_reason,
    requestHash: row.request_hash,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function appendHistory(
  client: pg.PoolClient,
  paymentId: string,
  from: PaymentStatus | null,
  to: PaymentStatus,
  reason: string | null,
): Promise<void> {
  await client.query(
    'INSERT INTO payment_status_history (payment_id, from_status, to_status, reason) VALUES ($1, $2, $3, $4)',
    [paymentId, from, to, reason],
  );
}

/** PostgreSQL (Aurora in AWS) implementation of the payment store; every write is one ACID transaction. */
export function postgresPaymentStore(pool: pg.Pool): PaymentStore {
  return {
    async create(payment: NewPayment, initiated) {
      // One statement, so one round trip and its own transaction: the payment, its first history row and its
      // outbox row are written together or not at all (the history's and outbox's foreign keys are checked at
      // the statement's end, when the payment row exists). A conflict on the idempotency key writes nothing.
      const event = outboxInsertFrom('payment', initiated);
      const inserted = await pool.query<PaymentRow>(
        namedQuery(
          `WITH payment AS (
             INSERT INTO payments (id, merchant_id, mode, idempotency_key, request_hash, amount, currency, status,
               source, description, customer, metadata)
             VALUES (:id, :merchant_id, :mode, :idempotency_key, :request_hash, :amount, :currency, 'INITIATED',
               :source, :description, :customer, :metadata)
             ON CONFLICT (merchant_id, mode, idempotency_key) DO NOTHING
             RETURNING ${PAYMENT_COLUMNS}
           ), history AS (
             INSERT INTO payment_status_history (payment_id, from_status, to_status, reason)
             SELECT id, NULL, status, NULL FROM payment
           ), event AS (${event.sql})
           SELECT * FROM payment`,
          {
            id: payment.id,
            merchant_id: payment.merchantId,
            mode: payment.mode,
            idempotency_key: payment.idempotencyKey,
            request_hash: payment.requestHash,
            amount: numericOf(payment.amount),
            currency: payment.currency,
            source: payment.source,
            description: payment.description,
            customer: payment.customer,
            metadata: JSON.stringify(payment.metadata),
            ...event.parameters,
          },
        ),
      );
      const row = inserted.rows[0];
      if (row) return { payment: toPayment(row), created: true };
      const existing = await pool.query<PaymentRow>(
        `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE merchant_id = $1 AND mode = $2 AND idempotency_key = $3`,
        [payment.merchantId, payment.mode, payment.idempotencyKey],
      );
      return { payment: toPayment(existing.rows[0] as PaymentRow), created: false };
    },

    async find({ merchantId, mode }, paymentId) {
      const { rows } = await pool.query<PaymentRow>(
        `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE merchant_id = $1 AND mode = $2 AND id = $3`,
        [merchantId, mode, paymentId],
      );
      return rows[0] ? toPayment(rows[0]) : undefined;
    },

    async history(paymentId) {
      const { rows } = await pool.query<{
        from_status: PaymentStatus | null;
        to_status: PaymentStatus;
        reason: string | null;
        occurred_at: Date;
      }>(
        'SELECT from_status, to_status, reason, occurred_at FROM payment_status_history WHERE payment_id = $1 ORDER BY id',
        [paymentId],
      );
      return rows.map(
        (row): StatusChangeRecord => ({
          from: row.from_status,
          to: row.to_status,
          reason: row.reason,
          occurredAt: row.occurred_at,
        }),
      );
    },

    async list({ merchantId, mode }, { limit, startingAfter, status }) {
      // Keyset pagination on (created_at, id): stable under concurrent inserts, unlike OFFSET.
      const { rows } = await pool.query<PaymentRow>(
        namedQuery(
          `SELECT ${PAYMENT_COLUMNS} FROM payments p
           WHERE merchant_id = :merchant_id AND mode = :mode
             AND (:status::text IS NULL OR status = :status)
             AND (:starting_after::uuid IS NULL OR (created_at, id) < (
               SELECT created_at, id FROM payments
               WHERE merchant_id = :merchant_id AND mode = :mode AND id = :starting_after))
           ORDER BY created_at DESC, id DESC
           LIMIT :limit`,
          {
            merchant_id: merchantId,
            mode,
            status: status ?? null,
            starting_after: startingAfter ?? null,
            limit: limit + 1,
          },
        ),
      );
      return { payments: rows.slice(0, limit).map(toPayment), hasMore: rows.length > limit };
    },
  };
}
