import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumedRecord, DeadLetter, DeadLetterQueue } from './ports';

export interface ConsumePolicy {
  /** The consumer's name, recorded on dead letters. */
  readonly consumer: string;
  readonly maxAttempts: number;
  /** Attempt n waits base * 2^(n-1) before the next (the seed: 2 s, then 4 s). */
  readonly retryBaseMs: number;
  /** Payments handled in parallel; one payment's records are always handled in order. */
  readonly concurrency: number;
  readonly deadLetters: DeadLetterQueue;
  readonly onDeadLetter?: (letter: DeadLetter) => void;
}

function deadLetter(
  policy: ConsumePolicy,
  record: ConsumedRecord,
  attempts: number,
  error: unknown,
): DeadLetter {
  const text = record.value.toString('utf8');
  const isUtf8 = Buffer.from(text, 'utf8').equals(record.value);
  return {
    consumer: policy.consumer,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key ? record.key.toString('utf8') : null,
    payload: isUtf8 ? text : record.value.toString('base64'),
    payloadEncoding: isUtf8 ? 'utf8' : 'base64',
    headers: record.headers,
    attempts,
    lastError: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    failedAt: new Date().toISOString(),
  };
}

async function consumeOne(
  policy: ConsumePolicy,
  record: ConsumedRecord,
  handle: (record: ConsumedRecord) => Promise<void>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await handle(record);
      return;
    } catch (error) {
      if (attempt >= policy.maxAttempts) {
        const letter = deadLetter(policy, record, attempt, error);
        // If this write fails, the whole batch fails and is delivered again: nothing is dropped silently.
        await policy.deadLetters.send(letter);
        policy.onDeadLetter?.(letter);
        return;
      }
      await sleep(policy.retryBaseMs * 2 ** (attempt - 1));
    }
  }
}

/**
 * Handles a batch of records with at-least-once semantics: each record is tried up to `maxAttempts` times
 * with exponential backoff, then sidelined to the dead-letter queue so the partition keeps flowing.
 */
export async function consumeRecords(
  records: readonly ConsumedRecord[],
  policy: ConsumePolicy,
  handle: (record: ConsumedRecord) => Promise<void>,
): Promise<void> {
  const byKey = new Map<string, ConsumedRecord[]>();
  for (const record of records) {
    const key = record.key?.toString('base64') ?? `${record.partition}:${record.offset}`;
    byKey.set(key, [...(byKey.get(key) ?? []), record]);
  }
  const queues = [...byKey.values()];
  const workers = Array.from({ length: Math.min(policy.concurrency, queues.length) }, async () => {
    for (let queue = queues.shift(); queue; queue = queues.shift()) {
      for (const record of queue) await consumeOne(policy, record, handle);
    }
  });
  await Promise.all(workers);
}
