import type pg from 'pg';
import type { EventEnvelope } from '../../domain/events';

/**
 * The one writer of outbox rows: every event is inserted here, inside the transaction of the change it
 * reports, numbered with the payment's version so the relay publishes a payment's events in order.
 */
export async function appendOutbox(
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
