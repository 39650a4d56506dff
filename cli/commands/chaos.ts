import { randomBytes, randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { PAYMENT_EVENTS_TOPIC } from '../../lambdas/core/config/messaging';
import { type Output, UsageError } from '../context';

/**
 * `aspay chaos poison-pill [--count N]`: the seed's console-producer test. Writes straight into Kafka, past
 * the API and the outbox, records no consumer can read: bytes that are not JSON, and JSON of the wrong shape.
 */
export async function poisonPill(kafka: Kafka, count: number, out: Output): Promise<void> {
  if (!Number.isInteger(count) || count < 1 || count > 1_000)
    throw new UsageError('--count takes a whole number from 1 to 1000');
  const runId = randomUUID();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const injected: { kind: string; key: string; partition: number; offset: number }[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const pills = [
        // Not UTF-8, not JSON: a torn or binary message.
        { kind: 'garbage-bytes', value: Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), randomBytes(13)]) },
        // Valid JSON, but no event envelope.
        {
          kind: 'wrong-shape-json',
          value: Buffer.from(JSON.stringify({ hello: 'world', chaosRun: runId, n: i })),
        },
      ];
      for (const pill of pills) {
        const key = `chaos-${runId}-${pill.kind}-${i}`;
        const [metadata] = await producer.send({
          topic: PAYMENT_EVENTS_TOPIC.name,
          acks: -1,
          messages: [{ key, value: pill.value }],
        });
        injected.push({
          kind: pill.kind,
          key,
          partition: metadata?.partition ?? -1,
          offset: Number(metadata?.baseOffset),
        });
      }
    }
  } finally {
    await producer.disconnect();
  }
  out.print({ runId, injected }, () =>
    [
      `injected ${injected.length} poison pill(s) into ${PAYMENT_EVENTS_TOPIC.name} (run ${runId}):`,
      ...injected.map((p) => `  ${p.kind}  partition ${p.partition} offset ${p.offset}`),
    ].join('\n'),
  );
}
