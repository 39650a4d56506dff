import type pg from 'pg';
import { type MerchantEventBody, merchantEventBody, readEvent } from '../../domain/events';
import type { EventHistory, EventRecord } from '../../use-cases/ports/events';
import { namedQuery } from './sql';

interface EventRow {
  event_id: string;
  raw_body: string | null;
  payload: unknown;
  has_endpoint: boolean;
  status: 'pending' | 'delivered' | 'failed' | null;
  attempts: number | null;
  response_status: number | null;
  last_error: string | null;
  last_attempt_at: Date | null;
  next_attempt_at: Date | null;
}

/** The body the merchant was sent, as sent; else the one its webhook carries, made from the outbox's event. */
function bodyOf(row: EventRow): MerchantEventBody {
  if (row.raw_body !== null) return JSON.parse(row.raw_body) as MerchantEventBody;
  const read = readEvent(row.payload);
  if (read.kind !== 'event') throw new Error(`event ${row.event_id} has the unknown type ${read.type}`);
  return merchantEventBody(read.event);
}

function toEventRecord(row: EventRow): EventRecord {
  const body = bodyOf(row);
  if (row.status === null) {
    // Not handled by the notifier yet: pending when there is an endpoint to send it to.
    return {
      body,
      delivery: row.has_endpoint
        ? {
            status: 'pending',
            attempts: 0,
            responseStatus: null,
            lastError: null,
            lastAttemptAt: null,
            nextAttemptAt: null,
          }
        : null,
    };
  }
  return {
    body,
    delivery: {
      status: row.status,
      attempts: row.attempts ?? 0,
      responseStatus: row.response_status,
      lastError: row.last_error,
      lastAttemptAt: row.last_attempt_at,
      nextAttemptAt: row.next_attempt_at,
    },
  };
}

/**
 * The events whose rows `outboxMatch` and `deliveryMatch` select, each once, with its delivery, payment and
 * creation time: from the outbox while it holds them (published rows are pruned after 7 days), else from their
 * delivery records, which are kept. `:types` limits them to the types the merchant sees.
 */
function knownEvents(outboxMatch: string, deliveryMatch: string): string {
  return `SELECT o.event_id, o.payload, d.raw_body, d.status, d.attempts, d.response_status, d.last_error,
                 d.last_attempt_at, d.next_attempt_at, o.aggregate_id AS payment_id,
                 COALESCE(d.raw_body::jsonb ->> 'createdAt', o.payload ->> 'occurredAt')::timestamptz AS created
            FROM outbox o LEFT JOIN webhook_deliveries d ON d.event_id = o.event_id
           WHERE ${outboxMatch} AND o.event_type = ANY(:types)
          UNION ALL
          SELECT d.event_id, NULL, d.raw_body, d.status, d.attempts, d.response_status, d.last_error,
                 d.last_attempt_at, d.next_attempt_at, d.payment_id, (d.raw_body::jsonb ->> 'createdAt')::timestamptz
            FROM webhook_deliveries d
           WHERE ${deliveryMatch} AND d.event_type = ANY(:types) AND d.raw_body IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = d.event_id)`;
}

export function postgresEventHistory(pool: pg.Pool): EventHistory {
  return {
    async find({ merchantId, mode }, { eventId, types }) {
      const { rows } = await pool.query<EventRow>(
        namedQuery(
          `WITH event AS (${knownEvents('o.event_id = :event_id', 'd.event_id = :event_id')})
           SELECT e.*, m.webhook_url IS NOT NULL AS has_endpoint
             FROM event e JOIN payments p ON p.id = e.payment_id JOIN merchants m ON m.id = p.merchant_id
            WHERE p.merchant_id = :merchant_id AND p.mode = :mode`,
          { event_id: eventId, types, merchant_id: merchantId, mode },
        ),
      );
      return rows[0] && toEventRecord(rows[0]);
    },

    async list({ merchantId, mode }, { paymentId, types, limit, startingAfter }) {
      // The scope's payments (one of them when `paymentId` is given): another merchant's or mode's have none.
      const ofScope = `IN (SELECT id FROM payments WHERE merchant_id = :merchant_id AND mode = :mode
                            AND (:payment_id::uuid IS NULL OR id = :payment_id))`;
      const { rows } = await pool.query<EventRow>(
        namedQuery(
          `WITH events AS (${knownEvents(`o.aggregate_id ${ofScope}`, `d.merchant_id = :merchant_id AND d.payment_id ${ofScope}`)})
           SELECT e.*, m.webhook_url IS NOT NULL AS has_endpoint
             FROM events e CROSS JOIN merchants m
            WHERE m.id = :merchant_id
              AND (:starting_after::uuid IS NULL
                   OR (e.created, e.event_id) < (SELECT created, event_id FROM events WHERE event_id = :starting_after))
            ORDER BY e.created DESC, e.event_id DESC
            LIMIT :limit`,
          {
            payment_id: paymentId ?? null,
            merchant_id: merchantId,
            mode,
            types,
            starting_after: startingAfter ?? null,
            limit: limit + 1,
          },
        ),
      );
      return { events: rows.slice(0, limit).map(toEventRecord), hasMore: rows.length > limit };
    },

    async resend({ merchantId }, { body, now }) {
      // A delivery record due now, sent by the retry sweep with a fresh give-up window from `resent_at`: a new
      // one (the event was never sent: no endpoint then) or the event's own, whatever it came to. Its body stays
      // the one first sent, so the merchant receives the same event id and bytes.
      const { rowCount } = await pool.query(
        namedQuery(
          `INSERT INTO webhook_deliveries (event_id, merchant_id, payment_id, event_type, url, status, attempts,
             raw_body, next_attempt_at, resent_at)
           SELECT :event_id, m.id, :payment_id, :event_type, m.webhook_url, 'pending', 0, :raw_body, :now, :now
             FROM merchants m WHERE m.id = :merchant_id AND m.webhook_url IS NOT NULL
           ON CONFLICT (event_id) DO UPDATE
             SET status = 'pending', next_attempt_at = :now, resent_at = :now, url = EXCLUDED.url`,
          {
            event_id: body.id,
            merchant_id: merchantId,
            payment_id: body.data.paymentId,
            event_type: body.type,
            raw_body: JSON.stringify(body),
            now,
          },
        ),
      );
      return rowCount === 1 ? 'scheduled' : 'no_endpoint';
    },
  };
}
