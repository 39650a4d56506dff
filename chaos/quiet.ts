import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { RECEIPT_EVENTS } from '../lambdas/core/domain/receipts';
import { NOTIFIED_EVENTS } from '../lambdas/core/use-cases/notify-merchant';

/** What is still moving for the run's payments; all zero means the system is quiet. */
export interface Motion {
  unpublishedEvents: number;
  /** INITIATED or PENDING (a bank-error payment too: it is failed after the attempt limit). */
  paymentsInFlight: number;
  refundsInFlight: number;
  ledgerPostingsPending: number;
  /** Notices not yet sent, or waiting for a retry because the merchant's endpoint failed. */
  noticesPending: number;
  /** Customer receipts of opted-in merchants not yet sent (or refused for good). */
  receiptsPending: number;
}

export interface QuietResult {
  quiet: boolean;
  waitedMs: number;
  motion: Motion;
}

/** One query for everything still in motion, read from the database the handlers write. */
export async function motionOf(pool: pg.Pool, paymentIds: readonly string[]): Promise<Motion> {
  const { rows } = await pool.query(
    `WITH run AS (SELECT unnest($1::uuid[]) AS id)
     SELECT
       (SELECT count(*) FROM outbox o JOIN run ON run.id = o.aggregate_id WHERE o.published_at IS NULL)
         AS unpublished_events,
       (SELECT count(*) FROM payments p JOIN run ON run.id = p.id
         WHERE p.status IN ('INITIATED', 'PENDING')) AS payments_in_flight,
       (SELECT count(*) FROM refunds r JOIN run ON run.id = r.payment_id WHERE r.status = 'PENDING')
         AS refunds_in_flight,
       (SELECT count(*) FROM payments p JOIN run ON run.id = p.id
         WHERE p.status IN ('SUCCESS', 'REFUNDED')
           AND NOT EXISTS (SELECT 1 FROM ledger.journal_entries e WHERE e.payment_id = p.id AND e.kind = 'payment'))
       + (SELECT count(*) FROM outbox o JOIN run ON run.id = o.aggregate_id
           WHERE o.event_type = 'payment.refund_executed'
             AND NOT EXISTS (SELECT 1 FROM ledger.journal_entries e WHERE e.event_id = o.event_id))
         AS ledger_postings_pending,
       (SELECT count(*) FROM outbox o JOIN run ON run.id = o.aggregate_id
         WHERE o.event_type = ANY($2::text[])
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = o.event_id AND d.status <> 'pending'))
         AS notices_pending,
       (SELECT count(*) FROM outbox o JOIN run ON run.id = o.aggregate_id
          JOIN payments p ON p.id = o.aggregate_id JOIN merchants m ON m.id = p.merchant_id
         WHERE o.event_type = ANY($3::text[]) AND m.customer_receipts AND p.customer IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM receipt_deliveries r WHERE r.event_id = o.event_id AND r.status <> 'pending'))
         AS receipts_pending`,
    [paymentIds, [...NOTIFIED_EVENTS], [...RECEIPT_EVENTS]],
  );
  const row = rows[0];
  return {
    unpublishedEvents: Number(row.unpublished_events),
    paymentsInFlight: Number(row.payments_in_flight),
    refundsInFlight: Number(row.refunds_in_flight),
    ledgerPostingsPending: Number(row.ledger_postings_pending),
    noticesPending: Number(row.notices_pending),
    receiptsPending: Number(row.receipts_pending),
  };
}

const isQuiet = (motion: Motion) => Object.values(motion).every((count) => count === 0);

/** Polls until nothing moves for the run's payments, or `timeoutMs` has passed. */
export async function waitForQuiet(
  pool: pg.Pool,
  paymentIds: readonly string[],
  { timeoutMs, intervalMs = 500 }: { timeoutMs: number; intervalMs?: number },
): Promise<QuietResult> {
  const started = Date.now();
  for (;;) {
    const motion = await motionOf(pool, paymentIds);
    const waitedMs = Date.now() - started;
    if (isQuiet(motion)) return { quiet: true, waitedMs, motion };
    if (waitedMs > timeoutMs) return { quiet: false, waitedMs, motion };
    await sleep(intervalMs);
  }
}
