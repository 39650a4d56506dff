import type pg from 'pg';
import type { ReceiptDeliveries, ReceiptRecipient } from '../../use-cases/ports/receipts';
import { namedQuery } from './sql';

/** The receipts' delivery records (migrations/0021), one per event, claimed like webhook deliveries. */
export function postgresReceiptDeliveries(pool: pg.Pool): ReceiptDeliveries {
  return {
    async recipientOf(paymentId) {
      const { rows } = await pool.query<ReceiptRecipient>(
        `SELECT p.customer AS address, m.name AS "merchantName", p.description
           FROM payments p JOIN merchants m ON m.id = p.merchant_id
          WHERE p.id = $1 AND m.customer_receipts AND p.customer IS NOT NULL`,
        [paymentId],
      );
      return rows[0];
    },

    async open(receipt, now, claim) {
      // Inserted, or taken over when pending and its claim has passed (a holder that died); the conflicting
      // row is locked and the condition checked on its newest version:
      // https://www.postgresql.org/docs/current/sql-insert.html#SQL-ON-CONFLICT
      const { rows } = await pool.query<{ attempts: number }>(
        namedQuery(
          `INSERT INTO receipt_deliveries AS r
             (event_id, payment_id, merchant_id, event_type, status, attempts, claim_holder, claimed_until)
           VALUES (:event_id, :payment_id, :merchant_id, :event_type, 'pending', 0, :holder, :until)
           ON CONFLICT (event_id) DO UPDATE SET claim_holder = EXCLUDED.claim_holder,
                                                claimed_until = EXCLUDED.claimed_until
             WHERE r.status = 'pending' AND (r.claimed_until IS NULL OR r.claimed_until < :now)
           RETURNING r.attempts`,
          {
            event_id: receipt.eventId,
            payment_id: receipt.paymentId,
            merchant_id: receipt.merchantId,
            event_type: receipt.eventType,
            holder: claim.holder,
            until: claim.until,
            now,
          },
        ),
      );
      if (rows[0]) return { kind: 'claimed', attempts: rows[0].attempts };
      const held = await pool.query<{ status: string; claimed_until: Date }>(
        'SELECT status, claimed_until FROM receipt_deliveries WHERE event_id = $1',
        [receipt.eventId],
      );
      const row = held.rows[0];
      return row?.status === 'pending' ? { kind: 'held', until: row.claimed_until } : { kind: 'handled' };
    },

    async recordAttempt(eventId, claim) {
      const { rowCount } = await pool.query(
        `UPDATE receipt_deliveries SET attempts = attempts + 1, claimed_until = $3
          WHERE event_id = $1 AND claim_holder = $2 AND status = 'pending'`,
        [eventId, claim.holder, claim.until],
      );
      return rowCount === 1;
    },

    async settle(eventId, holder, outcome) {
      await pool.query(
        `UPDATE receipt_deliveries
            SET status = $3, last_error = $4, sent_at = CASE WHEN $3 = 'sent' THEN now() END,
                claim_holder = NULL, claimed_until = NULL
          WHERE event_id = $1 AND claim_holder = $2 AND status = 'pending'`,
        [eventId, holder, outcome.status, outcome.status === 'sent' ? null : outcome.error],
      );
    },
  };
}
