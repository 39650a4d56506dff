import type pg from 'pg';
import type { PaymentStatus } from '../../domain/payment';
import type { NewPayment, PaymentStore, StatusChangeRecord } from '../../use-cases/ports/payments';
import { numericOf } from './numeric';
import { appendOutbox } from './outbox-append';
import { appendHistory, PAYMENT_COLUMNS, type PaymentRow, toPayment } from './payment-rows';
import { inTransaction } from './pool';

/** PostgreSQL (Aurora in AWS) implementation of the payment store; every write is one ACID transaction. */
export function postgresPaymentStore(pool: pg.Pool): PaymentStore {
  return {
    create(payment: NewPayment, initiated) {
      return inTransaction(pool, async (client) => {
        const inserted = await client.query<PaymentRow>(
          `INSERT INTO payments (id, merchant_id, mode, idempotency_key, request_hash, amount, currency, status, source,
             description, customer, metadata)
           VALUES ($1, $2, $11, $3, $4, $5, $6, 'INITIATED', $7, $8, $9, $10)
           ON CONFLICT (merchant_id, mode, idempotency_key) DO NOTHING
           RETURNING ${PAYMENT_COLUMNS}`,
          [
            payment.id,
            payment.merchantId,
            payment.idempotencyKey,
            payment.requestHash,
            numericOf(payment.amount),
            payment.currency,
            payment.source,
            payment.description,
            payment.customer,
            JSON.stringify(payment.metadata),
            payment.mode,
          ],
        );
        const row = inserted.rows[0];
        if (!row) {
          const existing = await client.query<PaymentRow>(
            `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE merchant_id = $1 AND mode = $2 AND idempotency_key = $3`,
            [payment.merchantId, payment.mode, payment.idempotencyKey],
          );
          return { payment: toPayment(existing.rows[0] as PaymentRow), created: false };
        }
        const created = toPayment(row);
        await appendHistory(client, created.id, null, 'INITIATED', null);
        await appendOutbox(client, initiated, row.version);
        return { payment: created, created: true };
      });
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
        `SELECT ${PAYMENT_COLUMNS} FROM payments p
         WHERE merchant_id = $1 AND mode = $5
           AND ($2::text IS NULL OR status = $2)
           AND ($3::uuid IS NULL OR (created_at, id) < (
             SELECT created_at, id FROM payments WHERE merchant_id = $1 AND mode = $5 AND id = $3))
         ORDER BY created_at DESC, id DESC
         LIMIT $4`,
        [merchantId, status ?? null, startingAfter ?? null, limit + 1, mode],
      );
      return { payments: rows.slice(0, limit).map(toPayment), hasMore: rows.length > limit };
    },
  };
}
