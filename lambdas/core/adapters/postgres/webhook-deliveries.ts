import type pg from 'pg';
import type { WebhookDeliveries } from '../../use-cases/ports';

export function postgresWebhookDeliveries(pool: pg.Pool): WebhookDeliveries {
  return {
    async endpointOf(merchantId) {
      const { rows } = await pool.query<{ webhook_url: string | null; webhook_secret: string | null }>(
        'SELECT webhook_url, webhook_secret FROM merchants WHERE id = $1',
        [merchantId],
      );
      const row = rows[0];
      return row?.webhook_url && row.webhook_secret
        ? { url: row.webhook_url, secret: row.webhook_secret }
        : undefined;
    },
    async alreadyHandled(eventId) {
      const { rowCount } = await pool.query('SELECT 1 FROM webhook_deliveries WHERE event_id = $1', [
        eventId,
      ]);
      return (rowCount ?? 0) > 0;
    },
    async record(delivery) {
      await pool.query(
        `INSERT INTO webhook_deliveries
           (event_id, merchant_id, payment_id, event_type, url, status, attempts, response_status, last_error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (event_id) DO NOTHING`,
        [
          delivery.eventId,
          delivery.merchantId,
          delivery.paymentId,
          delivery.eventType,
          delivery.url,
          delivery.status,
          delivery.attempts,
          delivery.responseStatus,
          delivery.lastError,
        ],
      );
    },
  };
}
