import type pg from 'pg';
import type { EventEnvelope } from '../../domain/events';
import type { Mode } from '../../domain/mode';
import type { PaymentStatus } from '../../domain/payment';
import type {
  NewPayment,
  PaymentLifecycle,
  PaymentRecord,
  PaymentStore,
  RefundDecision,
  RefundExecutions,
  RefundRecord,
  StatusChangeRecord,
} from '../../use-cases/ports';
import { inTransaction } from './pool';

const PAYMENT_COLUMNS = `id, merchant_id, mode, status, amount::text AS amount, currency, refunded_amount::text AS refunded_amount,
  source, description, customer, metadata, failure_reason, request_hash, created_at, updated_at, version`;

interface PaymentRow {
  id: string;
  merchant_id: string;
  mode: Mode;
  status: PaymentStatus;
  amount: string;
  currency: string;
  refunded_amount: string;
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

function toPayment(row: PaymentRow): PaymentRecord {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    mode: row.mode,
    status: row.status,
    amount: row.amount,
    currency: row.currency,
    refundedAmount: row.refunded_amount,
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

interface RefundRow {
  id: string;
  payment_id: string;
  amount: string;
  currency: string;
  reason: string | null;
  request_hash: string;
  created_at: Date;
}

function toRefund(row: RefundRow): RefundRecord {
  return {
    id: row.id,
    paymentId: row.payment_id,
    amount: row.amount,
    currency: row.currency,
    reason: row.reason,
    requestHash: row.request_hash,
    createdAt: row.created_at,
  };
}

async function appendOutbox(
  client: pg.PoolClient,
  event: EventEnvelope,
  aggregateVersion: number,
): Promise<void> {
  await client.query(
    `INSERT INTO outbox (event_id, event_type, aggregate_id, aggregate_version, payload, created_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [event.eventId, event.type, event.paymentId, aggregateVersion, JSON.stringify(event), event.occurredAt],
  );
}

async function appendHistory(
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
            payment.amount,
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
        await appendOutbox(client, initiated(created), row.version);
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

    refund(
      { merchantId, mode },
      paymentId,
      idempotencyKey,
      decide: (payment: PaymentRecord) => RefundDecision,
    ) {
      return inTransaction(pool, async (client) => {
        const locked = await client.query<PaymentRow>(
          `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE merchant_id = $1 AND mode = $2 AND id = $3 FOR UPDATE`,
          [merchantId, mode, paymentId],
        );
        const row = locked.rows[0];
        if (!row) return undefined;
        const existing = await client.query<RefundRow>(
          `SELECT id, payment_id, amount::text AS amount, currency, reason, request_hash, created_at
           FROM refunds WHERE merchant_id = $1 AND mode = $2 AND idempotency_key = $3`,
          [merchantId, mode, idempotencyKey],
        );
        if (existing.rows[0]) {
          return { refund: toRefund(existing.rows[0]), payment: toPayment(row), created: false };
        }
        const payment = toPayment(row);
        const decision = decide(payment);
        const refund = await client.query<RefundRow>(
          `INSERT INTO refunds (id, payment_id, merchant_id, mode, idempotency_key, request_hash, amount, currency, reason, kind)
           VALUES ($1, $2, $3, $10, $4, $5, $6, $7, $8, $9)
           RETURNING id, payment_id, amount::text AS amount, currency, reason, request_hash, created_at`,
          [
            decision.refund.id,
            payment.id,
            merchantId,
            decision.refund.idempotencyKey,
            decision.refund.requestHash,
            decision.refund.amount,
            payment.currency,
            decision.refund.reason,
            decision.refund.kind,
            mode,
          ],
        );
        // The guard trigger re-checks the transition and the refund bounds inside the database.
        const updated = await client.query<PaymentRow>(
          `UPDATE payments SET refunded_amount = $3, status = $4
           WHERE merchant_id = $1 AND id = $2 AND status = $5
           RETURNING ${PAYMENT_COLUMNS}`,
          [merchantId, payment.id, decision.refundedAfter, decision.statusAfter, payment.status],
        );
        const after = updated.rows[0] as PaymentRow;
        if (decision.statusAfter !== payment.status) {
          await appendHistory(
            client,
            payment.id,
            payment.status,
            decision.statusAfter,
            decision.refund.reason,
          );
        }
        await appendOutbox(client, decision.event, after.version);
        return { refund: toRefund(refund.rows[0] as RefundRow), payment: toPayment(after), created: true };
      });
    },
  };
}

/** The lifecycle side of the payments table, used by the bank processor and the pending-payments sweeper. */
export function postgresPaymentLifecycle(pool: pg.Pool): PaymentLifecycle {
  return {
    async find(paymentId) {
      const { rows } = await pool.query<PaymentRow>(`SELECT ${PAYMENT_COLUMNS} FROM payments WHERE id = $1`, [
        paymentId,
      ]);
      return rows[0] ? toPayment(rows[0]) : undefined;
    },

    transition(paymentId, from, to, change) {
      return inTransaction(pool, async (client) => {
        // The condition on the expected status makes a redelivered or concurrent step a no-op.
        const updated = await client.query<PaymentRow>(
          `UPDATE payments SET status = $3,
             failure_reason = COALESCE($4, failure_reason),
             bank_charge_id = COALESCE($5, bank_charge_id),
             next_bank_attempt_at = NULL,
             bank_attempt_started_at = NULL
           WHERE id = $1 AND status = $2
           RETURNING ${PAYMENT_COLUMNS}`,
          [
            paymentId,
            from,
            to,
            to === 'FAILED' ? (change.reason ?? null) : null,
            change.bankChargeId ?? null,
          ],
        );
        const row = updated.rows[0];
        if (!row) return undefined;
        const payment = toPayment(row);
        await appendHistory(client, paymentId, from, to, change.reason ?? null);
        await appendOutbox(client, change.event(payment), row.version);
        return payment;
      });
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

    async deferBankAttempt(paymentId, at, counted) {
      await pool.query(
        `UPDATE payments SET next_bank_attempt_at = $2, bank_attempts = bank_attempts + $3,
           bank_attempt_started_at = NULL
         WHERE id = $1 AND status = 'PENDING'`,
        [paymentId, at, counted ? 1 : 0],
      );
    },

    async releaseBankAttempt(paymentId) {
      await pool.query(
        `UPDATE payments SET bank_attempt_started_at = NULL WHERE id = $1 AND status = 'PENDING'`,
        [paymentId],
      );
    },

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

/** Refunds recorded by the API or the saga, executed at the bank by the bank processor and the sweeper. */
export function postgresRefundExecutions(pool: pg.Pool): RefundExecutions {
  return {
    async claim(refundId, now, leaseMs) {
      const { rows } = await pool.query<{
        mode: Mode;
        charge_id: string | null;
        amount: string;
        currency: string;
        bank_attempts: number;
      }>(
        `UPDATE refunds r SET bank_attempt_started_at = $2
         FROM payments p
         WHERE r.id = $1 AND p.id = r.payment_id AND r.status = 'PENDING'
           AND (r.bank_attempt_started_at IS NULL
                OR r.bank_attempt_started_at <= $2::timestamptz - make_interval(secs => $3 / 1000.0))
         RETURNING p.mode, p.bank_charge_id AS charge_id, r.amount::text AS amount, r.currency, r.bank_attempts`,
        [refundId, now, leaseMs],
      );
      const row = rows[0];
      if (!row) return undefined;
      if (!row.charge_id) throw new Error(`refund ${refundId} belongs to a payment without a bank charge`);
      return {
        mode: row.mode,
        chargeId: row.charge_id,
        amount: row.amount,
        currency: row.currency,
        bankAttempts: row.bank_attempts,
      };
    },

    async release(refundId) {
      await pool.query(
        `UPDATE refunds SET bank_attempt_started_at = NULL WHERE id = $1 AND status = 'PENDING'`,
        [refundId],
      );
    },

    markExecuted(refundId, bankRefundId, event) {
      return inTransaction(pool, async (client) => {
        const executed = await client.query<{ payment_id: string; merchant_id: string; mode: Mode }>(
          `UPDATE refunds SET status = 'EXECUTED', bank_refund_id = $2, executed_at = now(),
             bank_attempt_started_at = NULL, next_bank_attempt_at = NULL
           WHERE id = $1 AND status = 'PENDING'
           RETURNING payment_id, merchant_id, mode`,
          [refundId, bankRefundId],
        );
        const refund = executed.rows[0];
        if (!refund) return;
        // A no-op update that bumps the payment's version (guard trigger), so the event keeps its order.
        const payment = await client.query<{ version: number }>(
          'UPDATE payments SET refunded_amount = refunded_amount WHERE id = $1 RETURNING version',
          [refund.payment_id],
        );
        await appendOutbox(
          client,
          event({ paymentId: refund.payment_id, merchantId: refund.merchant_id, mode: refund.mode }),
          (payment.rows[0] as { version: number }).version,
        );
      });
    },

    markFailed(refundId, reason, decide) {
      return inTransaction(pool, async (client) => {
        const locked = await client.query<PaymentRow>(
          `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE id = (SELECT payment_id FROM refunds WHERE id = $1) FOR UPDATE`,
          [refundId],
        );
        const row = locked.rows[0];
        if (!row) return;
        const failed = await client.query<{ amount: string }>(
          `UPDATE refunds SET status = 'FAILED', failure_reason = $2, failed_at = now(),
             bank_attempt_started_at = NULL, next_bank_attempt_at = NULL
           WHERE id = $1 AND status = 'PENDING'
           RETURNING amount::text AS amount`,
          [refundId, reason],
        );
        const refund = failed.rows[0];
        if (!refund) return;
        const payment = toPayment(row);
        const decision = decide(payment, refund);
        // The guard trigger lets the refunded amount shrink only to the sum of the refunds that did not fail.
        const updated = await client.query<PaymentRow>(
          `UPDATE payments SET refunded_amount = $2, status = $3 WHERE id = $1 RETURNING ${PAYMENT_COLUMNS}`,
          [payment.id, decision.refundedAfter, decision.statusAfter],
        );
        if (decision.statusAfter !== payment.status)
          await appendHistory(
            client,
            payment.id,
            payment.status,
            decision.statusAfter,
            `refund failed: ${reason}`,
          );
        await appendOutbox(client, decision.event, (updated.rows[0] as PaymentRow).version);
      });
    },

    async defer(refundId, at, counted) {
      await pool.query(
        `UPDATE refunds SET next_bank_attempt_at = $2, bank_attempts = bank_attempts + $3,
           bank_attempt_started_at = NULL
         WHERE id = $1 AND status = 'PENDING'`,
        [refundId, at, counted ? 1 : 0],
      );
    },

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
