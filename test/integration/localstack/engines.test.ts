import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../../lambdas/core/adapters/kafka/client';
import { createPool, inTransaction } from '../../../lambdas/core/adapters/postgres/pool';
import { COORDINATION_TABLE } from '../../../lambdas/core/config/coordination-table';
import { PAYMENT_EVENTS_TOPIC } from '../../../lambdas/core/config/messaging';
import { localDynamoClient } from '../../../localstack/src/engines/dynamodb';
import { localSqsClient } from '../../../localstack/src/engines/elasticmq';
import { localEndpoints } from '../../support/local-stack';

const endpoints = localEndpoints();

describe('PostgreSQL', () => {
  const pool = createPool(endpoints.databaseUrl);
  afterAll(() => pool.end());

  it('commits a transaction and rolls back a failed one', async () => {
    const client = await pool.connect();
    try {
      await client.query(
        'CREATE SCHEMA IF NOT EXISTS scratch; CREATE TABLE IF NOT EXISTS scratch.round_trip (v text PRIMARY KEY)',
      );
      const committed = randomUUID();
      const rolledBack = randomUUID();
      await inTransaction(pool, (tx) => tx.query('INSERT INTO scratch.round_trip VALUES ($1)', [committed]));
      await expect(
        inTransaction(pool, async (tx) => {
          await tx.query('INSERT INTO scratch.round_trip VALUES ($1)', [rolledBack]);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      const { rows } = await client.query('SELECT v FROM scratch.round_trip WHERE v = ANY($1)', [
        [committed, rolledBack],
      ]);
      expect(rows.map((row) => row.v)).toEqual([committed]);
    } finally {
      client.release();
    }
  });

  it('runs every session in UTC', async () => {
    const { rows } = await pool.query("SELECT current_setting('TimeZone') AS tz, now()::text AS now");
    expect(rows[0].tz).toBe('UTC');
    expect(rows[0].now).toMatch(/\+00$/);
  });

  it('has the versioned migrations applied', async () => {
    const { rows } = await pool.query('SELECT name FROM pgmigrations ORDER BY run_on, id');
    expect(rows.map((row) => row.name)).toContain('0001_payments');
  });
});

describe('Kafka', () => {
  it('delivers a produced record to a consumer group', async () => {
    const kafka = createKafka({
      clientId: 'engine-test',
      brokers: endpoints.kafkaBrokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer({ idempotent: true });
    const consumer = kafka.consumer({ groupId: `engine-test-${randomUUID()}` });
    const key = randomUUID();
    try {
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topic: PAYMENT_EVENTS_TOPIC.name, fromBeginning: true });
      const received = new Promise<string>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            if (message.key?.toString() === key) resolve(message.value?.toString() ?? '');
          },
        });
      });
      await producer.send({
        topic: PAYMENT_EVENTS_TOPIC.name,
        acks: -1,
        messages: [{ key, value: `hello ${key}` }],
      });
      await expect(received).resolves.toBe(`hello ${key}`);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  });

  it('has created the payment-events topic with several partitions', async () => {
    const admin = createKafka({
      brokers: endpoints.kafkaBrokers.split(','),
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [PAYMENT_EVENTS_TOPIC.name] });
      expect(metadata.topics[0]?.partitions).toHaveLength(PAYMENT_EVENTS_TOPIC.partitions);
    } finally {
      await admin.disconnect();
    }
  });
});

describe('DynamoDB Local', () => {
  it('rejects a conditional put of a key that already exists', async () => {
    const client = localDynamoClient(endpoints.dynamodbEndpoint);
    const id = `engine-test#${randomUUID()}`;
    const put = () =>
      client.send(
        new PutItemCommand({
          TableName: endpoints.coordinationTable,
          Item: { [COORDINATION_TABLE.partitionKey]: { S: id }, status: { S: 'INPROGRESS' } },
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': COORDINATION_TABLE.partitionKey },
        }),
      );
    await put();
    await expect(put()).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await client.send(
      new DeleteItemCommand({
        TableName: endpoints.coordinationTable,
        Key: { [COORDINATION_TABLE.partitionKey]: { S: id } },
      }),
    );
  });
});

describe('ElasticMQ', () => {
  it('sends, receives and deletes a message', async () => {
    const client = localSqsClient(endpoints.sqsEndpoint);
    // A queue of its own, so that dead letters from other tests cannot get in the way.
    const { QueueUrl } = await client.send(
      new CreateQueueCommand({ QueueName: `engine-test-${randomUUID()}` }),
    );
    try {
      const body = JSON.stringify({ probe: randomUUID() });
      await client.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5 }),
      );
      expect(Messages.map((message) => message.Body)).toEqual([body]);
      await client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: Messages[0]?.ReceiptHandle }));
      const after = await client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      expect(after.Messages ?? []).toEqual([]);
    } finally {
      await client.send(new DeleteQueueCommand({ QueueUrl }));
    }
  });

  it('has created the dead-letter queue', async () => {
    const client = localSqsClient(endpoints.sqsEndpoint);
    const { QueueUrls = [] } = await client.send(new ListQueuesCommand({}));
    expect(QueueUrls).toContain(endpoints.deadLetterQueueUrl);
  });
});
