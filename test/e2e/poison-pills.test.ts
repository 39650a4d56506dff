import { randomUUID } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { CONSUMERS, PAYMENT_EVENTS_TOPIC } from '../../lambdas/core/config/messaging';
import { createEvent } from '../../lambdas/core/domain/events';
import type { DeadLetter } from '../../lambdas/core/use-cases/ports/consumers';
import { localSqsClient } from '../../localstack/src/engines/elasticmq';
import { callApi, paymentSettledAs, validPayment } from '../support/api-client';
import { chargesFor } from '../support/bank';
import { insertQuietPayment, testDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { testKafka } from '../support/kafka';
import { localEndpoints } from '../support/local-stack';
import { aspayJson } from '../support/run-script';

const db = testDatabase();
const kafka = testKafka();
const endpoints = localEndpoints();
const CONSUMER_FUNCTIONS = Object.values(CONSUMERS).map((consumer) => consumer.handler);

/** A valid payment.initiated for a payment no event announced yet, with fields a newer producer might add. */
async function eventFromTheFuture(): Promise<{ paymentId: string; value: string }> {
  const paymentId = await insertQuietPayment(db, '12.34');
  const event = createEvent(
    'payment.initiated',
    { paymentId, merchantId: 'mer_demo_acme', mode: 'test' },
    { amount: '12.34', currency: 'USD', status: 'INITIATED', source: 'tok_success' },
    new Date(),
  );
  return {
    paymentId,
    value: JSON.stringify({
      ...event,
      version: '1.3',
      traceparent: '00-abc',
      data: { ...event.data, riskScore: 0.12 },
    }),
  };
}

describe('poison pills', () => {
  it('sidelines unreadable records after 3 attempts while good events and tolerant reads keep flowing', async () => {
    const before = await callApi('/v1/payments', { body: validPayment() });
    const chaos = await aspayJson('chaos', 'poison-pill', '--count', '1');
    expect(chaos.code).toBe(0);
    const future = await eventFromTheFuture();
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({
      topic: PAYMENT_EVENTS_TOPIC.name,
      acks: -1,
      messages: [{ key: future.paymentId, value: future.value }],
    });
    await producer.disconnect();
    const after = await callApi('/v1/payments', { body: validPayment() });

    for (const id of [before.body.id, after.body.id, future.paymentId]) {
      expect((await paymentSettledAs(id, ['SUCCESS', 'FAILED'])).body.status).toBe('SUCCESS');
    }
    expect(await chargesFor(future.paymentId)).toHaveLength(1);

    const pillKeys = new Set<string>(chaos.json.injected.map((pill: { key: string }) => pill.key));
    const letters = await eventually(
      async () => {
        const listed = await aspayJson('dlq', 'list');
        return (listed.json as { id: string; letter: DeadLetter }[]).filter(({ letter }) =>
          pillKeys.has(letter.key ?? ''),
        );
      },
      // At-least-once: a letter may be sidelined twice if its batch was redelivered; each pair must be there.
      (found) =>
        new Set(found.map(({ letter }) => `${letter.consumer}/${letter.key}`)).size ===
        pillKeys.size * CONSUMER_FUNCTIONS.length,
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(new Set(letters.map(({ letter }) => letter.consumer))).toEqual(new Set(CONSUMER_FUNCTIONS));
    for (const { letter } of letters) {
      expect(letter).toMatchObject({ topic: PAYMENT_EVENTS_TOPIC.name, attempts: 3 });
      expect(letter.lastError).not.toBe('');
      if (letter.key?.includes('garbage-bytes')) {
        expect(letter.payloadEncoding).toBe('base64');
        expect(Buffer.from(letter.payload, 'base64').subarray(0, 3)).toEqual(Buffer.from([0xff, 0xfe, 0x00]));
      } else {
        expect(letter.payloadEncoding).toBe('utf8');
        expect(JSON.parse(letter.payload)).toMatchObject({ hello: 'world', chaosRun: chaos.json.runId });
      }
    }
    const shown = await aspayJson('dlq', 'show', letters[0]?.id ?? '');
    expect(shown.json.letter.offset).toBe(letters[0]?.letter.offset);
  });

  it('redrives a dead letter and removes it from the queue once it is back on the topic', async () => {
    const future = await eventFromTheFuture();
    const letter: DeadLetter = {
      consumer: 'bank-processor',
      topic: PAYMENT_EVENTS_TOPIC.name,
      partition: 0,
      offset: 0,
      key: future.paymentId,
      payload: future.value,
      payloadEncoding: 'utf8',
      headers: { 'event-type': 'payment.initiated' },
      attempts: 3,
      lastError: 'Error: the database was briefly unreachable',
      failedAt: new Date().toISOString(),
    };
    const { MessageId } = await localSqsClient(endpoints.sqsEndpoint).send(
      new SendMessageCommand({ QueueUrl: endpoints.deadLetterQueueUrl, MessageBody: JSON.stringify(letter) }),
    );
    const redriven = await aspayJson('dlq', 'redrive', MessageId ?? randomUUID());
    expect(redriven.code).toBe(0);
    expect(redriven.json.redriven).toEqual([MessageId]);
    expect((await paymentSettledAs(future.paymentId, ['SUCCESS', 'FAILED'])).body.status).toBe('SUCCESS');
    const listed = await aspayJson('dlq', 'list');
    expect(listed.json.map((entry: { id: string }) => entry.id)).not.toContain(MessageId);
  });
});
