import type pg from 'pg';
import type { EventEnvelope } from '../../domain/events';
import { namedQuery, type SqlFragment } from './named-parameters';

/**
 * An outbox row's own values (event id, type, payload, creation time), named: every outbox row is made of
 * these, here or in the statement that creates a payment together with its event (payment-store.ts).
 */
export function outboxParameters(event: EventEnvelope) {
  return {
    event_id: event.eventId,
    event_type: event.type,
    payload: JSON.stringify(event),
    created_at: event.occurredAt,
  };
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
  await client.query(
    namedQuery(
      `INSERT INTO outbox (event_id, event_type, aggregate_id, aggregate_version, payload, created_at)
       VALUES (:event_id, :event_type, :aggregate_id, :aggregate_version, :payload, :created_at)`,
      { ...outboxParameters(event), aggregate_id: event.paymentId, aggregate_version: aggregateVersion },
    ),
  );
}

/**
 * The same row as `appendOutbox`, as a data-modifying CTE of the statement that changes the payment: its
 * payment id and version are taken from `source` (a CTE returning the changed payments row's `id` and
 * `version`), so the change and its event are written by one statement, in one round trip; its named
 * parameters join the statement's.
 */
export function outboxInsertFrom(source: string, event: EventEnvelope): SqlFragment {
  return {
    sql: `INSERT INTO outbox (event_id, event_type, aggregate_id, aggregate_version, payload, created_at)
          SELECT :event_id, :event_type, id, version, :payload, :created_at FROM ${source}`,
    parameters: outboxParameters(event),
  };
}
