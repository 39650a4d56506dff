import type pg from 'pg';
import type { Mode } from '../../domain/mode';
import type { PaymentStatus } from '../../domain/payment';
import type { PaymentRecord } from '../../use-cases/ports/payments';
import { moneyOfNumeric } from './numeric';

/** The payments row as the payment adapters read it, and its status history. */

export const PAYMENT_COLUMNS = `id, merchant_id, mode, status, amount::text AS amount, currency, refunded_amount::text AS refunded_amount,
  source, description, customer, metadata, failure_reason, request_hash, created_at, updated_at, version`;

export interface PaymentRow {
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

export function toPayment(row: PaymentRow): PaymentRecord {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    mode: row.mode,
    status: row.status,
    amount: moneyOfNumeric(row.amount, row.currency),
    currency: row.currency,
    refundedAmount: moneyOfNumeric(row.refunded_amount, row.currency),
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
