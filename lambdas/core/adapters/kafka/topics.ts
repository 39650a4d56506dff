import type { Kafka } from 'kafkajs';
import { PAYMENT_EVENTS_TOPIC } from '../../config/messaging';

/** Creates the topics ASPay uses when they are missing (safe to repeat); returns the topics it created. */
export async function ensureTopics(kafka: Kafka, replicationFactor?: number): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (existing.includes(PAYMENT_EVENTS_TOPIC.name)) return [];
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: PAYMENT_EVENTS_TOPIC.name,
          numPartitions: PAYMENT_EVENTS_TOPIC.partitions,
          ...(replicationFactor ? { replicationFactor } : {}),
        },
      ],
    });
    return [PAYMENT_EVENTS_TOPIC.name];
  } finally {
    await admin.disconnect();
  }
}
