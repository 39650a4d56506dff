import type pg from 'pg';
import type { SecretOpener } from '../../use-cases/ports/secrets';
import type { ClaimedWebhookDelivery, WebhookDeliveries } from '../../use-cases/ports/webhooks';

interface ClaimedRow {
  event_id: string;
  merchant_id: string;
  payment_id: string;
  event_type: string;
  raw_body: string;
  url: string;
  attempts: number;
  created_at: Date;
}

const toClaimed = (row: ClaimedRow): ClaimedWebhookDelivery => ({
  eventId: row.event_id,
  merchantId: row.merchant_id,
  paymentId: row.payment_id,
  eventType: row.event_type,
  rawBody: row.raw_body,
  url: row.url,
  attempts: row.attempts,
  createdAt: row.created_at,
});

interface EndpointRow {
  webhook_url: string | null;
  webhook_secret_sealed: string | null;
  webhook_secret: string | null;
}

/** `secrets` opens the sealed webhook secrets; a plain one (from before they were sealed) is read as it is. */
export function postgresWebhookDeliveries(pool: pg.Pool, secrets: SecretOpener): WebhookDeliveries {
  return {
    async endpointOf(merchantId) {
      const { rows } = await pool.query<EndpointRow>(
        'SELECT webhook_url, webhook_secret_sealed, webhook_secret FROM merchants WHERE id = $1',
        [merchantId],
      );
      const row = rows[0];
      if (!row?.webhook_url) return undefined;
      if (row.webhook_secret_sealed)
        return { url: row.webhook_url, secret: await secrets.open(row.webhook_secret_sealed, merchantId) };
      return row.webhook_secret ? { url: row.webhook_url, secret: row.webhook_secret } : undefined;
    },
    async open(notice, url, now, claim) {
      // Inserted, or taken over when it is due and its claim has passed (a redelivered event whose holder
      // died); the conflicting row is locked and the condition checked on its newest version:
      // https://www.postgresql.org/docs/current/sql-insert.html#SQL-ON-CONFLICT
      const { rows } = await pool.query<{ attempts: number; created_at: Date }>(
        `INSERT INTO webhook_deliveries AS d
           (event_id, merchant_id, payment_id, event_type, url, status, attempts, raw_body, next_attempt_at,
            claimed_until, claim_holder, created_at)
         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7, $8, $9, $7)
         ON CONFLICT (event_id) DO UPDATE SET claimed_until = EXCLUDED.claimed_until,
                                              claim_holder = EXCLUDED.claim_holder
           WHERE d.status = 'pending' AND d.next_attempt_at <= $7
             AND (d.claimed_until IS NULL OR d.claimed_until < $7)
         RETURNING d.attempts, d.created_at`,
        [
          notice.eventId,
          notice.merchantId,
          notice.paymentId,
          notice.eventType,
          url,
          notice.rawBody,
          now,
          claim.until,
          claim.holder,
        ],
      );
      const [claimed] = rows;
      if (claimed) return { kind: 'claimed', attempts: claimed.attempts, createdAt: claimed.created_at };
      // Read afresh (a statement of its own sees a row another opener just inserted).
      const held = await pool.query<{ claimed_until: Date }>(
        `SELECT claimed_until FROM webhook_deliveries
          WHERE event_id = $1 AND status = 'pending' AND next_attempt_at <= $2 AND claimed_until >= $2`,
        [notice.eventId, now],
      );
      const [holder] = held.rows;
      return holder ? { kind: 'held', until: holder.claimed_until } : { kind: 'handled' };
    },
    async claimDue(now, claim, { limit, perMerchant }) {
      // The inner query picks candidates; the UPDATE re-checks status and claim on each row it locks
      // (READ COMMITTED re-evaluates the WHERE clause on the newest row version), so two sweeps running at
      // once never claim the same delivery: https://www.postgresql.org/docs/current/transaction-iso.html#XACT-READ-COMMITTED
      const { rows } = await pool.query<ClaimedRow>(
        `UPDATE webhook_deliveries d SET claimed_until = $2, claim_holder = $5
          WHERE d.event_id IN (
                  SELECT event_id FROM (
                    SELECT event_id, next_attempt_at,
                           row_number() OVER (PARTITION BY merchant_id ORDER BY next_attempt_at) AS nth
                      FROM webhook_deliveries
                     WHERE status = 'pending' AND next_attempt_at <= $1
                       AND (claimed_until IS NULL OR claimed_until < $1)
                  ) due
                  WHERE due.nth <= $4
                  ORDER BY due.next_attempt_at
                  LIMIT $3)
            AND d.status = 'pending' AND (d.claimed_until IS NULL OR d.claimed_until < $1)
          RETURNING d.event_id, d.merchant_id, d.payment_id, d.event_type, d.raw_body, d.url, d.attempts,
                    d.created_at`,
        [now, claim.until, limit, perMerchant, claim.holder],
      );
      return rows.map(toClaimed);
    },
    async recordAttempt(eventId, holder, now, claimedUntil) {
      const { rowCount } = await pool.query(
        `UPDATE webhook_deliveries
            SET attempts = attempts + 1, unanswered_attempts = unanswered_attempts + 1, last_attempt_at = $3,
                claimed_until = $4
          WHERE event_id = $1 AND claim_holder = $2 AND status = 'pending'`,
        [eventId, holder, now, claimedUntil],
      );
      return rowCount === 1;
    },
    async settle(eventId, holder, outcome) {
      // The attempts were counted (as unanswered) when recorded; those whose answer came stop being unanswered.
      const { rowCount } = await pool.query(
        `UPDATE webhook_deliveries
            SET status = $3, url = $4, response_status = $5, last_error = $6, last_attempt_at = $7,
                next_attempt_at = $8, claimed_until = NULL, claim_holder = NULL,
                unanswered_attempts = unanswered_attempts - $9
          WHERE event_id = $1 AND claim_holder = $2 AND status = 'pending'`,
        [
          eventId,
          holder,
          outcome.status,
          outcome.url,
          outcome.responseStatus,
          outcome.lastError,
          outcome.attemptedAt,
          outcome.status === 'pending' ? outcome.nextAttemptAt : null,
          outcome.attempts - outcome.unanswered,
        ],
      );
      return rowCount === 1;
    },
  };
}
