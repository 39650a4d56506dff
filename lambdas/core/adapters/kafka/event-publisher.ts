import type { Kafka, Producer } from 'kafkajs';
import type { EventPublisher, PublishableEvent } from '../../use-cases/ports';

/**
 * Publishes events with kafkajs: idempotent producer, acks from all in-sync replicas, key = payment id so a
 * payment's events share a partition and keep their order. Resolves only after the broker acknowledged.
 */
export function kafkaEventPublisher(
  kafka: Kafka,
  topic: string,
): EventPublisher & { close(): Promise<void> } {
  let producer: Promise<Producer> | undefined;
  const connected = () => {
    if (producer) return producer;
    const connecting = (async () => {
      const created = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
      await created.connect();
      return created;
    })();
    // A failed connect is forgotten, so the next publish tries again instead of failing for the instance's life.
    connecting.catch(() => {
      if (producer === connecting) producer = undefined;
    });
    producer = connecting;
    return connecting;
  };
  return {
    async publish(events: readonly PublishableEvent[]) {
      if (events.length === 0) return;
      await (await connected()).send({
        topic,
        acks: -1,
        messages: events.map((event) => ({
          key: event.key,
          value: event.value,
          headers: { 'event-type': event.type, 'event-id': event.eventId },
        })),
      });
    },
    async close() {
      if (producer) await (await producer).disconnect();
      producer = undefined;
    },
  };
}
