import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaEventPublisher } from '../../../lambdas/core/adapters/kafka/event-publisher';

const event = { eventId: 'e1', type: 'payment.initiated', key: 'p1', value: '{}' };

/** A client whose first `failedConnects` producers cannot reach the brokers; later ones can. */
function kafkaReachableAfter(failedConnects: number) {
  let producersCreated = 0;
  const sent: unknown[] = [];
  const kafka = {
    producer: () => {
      producersCreated += 1;
      const reachable = producersCreated > failedConnects;
      return {
        connect: async () => {
          if (!reachable) throw new Error('KafkaJSConnectionError: Connection error: connect ECONNREFUSED');
        },
        send: async (record: unknown) => {
          sent.push(record);
          return [];
        },
        disconnect: async () => undefined,
      };
    },
  } as unknown as Kafka;
  return { kafka, sent, producers: () => producersCreated };
}

describe('the Kafka event publisher', () => {
  it('connects again on the next publish after a failed connect', async () => {
    const { kafka, sent, producers } = kafkaReachableAfter(1);
    const publisher = kafkaEventPublisher(kafka, 'payment-events');

    await expect(publisher.publish([event])).rejects.toThrow('ECONNREFUSED');
    await expect(publisher.publish([event])).resolves.toBeUndefined();

    expect(sent).toHaveLength(1);
    expect(producers()).toBe(2);
  });

  it('reuses its connected producer', async () => {
    const { kafka, sent, producers } = kafkaReachableAfter(0);
    const publisher = kafkaEventPublisher(kafka, 'payment-events');

    await publisher.publish([event]);
    await publisher.publish([event]);

    expect(sent).toHaveLength(2);
    expect(producers()).toBe(1);
  });
});
