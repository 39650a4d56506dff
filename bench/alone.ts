/**
 * The relay alone and each consumer alone, on the scratch database (bench/scratch.ts) so the running relay
 * and consumers never see this work: the relay publishes to a scratch topic, and the consumers are invoked
 * in this process, as the local runner invokes them, with MSK events built from the scratch outbox.
 */
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { kafkaEventPublisher } from '../lambdas/core/adapters/kafka/event-publisher';
import { mskEventFor } from '../lambdas/core/adapters/kafka/msk-event';
import { postgresOutbox } from '../lambdas/core/adapters/postgres/outbox';
import { createPool } from '../lambdas/core/adapters/postgres/pool';
import { DATABASE_ROLES } from '../lambdas/core/config/database-roles';
import { CONSUMERS, OUTBOX_RELAY } from '../lambdas/core/config/messaging';
import { EVENT_SCHEMA_VERSION } from '../lambdas/core/domain/events';
import { relayOutbox } from '../lambdas/core/use-cases/relay-outbox';
import { invokeFunction, loadHandler } from '../localstack/src/lambda-runtime';
import { handlerEnvironment, type LocalEndpoints } from '../localstack/src/stack';
import type { Throughput } from './engines';
import { type ScratchDatabase, withScratchTopic } from './scratch';
import { perSecond } from './stats';

/** The latest instant a Date holds: the relay's deadline, which its clock reaches once the outbox is empty. */
const END_OF_TIME_MS = 8.64e15;

/**
 * `count` INITIATED payments of the first demo merchant, each with its history row and its `payment.initiated`
 * event (the envelope the API writes, version from the domain), in one statement per table: the outbox a
 * burst of creates leaves, one event per payment (the relay's most expensive shape: one claimed payment per event).
 */
export async function prefillInitiatedPayments(
  pool: pg.Pool,
  count: number,
  merchantId: string,
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `CREATE TEMP TABLE bench_ids ON COMMIT DROP AS
       SELECT gen_random_uuid() AS id, gen_random_uuid() AS event_id, n FROM generate_series(1, $1) n`,
      [count],
    );
    await client.query(
      `INSERT INTO payments (id, merchant_id, mode, idempotency_key, request_hash, amount, currency, status, source)
       SELECT id, $1, 'test', 'prefill-' || n, repeat('0', 64), 25.00, 'USD', 'INITIATED', 'tok_success' FROM bench_ids`,
      [merchantId],
    );
    await client.query(
      `INSERT INTO payment_status_history (payment_id, from_status, to_status)
       SELECT id, NULL, 'INITIATED' FROM bench_ids ORDER BY n`,
    );
    await client.query(
      `INSERT INTO outbox (event_id, event_type, aggregate_id, aggregate_version, payload)
       SELECT event_id, 'payment.initiated', id, 1, jsonb_build_object(
         'eventId', event_id, 'type', 'payment.initiated', 'version', $2::text,
         'occurredAt', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'paymentId', id, 'merchantId', $1::text, 'livemode', false,
         'data', jsonb_build_object('amount', '25.00', 'currency', 'USD', 'status', 'INITIATED', 'source', 'tok_success'))
       FROM bench_ids ORDER BY n`,
      [merchantId, EVENT_SCHEMA_VERSION],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * The relay's own loop (the relay-outbox use case with the relay function's settings, its pool size and its
 * role) over a pre-filled outbox, publishing to a scratch topic; it ends at the first idle pass, i.e. when the
 * outbox is empty.
 */
export async function relayAlone(
  scratch: ScratchDatabase,
  kafka: Kafka,
  expected: number,
): Promise<Throughput & { transientFailures: number }> {
  const relayUrl = scratch.functionRoleUrls[DATABASE_ROLES.relay.name];
  if (!relayUrl) throw new Error('no database URL for the relay role');
  return withScratchTopic(kafka, 'relay', async (topic) => {
    const pool = createPool(relayUrl);
    const publisher = kafkaEventPublisher(kafka, topic);
    let empty = false;
    try {
      const started = performance.now();
      const summary = await relayOutbox(postgresOutbox(pool), publisher, {
        ...OUTBOX_RELAY,
        stopAt: END_OF_TIME_MS,
        pruneOlderThan: new Date(0),
        report: () => undefined,
        onTransientFailure: ({ error }) => {
          throw error;
        },
        // The drain sleeps only when a pass found nothing (or after a failure, which throws above): then it is done.
        clock: () => new Date(empty ? END_OF_TIME_MS : Date.now()),
        sleep: async () => {
          empty = true;
        },
      });
      const elapsedMs = performance.now() - started;
      if (summary.published < expected)
        throw new Error(`the relay published ${summary.published} of ${expected} events`);
      return {
        operations: summary.published,
        elapsedMs,
        perSecond: perSecond(summary.published, elapsedMs),
        transientFailures: summary.transientFailures,
      };
    } finally {
      await publisher.close().catch(() => undefined);
      await pool.end().catch(() => undefined);
    }
  });
}

interface OutboxRow {
  id: string;
  event_id: string;
  event_type: string;
  aggregate_id: string;
  payload: unknown;
}

/** Feeds `rows` to a consumer function in batches the size its event source mapping delivers, one after another. */
async function consume(consumer: keyof typeof CONSUMERS, rows: readonly OutboxRow[]): Promise<Throughput> {
  const settings = CONSUMERS[consumer];
  const handler = await loadHandler(settings.handler);
  const batches: OutboxRow[][] = [];
  for (let i = 0; i < rows.length; i += settings.batchSize)
    batches.push(rows.slice(i, i + settings.batchSize));
  const events = batches.map((batch, index) =>
    mskEventFor(
      {
        topic: settings.topic,
        partition: 0,
        messages: batch.map((row, offset) => ({
          offset: String(index * settings.batchSize + offset),
          timestamp: String(Date.now()),
          key: Buffer.from(row.aggregate_id),
          value: Buffer.from(JSON.stringify(row.payload)),
          headers: { 'event-type': row.event_type, 'event-id': row.event_id },
        })),
      },
      {
        eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/aspay-bench/bench',
        bootstrapServers: '',
      },
    ),
  );
  const started = performance.now();
  for (const event of events) await invokeFunction(handler, settings.handler, event, settings.timeoutSeconds);
  const elapsedMs = performance.now() - started;
  return { operations: rows.length, elapsedMs, perSecond: perSecond(rows.length, elapsedMs) };
}

async function eventsOfType(pool: pg.Pool, type: string, limit: number): Promise<OutboxRow[]> {
  const { rows } = await pool.query<OutboxRow>(
    'SELECT id, event_id, event_type, aggregate_id, payload FROM outbox WHERE event_type = $1 ORDER BY id LIMIT $2',
    [type, limit],
  );
  return rows;
}

async function count(pool: pg.Pool, sql: string, params: unknown[]): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

export interface ConsumersAlone {
  readonly bankProcessor: Throughput;
  readonly ledger: Throughput;
  readonly notifier: Throughput;
}

/**
 * Each consumer on its own: the bank processor settles `records` initiated payments (the instant bank), then
 * the ledger posts and the notifier notifies the `payment.succeeded` events it wrote. Each is checked by its
 * effect in the scratch database, so a consumer that quietly skipped records is not reported as fast.
 */
export async function consumersAlone(
  endpoints: LocalEndpoints,
  scratch: ScratchDatabase,
  owner: pg.Pool,
  records: number,
): Promise<ConsumersAlone> {
  // The functions' environment, as the local runner gives it, but with the scratch database for every role.
  Object.assign(
    process.env,
    handlerEnvironment({ ...endpoints, functionRoleDatabaseUrls: scratch.functionRoleUrls }),
  );
  const initiated = await eventsOfType(owner, 'payment.initiated', records);
  const ids = initiated.map((row) => row.aggregate_id);
  const bankProcessor = await consume('bankProcessor', initiated);
  const settled = await count(
    owner,
    "SELECT count(*) AS n FROM payments WHERE id = ANY($1::uuid[]) AND status = 'SUCCESS'",
    [ids],
  );
  if (settled !== initiated.length)
    throw new Error(`the bank processor settled ${settled} of ${initiated.length} payments`);
  const succeeded = await eventsOfType(owner, 'payment.succeeded', records);
  const ledger = await consume('ledger', succeeded);
  const posted = await count(
    owner,
    "SELECT count(*) AS n FROM ledger.journal_entries WHERE payment_id = ANY($1::uuid[]) AND kind = 'payment'",
    [ids],
  );
  if (posted !== succeeded.length)
    throw new Error(`the ledger posted ${posted} of ${succeeded.length} payments`);
  const notifier = await consume('notifier', succeeded);
  const delivered = await count(
    owner,
    "SELECT count(*) AS n FROM webhook_deliveries WHERE event_id = ANY($1::uuid[]) AND status = 'delivered'",
    [succeeded.map((row) => row.event_id)],
  );
  if (delivered !== succeeded.length)
    throw new Error(`the notifier delivered ${delivered} of ${succeeded.length} notices`);
  return { bankProcessor, ledger, notifier };
}
