import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { createKafka } from '../../lambdas/core/adapters/kafka/client';
import { PAYMENT_EVENTS_TOPIC } from '../../lambdas/core/config/messaging';
import { eventually } from './eventually';
import { localEndpoints } from './local-stack';

export function testKafka(): Kafka {
  return createKafka({ clientId: 'aspay-tests', brokers: localEndpoints().kafkaBrokers.split(',') });
}

/** Waits until a consumer group has committed every record currently in the payment-events topic. */
export async function consumerCaughtUp(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const end = await admin.fetchTopicOffsets(PAYMENT_EVENTS_TOPIC.name);
    await eventually(
      () => admin.fetchOffsets({ groupId, topics: [PAYMENT_EVENTS_TOPIC.name] }),
      ([topic]) =>
        end.every(({ partition, offset }) => {
          const committed = topic?.partitions.find((candidate) => candidate.partition === partition)?.offset;
          // -1: nothing committed yet, which is caught up only for a partition that never held a record.
          return Math.max(0, Number(committed ?? -1)) >= Number(offset);
        }),
    );
  } finally {
    await admin.disconnect();
  }
}

/** Every event on payment-events for the given payments, in the order one partition reader sees them. */
export async function eventsOnTopic(kafka: Kafka, paymentIds: ReadonlySet<string>, expected: number) {
  const consumer = kafka.consumer({ groupId: `aspay-tests-${randomUUID()}` });
  const seen: { paymentId: string; eventId: string; type: string }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: PAYMENT_EVENTS_TOPIC.name, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const key = message.key?.toString();
        if (!key || !paymentIds.has(key)) return;
        const event = JSON.parse(message.value?.toString() ?? '{}') as { eventId: string; type: string };
        seen.push({ paymentId: key, eventId: event.eventId, type: event.type });
      },
    });
    await eventually(
      async () => new Set(seen.map((event) => event.eventId)).size,
      (distinct) => distinct >= expected,
    );
    return seen;
  } finally {
    await consumer.disconnect();
  }
}
