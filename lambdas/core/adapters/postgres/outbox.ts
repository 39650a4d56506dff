import type pg from 'pg';
import type { EventEnvelope } from '../../domain/events';
import type { ClaimedOutboxBatch, Outbox } from '../../use-cases/ports/outbox';
import { namedQuery, type SqlFragment } from './sql';

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

/**
 * How many of the oldest unpublished events a claim looks at per payment it may claim: a payment's life
 * writes a few events, and the head also holds the events of payments another claim holds (the relay's next
 * claim is made while its current one publishes; two invocations may overlap), which are skipped. So the head
 * holds `maxPayments` claimable payments unless the backlog is a few payments'.
 */
const HEAD_EVENTS_PER_PAYMENT = 8;

/**
 * The outbox read side, for the relay. A claim is one transaction that holds a transaction-level advisory
 * lock per payment: a second relay skips those payments instead of publishing their later events first.
 * See docs/outbox-relay.md for why no event is skipped forever and why per-payment order holds.
 */
export function postgresOutbox(pool: pg.Pool): Outbox {
  // Payments held by this outbox's open claims. A claim skips them by name, not only by their locks: its first
  // statement's snapshot is taken before its locks, so a claim that ends meanwhile (committing its events as
  // published) would otherwise hand this one payments whose events it then finds already published.
  const held = new Set<string>();
  return {
    async claim(maxPayments) {
      const client = await pool.connect();
      let open = true;
      let aggregates: string[] = [];
      const end = async (sql: 'COMMIT' | 'ROLLBACK') => {
        if (!open) return;
        open = false;
        for (const aggregate of aggregates) held.delete(aggregate);
        try {
          await client.query(sql);
        } finally {
          client.release();
        }
      };
      try {
        await client.query('BEGIN');
        // The payments of the oldest unpublished events, read from the head of the queue only (a bounded
        // index scan, whatever the backlog): the first payments in order of their oldest unpublished event
        // that are not held here and whose lock is free. The limit comes after the lock test, so payments
        // another claim holds do not use this claim up, and it stops the scan of the materialised list: no
        // lock is taken beyond it.
        const claimed = await client.query<{ aggregate_id: string }>(
          namedQuery(
            `WITH head AS MATERIALIZED (
               SELECT id, aggregate_id FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT :head_events),
             oldest AS MATERIALIZED (
               SELECT aggregate_id, min(id) AS first_id FROM head WHERE aggregate_id <> ALL(:held::uuid[])
               GROUP BY aggregate_id ORDER BY first_id)
             SELECT aggregate_id FROM oldest
             WHERE pg_try_advisory_xact_lock(hashtextextended(aggregate_id::text, 0))
             LIMIT :max_payments`,
            {
              head_events: maxPayments * HEAD_EVENTS_PER_PAYMENT,
              held: [...held],
              max_payments: maxPayments,
            },
          ),
        );
        aggregates = claimed.rows.map((row) => row.aggregate_id);
        for (const aggregate of aggregates) held.add(aggregate);
        // A fresh snapshot, taken after the locks: it sees every event committed by the claim's previous holder.
        const { rows } = await client.query<{
          id: string;
          event_id: string;
          event_type: string;
          aggregate_id: string;
          payload: string;
        }>(
          // The payload as text: published as it is stored, never parsed and serialised again.
          `SELECT id, event_id, event_type, aggregate_id, payload::text AS payload FROM outbox
           WHERE published_at IS NULL AND aggregate_id = ANY($1::uuid[])
           ORDER BY aggregate_id, aggregate_version, id`,
          [aggregates],
        );
        const batch: ClaimedOutboxBatch = {
          events: rows.map((row) => ({
            outboxId: row.id,
            eventId: row.event_id,
            type: row.event_type,
            key: row.aggregate_id,
            value: row.payload,
          })),
          async markPublished() {
            await client.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [
              rows.map((row) => row.id),
            ]);
            await end('COMMIT');
          },
          release: () => end('ROLLBACK'),
        };
        return batch;
      } catch (error) {
        await end('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },

    async lagSeconds() {
      const { rows } = await pool.query<{ lag: string | null }>(
        'SELECT extract(epoch FROM now() - min(created_at))::text AS lag FROM outbox WHERE published_at IS NULL',
      );
      return rows[0]?.lag ? Math.max(0, Number.parseFloat(rows[0].lag)) : 0;
    },

    async prunePublished(olderThan, limit) {
      const { rowCount } = await pool.query(
        `DELETE FROM outbox WHERE id IN (
           SELECT id FROM outbox WHERE published_at IS NOT NULL AND published_at < $1 ORDER BY id LIMIT $2)`,
        [olderThan, limit],
      );
      return rowCount ?? 0;
    },
  };
}
