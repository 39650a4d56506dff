import type { Kafka, Producer } from 'kafkajs';
import type { EventPublisher, PublishableEvent } from '../../use-cases/ports/outbox';

/**
 * Broker answers that the producer's idempotence state is lost (a broker restart, typically): kafkajs keeps the
 * same producer id and sequence, so every later send fails the same way until the producer is replaced
 * (https://github.com/tulios/kafkajs/issues/598).
 */
const PRODUCER_STATE_LOST = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
]);

function producerStateLost(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = (cause as { cause?: unknown }).cause)
    if (PRODUCER_STATE_LOST.has(String((cause as { type?: unknown }).type))) return true;
  return false;
}

/**
 * The most event bytes sent in one produce request. The broker refuses a partition's record batch over its
 * message.max.bytes (Kafka's default, 1 MiB, which MSK's default configuration keeps:
 * https://docs.aws.amazon.com/msk/latest/developerguide/msk-default-configuration.html); a request under
 * half of it, plus one event (a request body is at most 16 KiB), never reaches it.
 */
const MAX_SEND_BYTES = 512 * 1024;

/** Consecutive runs of events, each under MAX_SEND_BYTES unless a single event is larger. */
function chunks(events: readonly PublishableEvent[]): PublishableEvent[][] {
  const result: PublishableEvent[][] = [];
  let current: PublishableEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = Buffer.byteLength(event.value) + Buffer.byteLength(event.key);
    if (current.length > 0 && bytes + size > MAX_SEND_BYTES) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) result.push(current);
  return result;
}

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
      const current = connected();
      try {
        // One request per chunk, in order: the idempotent producer keeps each partition's order across them.
        for (const chunk of chunks(events)) {
          await (await current).send({
            topic,
            acks: -1,
            messages: chunk.map((event) => ({
              key: event.key,
              value: event.value,
              headers: { 'event-type': event.type, 'event-id': event.eventId },
            })),
          });
        }
      } catch (error) {
        // The next publish starts a new producer (a new producer id); a batch (or its first chunks) the broker
        // did append is then published again, which the outbox's at-least-once delivery already allows (consumers dedupe by event id).
        if (producerStateLost(error) && producer === current) {
          producer = undefined;
          await (await current).disconnect().catch(() => undefined);
        }
        throw error;
      }
    },
    async close() {
      if (producer) await (await producer).disconnect();
      producer = undefined;
    },
  };
}
