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

/**
 * The same row as `appendOutbox`, as a data-modifying CTE of the statement that changes the payment: its
 * payment id and version are taken from `source` (a CTE returning the changed payments row's `id` and
 * `version`), so the change and its event are written by one statement, in one round trip. Its parameters
 * are numbered from `first`.
 */
export function outboxInsertFrom(
  source: string,
  event: EventEnvelope,
  first: number,
): { sql: string; values: unknown[] } {
  return {
    sql: `INSERT INTO outbox (event_id, event_type, aggregate_id, aggregate_version, payload, created_at)
          SELECT $${first}, $${first + 1}, id, version, $${first + 2}, $${first + 3} FROM ${source}`,
    values: [event.eventId, event.type, JSON.stringify(event), event.occurredAt],
  };
}
