/**
 * Topic, queue and consumer settings: the single source read by the Lambda handlers,
 * the CDK event source mappings and the local event-source-mapping runner.
 */

export const PAYMENT_EVENTS_TOPIC = {
  name: 'payment-events',
  /** Several partitions so that payments spread while one payment's events stay ordered (key = payment id). */
  partitions: 6,
} as const;

export const DEAD_LETTER_QUEUE = {
  name: 'payment-events-dlq',
  /** SQS maximum: a sidelined poison pill waits two weeks for a human. */
  retentionDays: 14,
} as const;

export type StartingPosition = 'TRIM_HORIZON' | 'LATEST';

export interface ConsumerSettings {
  /** Kafka consumer group id (the event source mapping's `consumerGroupId`). */
  readonly groupId: string;
  readonly topic: string;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly startingPosition: StartingPosition;
  /** Attempts per record before it is sidelined to the dead-letter queue (the seed: 3). */
  readonly maxAttempts: number;
  /** First backoff; attempt n waits base * 2^(n-1) (the seed: 2 s, then 4 s). */
  readonly retryBaseMs: number;
}

const DEFAULT_RETRY_BASE_MS = 2_000;

/** `ASPAY_RETRY_BASE_MS` shortens the backoff for tests and demos; production keeps the seed's 2 s. */
export function retryBaseMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.ASPAY_RETRY_BASE_MS;
  if (raw === undefined || raw === '') return DEFAULT_RETRY_BASE_MS;
  const parsed = Number.parseInt(raw, 10);
  if (!Number.isFinite(parsed) || parsed < 0) {
    throw new Error(`ASPAY_RETRY_BASE_MS must be a non-negative integer of milliseconds, got "${raw}"`);
  }
  return parsed;
}

function consumer(groupId: string): ConsumerSettings {
  return {
    groupId,
    topic: PAYMENT_EVENTS_TOPIC.name,
    batchSize: 100,
    maxBatchingWindowSeconds: 1,
    startingPosition: 'TRIM_HORIZON',
    maxAttempts: 3,
    retryBaseMs: retryBaseMs(),
  };
}

export const CONSUMERS = {
  bankProcessor: consumer('aspay-bank-processor'),
  ledger: consumer('aspay-ledger'),
  notifier: consumer('aspay-notifier'),
} as const;

export type ConsumerName = keyof typeof CONSUMERS;
