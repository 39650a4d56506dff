import type pg from 'pg';
import type { EventEnvelope } from '../../domain/events';

/**
 * An outbox row's own values (event id, type, payload, creation time): every outbox row is made of these, here
 * or in the statement that creates a payment together with its event (payment-store.ts).
 */
export function outboxValues(event: EventEnvelope): [string, string, string, string] {
  return [event.eventId, event.type, JSON.stringify(event), event.occurredAt];
}

/**
 * Appends `event` inside the transaction of the change it reports, numbered with the payment's version so the
 * relay publishes a payment's events in order.
 */
export async function appendOutbox(
  client: pg.PoolClient,
  event: EventEnvelope,
  aggregateVersion: number,
): Promise<void> {
  const [eventId, type, payload, occurredAt] = outboxValues(event);
  await client.query(
    `INSERT INTO outbox (event_id, event_type, aggregate_id, aggregate_version, payload, created_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [eventId, type, event.paymentId, aggregateVersion, payload, occurredAt],
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
