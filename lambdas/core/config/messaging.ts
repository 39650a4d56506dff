import { ENV } from './environment';
import {
  OUTBOX_RELAY_RETRY,
  POISON_RECORD_RETRY,
  type TransientRetry,
  UNAVAILABLE_DEPENDENCY_RETRY,
} from './retry-policies';
import { integerSetting } from './settings';

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

/**
 * Set by `aspay dlq redrive` on a consumer's letter put back on the topic: only that consumer handles the
 * record again, the others settled it the first time.
 */
export const REDRIVE_CONSUMER_HEADER = 'aspay-redrive-consumer';

export type StartingPosition = 'TRIM_HORIZON' | 'LATEST';

/**
 * A consumer handles this many payments of a batch at once (one payment's records always in order), so its
 * database pool opens up to this many connections while it does.
 */
export const CONSUMER_PAYMENTS_IN_PARALLEL = 10;

export interface ConsumerSettings {
  /** The consumer function's entry file: `lambdas/functions/<handler>.ts`. */
  readonly handler: string;
  /** Kafka consumer group id (the event source mapping's `consumerGroupId`). */
  readonly groupId: string;
  readonly topic: string;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly startingPosition: StartingPosition;
  /** Attempts per poison record before it is sidelined to the dead-letter queue (the seed: 3). */
  readonly maxAttempts: number;
  /** First backoff between a poison record's attempts; attempt n waits base * 2^(n-1) (the seed: 2 s, then 4 s). */
  readonly retryBaseMs: number;
  /**
   * A record failing on an unavailable dependency (docs/ledger-notifications-saga.md) is retried with this
   * backoff, capped, until the invocation has `stopBeforeTimeoutMs` left; then the batch fails as a whole
   * and nothing is dead-lettered: the event source mapping delivers the batch again.
   */
  readonly transientRetry: TransientRetry;
  /**
   * Whole-batch retries by the event source mapping when the function itself fails (a throw, e.g. its
   * dead-letter write failed, or a timeout); then the batch's metadata goes to the on-failure destination,
   * the same SQS queue (MaximumRetryAttempts; AWS caps "infinite" at 10 when a destination is set:
   * https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html).
   */
  readonly batchRetryAttempts: number;
  /** BisectBatchOnFunctionError: a failed batch is split in two, isolating the record that breaks it. */
  readonly bisectBatchOnError: boolean;
  /** The consumer function's timeout; an invocation still running then fails like a thrown error. */
  readonly timeoutSeconds: number;
}

/** `ENV.consumerRetryBaseMs` shortens the backoff for tests and demos; production keeps the seed's 2 s. */
export function retryBaseMs(env: NodeJS.ProcessEnv = process.env): number {
  return integerSetting(env, ENV.consumerRetryBaseMs, POISON_RECORD_RETRY.baseMs);
}

function consumer(handler: string): ConsumerSettings {
  return {
    handler,
    groupId: `aspay-${handler}`,
    topic: PAYMENT_EVENTS_TOPIC.name,
    batchSize: 100,
    // Invoke as soon as the poller has records: the mapping's window is "the maximum amount of time to gather
    // records before invoking the function", MSK's default 500 ms, settable in whole seconds from 0 to 300
    // (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html,
    // https://docs.aws.amazon.com/lambda/latest/dg/msk-esm-parameters.html). Every payment crosses a mapping
    // between POST and SUCCESS, so 1 s alone spent the whole 1 s p99 target. Under load batches still fill:
    // what arrives while an invocation runs is the next batch.
    maxBatchingWindowSeconds: 0,
    startingPosition: 'TRIM_HORIZON',
    maxAttempts: POISON_RECORD_RETRY.attempts,
    retryBaseMs: retryBaseMs(),
    transientRetry: UNAVAILABLE_DEPENDENCY_RETRY,
    batchRetryAttempts: 10,
    bisectBatchOnError: true,
    // Lambda's maximum, so a dependency outage is waited out for hours before anything reaches the DLQ
    // (toleratedOutageSeconds below): https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
    timeoutSeconds: 900,
  };
}

/**
 * How long a dependency may stay unavailable before a batch reaches the dead-letter queue: each invocation
 * waits for it until its timeout, and the event source mapping invokes the batch 1 + batchRetryAttempts
 * times (bisection only adds invocations) before it sends the batch's metadata to the on-failure destination.
 * With 900 s and 10 retries: 9,900 s, 2 h 45 min.
 */
export function toleratedOutageSeconds(settings: ConsumerSettings): number {
  return (1 + settings.batchRetryAttempts) * settings.timeoutSeconds;
}

export const CONSUMERS = {
  bankProcessor: consumer('bank-processor'),
  ledger: consumer('ledger'),
  notifier: consumer('notifier'),
  receipts: consumer('receipts'),
} as const;

/** The outbox relay: scheduled every minute, it drains in a loop until close to its timeout (docs/outbox-relay.md). */
export const OUTBOX_RELAY = {
  scheduleEveryMinutes: 1,
  /**
   * Longer than the schedule's minute, so that an invocation still drains when the next tick starts the next
   * one: consecutive relays overlap by about 10 s (safe, see docs/outbox-relay.md; the reserved concurrency
   * of 2 admits them) instead of leaving events unrelayed for the seconds between one's stop and the next tick.
   */
  timeoutSeconds: 75,
  /** Stop claiming this long before the Lambda timeout, so the last batch always finishes. */
  stopBeforeTimeoutMs: 5_000,
  /**
   * Payments claimed per pass; each pass publishes all their unpublished events in one send (a few events per
   * payment, well under a megabyte per partition, MSK's default message.max.bytes). A large claim only
   * matters for a backlog: then each pass's fixed cost (a transaction, a produce request) is shared by more.
   */
  maxPaymentsPerClaim: 1_000,
  /** Pause when the outbox is empty: bounds the lag while keeping PostgreSQL idle-ish. */
  idleSleepMs: 100,
  /** How often a running relay measures and publishes its lag, so the lag alarm sees it within a minute. */
  lagReportEveryMs: 5_000,
  /** Backoff after a failed pass (database or broker unreachable): base * 2^(n-1), capped. */
  retryBaseMs: OUTBOX_RELAY_RETRY.baseMs,
  retryMaxMs: OUTBOX_RELAY_RETRY.maxMs,
  /** Published rows are kept this long for audits and replays, then pruned, at most this many per drain. */
  retentionDays: 7,
  pruneLimit: 1_000,
} as const;

/**
 * The local runner runs at most this many invocations of a scheduled function at once: overlaps are safe (see
 * docs/outbox-relay.md) and two spare the database. In AWS the stage's `scheduledReservedConcurrency`
 * (cdk.json) reserves it, where the stage reserves concurrency at all.
 */
const SCHEDULED_RESERVED_CONCURRENCY = 2;

/** Functions run on a schedule (an EventBridge rule in AWS; the local runner keeps the same rate). */
export const SCHEDULED_FUNCTIONS = [
  {
    handler: 'outbox-relay',
    everyMinutes: OUTBOX_RELAY.scheduleEveryMinutes,
    timeoutSeconds: OUTBOX_RELAY.timeoutSeconds,
    reservedConcurrency: SCHEDULED_RESERVED_CONCURRENCY,
  },
  {
    handler: 'retry-sweep',
    everyMinutes: 1,
    timeoutSeconds: 60,
    reservedConcurrency: SCHEDULED_RESERVED_CONCURRENCY,
  },
] as const;
