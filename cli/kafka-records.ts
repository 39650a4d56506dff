import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka } from 'kafkajs';
import { CheckFailedError } from './context';

/** A record as a producer sends it again: its topic, key, value and headers. */
export interface TopicRecord {
  topic: string;
  key: Buffer | string | null;
  value: Buffer;
  headers: IHeaders;
}

const READ_TIMEOUT_MS = 30_000;

/**
 * Reads the records at offsets first..last (inclusive) of one partition, with a throwaway consumer group that
 * commits nothing. Fails when they cannot all be read in time (e.g. retention already deleted them).
 */
export async function readRecords(
  kafka: Kafka,
  range: { topic: string; partition: number; firstOffset: string; lastOffset: string },
): Promise<TopicRecord[]> {
  const first = BigInt(range.firstOffset);
  const last = BigInt(range.lastOffset);
  const records: TopicRecord[] = [];
  const consumer = kafka.consumer({ groupId: `aspay-cli-read-${randomUUID()}` });
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: range.topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new CheckFailedError(
              `could not read ${range.topic}[${range.partition}]@${range.firstOffset}..${range.lastOffset} within ${READ_TIMEOUT_MS / 1_000} s (no longer on the topic?)`,
            ),
          ),
        READ_TIMEOUT_MS,
      );
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const offset = BigInt(message.offset);
            if (partition !== range.partition || offset < first || offset > last) return;
            records.push({
              topic: range.topic,
              key: message.key,
              value: message.value ?? Buffer.alloc(0),
              headers: message.headers ?? {},
            });
            if (offset === last) resolve();
          },
        })
        .then(() =>
          consumer.seek({ topic: range.topic, partition: range.partition, offset: range.firstOffset }),
        )
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return records;
}
