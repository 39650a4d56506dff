import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MSKEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { consumedRecords } from '../../../lambdas/core/adapters/kafka/msk-event';
import type { KafkaOnFailureRecord } from '../../../lambdas/core/adapters/kafka/on-failure-record';
import { CONSUMERS, type ConsumerSettings } from '../../../lambdas/core/config/messaging';
import { localSqsClient } from '../../../localstack/src/engines/elasticmq';
import { type LambdaHandler, localFunctionArn } from '../../../localstack/src/lambda-runtime';
import {
  type EventSourceMapping,
  sqsOnFailureDestination,
  startEventSourceMapping,
} from '../../../localstack/src/runner/event-source-mapping';
import { eventually } from '../../support/eventually';
import { testKafka } from '../../support/kafka';
import { localEndpoints } from '../../support/local-stack';
import { aspayJson } from '../../support/run-script';

const kafka = testKafka();
const endpoints = localEndpoints();
const running: EventSourceMapping[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((mapping) => mapping.stop()));
});

/** A mapping like the notifier's (same retries, bisection, batching) on a topic and group of its own. */
async function isolatedMapping(
  handler: LambdaHandler,
  overrides: Partial<ConsumerSettings> = {},
  partitions = 1,
) {
  const id = randomUUID().slice(0, 8);
  const settings: ConsumerSettings = {
    ...CONSUMERS.notifier,
    handler: `esm-fixture-${id}`,
    groupId: `aspay-tests-esm-${id}`,
    topic: `aspay-tests-esm-${id}`,
    ...overrides,
  };
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic: settings.topic, numPartitions: partitions }],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const mapping = await startEventSourceMapping(kafka, settings, {
    handler,
    bootstrapServers: endpoints.kafkaBrokers,
    onFailure: sqsOnFailureDestination(localSqsClient(endpoints.sqsEndpoint), endpoints.deadLetterQueueUrl),
  });
  running.push(mapping);
  return { settings, mapping };
}

async function produce(topic: string, values: string[], partition?: number): Promise<void> {
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.send({
    topic,
    acks: -1,
    messages: values.map((value) => ({
      key: `key-${value}`,
      value,
      headers: { 'event-type': value },
      ...(partition === undefined ? {} : { partition }),
    })),
  });
  await producer.disconnect();
}

/** The mapping's letters for one function, from `aspay dlq list`. */
async function batchLettersFor(functionName: string, count: number) {
  return eventually(
    async () =>
      (
        (await aspayJson('dlq', 'list')).json as { id: string; kind: string; letter: KafkaOnFailureRecord }[]
      ).filter(
        (entry) =>
          entry.kind === 'batch' &&
          entry.letter.requestContext.functionArn === localFunctionArn(functionName),
      ),
    (letters) => letters.length >= count,
    { timeoutMs: 60_000, intervalMs: 1_000 },
  );
}

/** Every value on the topic with its key and headers, read with a fresh group. */
async function valuesOnTopic(topic: string, expected: number) {
  const consumer = kafka.consumer({ groupId: `aspay-tests-${randomUUID()}` });
  const seen: { key: string; value: string; eventType: string }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push({
          key: message.key?.toString() ?? '',
          value: message.value?.toString() ?? '',
          eventType: message.headers?.['event-type']?.toString() ?? '',
        });
      },
    });
    await eventually(
      async () => seen.length,
      (length) => length >= expected,
    );
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

describe('the local MSK event source mapping', () => {
  it('retries a poison batch, bisects it, discards the poison record with AWS on-failure record and moves on; the CLI redrives it', async () => {
    const invocations: string[][] = [];
    const handler: LambdaHandler = async (event: MSKEvent) => {
      const values = consumedRecords(event).map((record) => record.value.toString());
      invocations.push(values);
      if (values.includes('poison')) throw new Error('cannot process poison');
    };
    const { settings, mapping } = await isolatedMapping(handler);
    await produce(settings.topic, ['good-1', 'poison', 'good-2']);

    const [discarded] = await batchLettersFor(settings.handler, 1);
    // Splitting does not count as a retry: the poison record alone is invoked once plus every retry.
    const poisonAlone = invocations.filter((values) => values.length === 1 && values[0] === 'poison');
    expect(poisonAlone).toHaveLength(1 + settings.batchRetryAttempts);
    expect(discarded?.letter).toEqual({
      requestContext: {
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        functionArn: localFunctionArn(settings.handler),
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 1 + settings.batchRetryAttempts,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/Z$/),
      KafkaBatchInfo: {
        batchSize: 1,
        eventSourceArn: expect.stringMatching(/^arn:aws:kafka:/),
        bootstrapServers: endpoints.kafkaBrokers,
        payloadSize: expect.any(Number),
        recordsInfo: {
          [`${settings.topic}-0`]: {
            firstRecordOffset: '1',
            lastRecordOffset: '1',
            firstRecordTimestamp: expect.stringMatching(/Z$/),
            lastRecordTimestamp: expect.stringMatching(/Z$/),
          },
        },
      },
    });

    // Later records on the partition still flow.
    await produce(settings.topic, ['good-3']);
    await eventually(
      async () => invocations.flat(),
      (values) => ['good-1', 'good-2', 'good-3'].every((value) => values.includes(value)),
    );
    const shown = await aspayJson('dlq', 'show', discarded?.id ?? '');
    expect(shown.json).toMatchObject({ kind: 'batch', letter: { KafkaBatchInfo: { batchSize: 1 } } });

    // Stopped first, so the redriven poison record is not discarded a second time.
    await mapping.stop();
    const redriven = await aspayJson('dlq', 'redrive', discarded?.id ?? '');
    expect(redriven.code).toBe(0);
    expect(redriven.json.redriven).toEqual([discarded?.id]);
    const onTopic = await valuesOnTopic(settings.topic, 5);
    expect(onTopic.filter((record) => record.value === 'poison')).toEqual([
      { key: 'key-poison', value: 'poison', eventType: 'poison' },
      { key: 'key-poison', value: 'poison', eventType: 'poison' },
    ]);
    const listed = await aspayJson('dlq', 'list');
    expect(listed.json.map((entry: { id: string }) => entry.id)).not.toContain(discarded?.id);
  }, 120_000);

  it("delivers one partition's records while another partition's invocation is still running", async () => {
    let fastDelivered: () => void = () => undefined;
    const fast = new Promise<void>((resolve) => {
      fastDelivered = resolve;
    });
    const settledInOrder: string[] = [];
    // The slow invocation ends only once the other partition's record has been delivered (or after 20 s, a
    // failure): a mapping whose partitions waited for one another would never deliver it meanwhile.
    const handler: LambdaHandler = async (event: MSKEvent) => {
      for (const record of consumedRecords(event)) {
        const value = record.value.toString();
        if (value === 'slow') await Promise.race([fast, sleep(20_000)]);
        if (value === 'fast') fastDelivered();
        settledInOrder.push(value);
      }
    };
    const { settings } = await isolatedMapping(handler, { timeoutSeconds: 60 }, 2);
    await produce(settings.topic, ['slow'], 0);
    await sleep(1_000);
    await produce(settings.topic, ['fast'], 1);

    await eventually(
      async () => settledInOrder,
      (values) => values.length === 2,
      { timeoutMs: 30_000 },
    );
    expect(settledInOrder).toEqual(['fast', 'slow']);
  }, 60_000);

  it('fails an invocation that outlives the function timeout and discards its batch after the retries', async () => {
    let invoked = 0;
    const neverSettles: LambdaHandler = () => {
      invoked++;
      return new Promise(() => undefined);
    };
    const { settings } = await isolatedMapping(neverSettles, { timeoutSeconds: 1, batchRetryAttempts: 1 });
    await produce(settings.topic, ['slow']);

    const [discarded] = await batchLettersFor(settings.handler, 1);
    expect(invoked).toBe(2);
    expect(discarded?.letter.requestContext).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 2,
    });
    expect(discarded?.letter.KafkaBatchInfo.recordsInfo[`${settings.topic}-0`]?.firstRecordOffset).toBe('0');
  }, 60_000);
});
