import { type Kafka, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaEventPublisher } from '../../../lambdas/core/adapters/kafka/event-publisher';

const event = { eventId: 'e1', type: 'payment.initiated', key: 'p1', value: '{}' };

/** A client whose first `failedConnects` producers cannot reach the brokers; later ones can. */
function kafkaReachableAfter(failedConnects: number, sendFailures: Error[] = []) {
  let producersCreated = 0;
  const sent: unknown[] = [];
  const disconnected: number[] = [];
  const kafka = {
    producer: () => {
      producersCreated += 1;
      const reachable = producersCreated > failedConnects;
      const id = producersCreated;
      return {
        connect: async () => {
          if (!reachable) throw new Error('KafkaJSConnectionError: Connection error: connect ECONNREFUSED');
        },
        send: async (record: unknown) => {
          const failure = sendFailures.shift();
          if (failure) throw failure;
          sent.push({ producer: id, record });
          return [];
        },
        disconnect: async () => {
          disconnected.push(id);
        },
      };
    },
  } as unknown as Kafka;
  return { kafka, sent, disconnected, producers: () => producersCreated };
}

/** A broker error as kafkajs raises it (its constructor reads the protocol's type, code and message). */
const protocolError = (type: string, code: number, message: string) =>
  new KafkaJSProtocolError(Object.assign(new Error(message), { type, code }));

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

  it('replaces its producer once the broker lost its sequence (after a restart), and only then', async () => {
    // As kafkajs reports it: the protocol error, after the client's own retries.
    const outOfOrder = new KafkaJSNumberOfRetriesExceeded(
      protocolError(
        'OUT_OF_ORDER_SEQUENCE_NUMBER',
        45,
        'The broker received an out of order sequence number',
      ),
      { retryCount: 5, retryTime: 1000 },
    );
    const notLeader = protocolError(
      'NOT_LEADER_FOR_PARTITION',
      6,
      'This server is not the leader for that topic-partition',
    );
    const { kafka, sent, disconnected, producers } = kafkaReachableAfter(0, [notLeader, outOfOrder]);
    const publisher = kafkaEventPublisher(kafka, 'payment-events');

    await expect(publisher.publish([event])).rejects.toThrow('not the leader');
    expect(producers()).toBe(1);
    await expect(publisher.publish([event])).rejects.toThrow('out of order');
    await publisher.publish([event]);

    expect(producers()).toBe(2);
    expect(disconnected).toEqual([1]);
    expect(sent).toEqual([{ producer: 2, record: expect.anything() }]);
  });
});
