import type pg from 'pg';
import type { EventEnvelope } from '../../domain/events';
import { namedQuery, type SqlFragment } from './named-parameters';

/**
 * The one outbox INSERT, which every outbox row goes through: `event`'s row, numbered with its payment's
 * version so the relay publishes a payment's events in order. The payment's id and version are taken from
 * `source`, a relation with their `id` and `version`: a data-modifying CTE returning the changed payments row,
 * so that the change and its event are written by one statement in one round trip (payment-store.ts,
 * payment-lifecycle.ts), or the values `appendOutbox` is given. Its named parameters join the statement's.
 */
export function outboxInsertFrom(source: string, event: EventEnvelope): SqlFragment {
  return {
    sql: `INSERT INTO outbox (event_id, event_type, aggregate_id, aggregate_version, payload, created_at)
          SELECT :event_id::uuid, :event_type::text, id, version, :payload::jsonb, :created_at::timestamptz
          FROM ${source}`,
    parameters: {
      event_id: event.eventId,
      event_type: event.type,
      payload: JSON.stringify(event),
      created_at: event.occurredAt,
    },
  };
}

/** Appends `event` inside the transaction of the change it reports, the payment being at `aggregateVersion`. */
export async function appendOutbox(
  client: pg.PoolClient,
  event: EventEnvelope,
  aggregateVersion: number,
): Promise<void> {
  const insert = outboxInsertFrom(
    '(VALUES (:aggregate_id::uuid, :aggregate_version::integer)) AS payment (id, version)',
    event,
  );
  await client.query(
    namedQuery(insert.sql, {
      ...insert.parameters,
      aggregate_id: event.paymentId,
      aggregate_version: aggregateVersion,
    }),
  );
}
