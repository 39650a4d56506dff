import type pg from 'pg';
import type { SecretOpener } from '../../use-cases/ports/secrets';
import type { ClaimedWebhookDelivery, WebhookDeliveries } from '../../use-cases/ports/webhooks';
import { namedQuery } from './sql';

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
/** When a delivery's retry window began: its last resend (`POST /v1/events/{id}/resend`), else its creation. */
const WINDOW_START = 'COALESCE(d.resent_at, d.created_at)';

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
        namedQuery(
          `INSERT INTO webhook_deliveries AS d
             (event_id, merchant_id, payment_id, event_type, url, status, attempts, raw_body, next_attempt_at,
              claimed_until, claim_holder, created_at)
           VALUES (:event_id, :merchant_id, :payment_id, :event_type, :url, 'pending', 0, :raw_body, :now,
                   :claimed_until, :claim_holder, :now)
           ON CONFLICT (event_id) DO UPDATE SET claimed_until = EXCLUDED.claimed_until,
                                                claim_holder = EXCLUDED.claim_holder
             WHERE d.status = 'pending' AND d.next_attempt_at <= :now
               AND (d.claimed_until IS NULL OR d.claimed_until < :now)
           RETURNING d.attempts, ${WINDOW_START} AS created_at`,
          {
            event_id: notice.eventId,
            merchant_id: notice.merchantId,
            payment_id: notice.paymentId,
            event_type: notice.eventType,
            url,
            raw_body: notice.rawBody,
            now,
            claimed_until: claim.until,
            claim_holder: claim.holder,
          },
        ),
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
        namedQuery(
          `UPDATE webhook_deliveries d SET claimed_until = :claimed_until, claim_holder = :claim_holder
            WHERE d.event_id IN (
                    SELECT event_id FROM (
                      SELECT event_id, next_attempt_at,
                             row_number() OVER (PARTITION BY merchant_id ORDER BY next_attempt_at) AS nth
                        FROM webhook_deliveries
                       WHERE status = 'pending' AND next_attempt_at <= :now
                         AND (claimed_until IS NULL OR claimed_until < :now)
                    ) due
                    WHERE due.nth <= :per_merchant
                    ORDER BY due.next_attempt_at
                    LIMIT :limit)
              AND d.status = 'pending' AND (d.claimed_until IS NULL OR d.claimed_until < :now)
            RETURNING d.event_id, d.merchant_id, d.payment_id, d.event_type, d.raw_body, d.url, d.attempts,
                      ${WINDOW_START} AS created_at`,
          { now, claimed_until: claim.until, claim_holder: claim.holder, limit, per_merchant: perMerchant },
        ),
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
        namedQuery(
          `UPDATE webhook_deliveries
              SET status = :status, url = :url, response_status = :response_status, last_error = :last_error,
                  last_attempt_at = :attempted_at, next_attempt_at = :next_attempt_at, claimed_until = NULL,
                  claim_holder = NULL, unanswered_attempts = unanswered_attempts - :answered
            WHERE event_id = :event_id AND claim_holder = :holder AND status = 'pending'`,
          {
            event_id: eventId,
            holder,
            status: outcome.status,
            url: outcome.url,
            response_status: outcome.responseStatus,
            last_error: outcome.lastError,
            attempted_at: outcome.attemptedAt,
            next_attempt_at: outcome.status === 'pending' ? outcome.nextAttemptAt : null,
            answered: outcome.attempts - outcome.unanswered,
          },
        ),
      );
      return rowCount === 1;
    },
  };
}
