/**
 * The engines' own limits on this machine, measured in the same run as the API and the pipeline: what the
 * create path could reach if ASPay added nothing. Each writes only to scratch places (the scratch database,
 * a scratch DynamoDB table, a scratch topic) and removes them.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  PutItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import pg from 'pg';
import { createKafka } from '../lambdas/core/adapters/kafka/client';
import { kafkaEventPublisher } from '../lambdas/core/adapters/kafka/event-publisher';
import { postgresPaymentStore } from '../lambdas/core/adapters/postgres/payment-store';
import { createPayment } from '../lambdas/core/use-cases/payments';
import { localAwsClientConfig } from '../localstack/src/settings';
import type { LocalEndpoints } from '../localstack/src/stack';
import { withScratchTopic } from './scratch';
import { perSecond } from './stats';

export interface Throughput {
  readonly operations: number;
  readonly elapsedMs: number;
  readonly perSecond: number;
}

/** Runs `operation` in `concurrency` loops for `durationMs`; the first failure ends the run and is thrown. */
export async function closedLoop(
  concurrency: number,
  durationMs: number,
  operation: (worker: number) => Promise<unknown>,
): Promise<Throughput> {
  let operations = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < deadline) {
        await operation(worker);
        operations += 1;
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  return { operations, elapsedMs, perSecond: perSecond(operations, elapsedMs) };
}

/**
 * The create as the API runs it minus HTTP and idempotency: the create-payment use case on the PostgreSQL
 * payment store (so always the store's own statements), straight to PostgreSQL on the scratch database at
 * `concurrency`.
 */
export async function createTransactionLimit(
  scratchUrl: string,
  concurrency: number,
  durationMs: number,
): Promise<Throughput> {
  const pool = new pg.Pool({ connectionString: scratchUrl, max: concurrency });
  const store = postgresPaymentStore(pool);
  try {
    return await closedLoop(concurrency, durationMs, async () => {
      await createPayment(store, {
        merchantId: 'mer_demo_acme',
        mode: 'test',
        idempotencyKey: `raw-${randomUUID()}`,
        requestHash: 'h'.repeat(64),
        amount: '25.00',
        currency: 'USD',
        source: 'tok_success',
      });
    });
  } finally {
    await pool.end();
  }
}

/** Conditional puts (`attribute_not_exists`, what an idempotency record's first write is) on a scratch table. */
export async function dynamodbConditionalPutLimit(
  endpoints: LocalEndpoints,
  concurrency: number,
  durationMs: number,
): Promise<Throughput> {
  const client = new DynamoDBClient(localAwsClientConfig(endpoints.dynamodbEndpoint));
  const table = `aspay-bench-${process.pid}`;
  await client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  );
  try {
    await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: table });
    return await closedLoop(concurrency, durationMs, () =>
      client.send(
        new PutItemCommand({
          TableName: table,
          Item: { id: { S: randomUUID() }, status: { S: 'INPROGRESS' }, expiration: { N: '0' } },
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      ),
    );
  } finally {
    await client.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
    client.destroy();
  }
}

export interface KafkaLimit {
  /** Single-record publishes (each acknowledged by the broker) by `concurrency` callers. */
  readonly singleRecord: Throughput;
  /** Records per second in publishes of `batchSize` records. */
  readonly batched: Throughput & { batchSize: number };
}

/** The project's producer (idempotent, acks from all in-sync replicas) on a scratch topic shaped like payment-events. */
export async function kafkaProduceLimit(
  endpoints: LocalEndpoints,
  concurrency: number,
  durationMs: number,
  batchSize = 100,
): Promise<KafkaLimit> {
  const kafka = createKafka({ clientId: 'aspay-bench', brokers: endpoints.kafkaBrokers.split(',') });
  return withScratchTopic(kafka, 'produce', async (topic) => {
    const publisher = kafkaEventPublisher(kafka, topic);
    const event = () => {
      const id = randomUUID();
      return { eventId: id, type: 'bench', key: id, value: JSON.stringify({ id, bench: true }) };
    };
    try {
      await publisher.publish([event()]);
      const singleRecord = await closedLoop(concurrency, durationMs, () => publisher.publish([event()]));
      const batches = await closedLoop(concurrency, durationMs, () =>
        publisher.publish(Array.from({ length: batchSize }, event)),
      );
      return {
        singleRecord,
        batched: {
          operations: batches.operations * batchSize,
          elapsedMs: batches.elapsedMs,
          perSecond: batches.perSecond * batchSize,
          batchSize,
        },
      };
    } finally {
      await publisher.close().catch(() => undefined);
    }
  });
}
