import { REDRIVE_CONSUMER_HEADER } from '../config/messaging';
import { backoffMs, type TransientRetry } from '../config/retry-policies';
import { DependencyStillUnavailableError, describeError, ParkedBehindDeadLetterError } from './errors';
import type { ConsumedRecord, DeadLetter, DeadLetterQueue, ParkedPayments, Parking } from './ports/consumers';
import type { TransientFailure } from './ports/transient-failure';

/** Poison: fails the same way every time, dead-lettered. Transient: a dependency unavailable for now, waited for. */
export interface FailureClassification {
  readonly kind: 'poison' | 'transient';
  /** Which rule decided, for logs. */
  readonly rule: string;
}

/** A record waiting for a dependency, and the rule that called its failure transient. */
export type RecordWaiting = TransientFailure<{ readonly record: ConsumedRecord; readonly rule: string }>;

export interface ConsumePolicy {
  /** The consumer's name, recorded on dead letters and parkings. */
  readonly consumer: string;
  /** Attempts of a poison record before it is dead-lettered (config/retry-policies.ts: POISON_RECORD_RETRY). */
  readonly maxAttempts: number;
  /** Poison attempt n waits base * 2^(n-1) before the next (the seed: 2 s, then 4 s). */
  readonly retryBaseMs: number;
  /** Transient failure n waits min(maxMs, base * 2^(n-1)), while the invocation has stopBeforeTimeoutMs left. */
  readonly transientRetry: TransientRetry;
  /** Payments handled in parallel; one payment's records are always handled in order. */
  readonly concurrency: number;
  readonly deadLetters: DeadLetterQueue;
  readonly parked: ParkedPayments;
  readonly classify: (error: unknown) => FailureClassification;
  /** The invocation's remaining time (the Lambda context's getRemainingTimeInMillis). */
  readonly remainingTimeMs: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly onDeadLetter?: (letter: DeadLetter) => void;
  readonly onTransientFailure?: (failure: RecordWaiting) => void;
  /**
   * Whether the consumer has anything to do with a record (its event type, from the record's header): a batch's
   * other records are passed over before anything is read, so a batch of events the consumer ignores costs
   * no database read. All records when absent.
   */
  readonly handles?: (record: ConsumedRecord) => boolean;
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
    lastError: describeError(error),
    failedAt: new Date().toISOString(),
  };
}

/** One batch: its parkings (per payment) and whether it has already given up. */
class BatchRun {
  failure: DependencyStillUnavailableError | undefined;

  constructor(
    readonly policy: ConsumePolicy,
    readonly parkings: Map<string, Parking>,
  ) {}

  /** Runs `operation` until it succeeds, waiting out transient failures while time is left. */
  async untilAvailable<T>(record: ConsumedRecord, operation: () => Promise<T>): Promise<T> {
    for (let failures = 1; ; failures++) {
      try {
        return await operation();
      } catch (error) {
        const { kind, rule } = this.policy.classify(error);
        if (kind === 'poison') throw error;
        await this.waitForDependency(record, error, rule, failures);
      }
    }
  }

  /** Waits before the next try after the n-th consecutive transient failure, or fails the batch when out of time. */
  async waitForDependency(record: ConsumedRecord, error: unknown, rule: string, failures: number) {
    const retryInMs = backoffMs(this.policy.transientRetry, failures);
    if (
      this.failure ||
      this.policy.remainingTimeMs() - retryInMs < this.policy.transientRetry.stopBeforeTimeoutMs
    ) {
      this.failure ??= new DependencyStillUnavailableError(error);
      throw this.failure;
    }
    this.policy.onTransientFailure?.({ record, error, rule, retryInMs });
    await this.policy.sleep(retryInMs);
  }

  /** Dead-letters the record, then parks its payment so that its later events wait behind the letter. */
  async sideline(record: ConsumedRecord, attempts: number, error: unknown): Promise<void> {
    const letter = deadLetter(this.policy, record, attempts, error);
    const letterId = await this.untilAvailable(record, () => this.policy.deadLetters.send(letter));
    this.policy.onDeadLetter?.(letter);
    if (letter.key === null) return;
    const parking: Parking = {
      letterId: this.parkings.get(letter.key)?.letterId ?? letterId,
      partition: record.partition,
      lastOffset: record.offset,
    };
    const key = letter.key;
    await this.untilAvailable(record, () => this.policy.parked.park(this.policy.consumer, key, parking));
    this.parkings.set(key, parking);
  }

  async consume(record: ConsumedRecord, handle: (record: ConsumedRecord) => Promise<void>) {
    const redrivenFor = record.headers[REDRIVE_CONSUMER_HEADER];
    // A redriven letter is meant for the consumer that dead-lettered it; the others already settled it.
    if (redrivenFor && redrivenFor !== this.policy.consumer) return;
    const key = record.key?.toString('utf8');
    const parking = key === undefined ? undefined : this.parkings.get(key);
    if (key !== undefined && parking) {
      // Already dead-lettered when this batch was delivered before: settled.
      if (parking.partition === record.partition && record.offset <= parking.lastOffset) return;
      await this.sideline(record, 0, new ParkedBehindDeadLetterError(key, parking));
      return;
    }
    let poisonAttempts = 0;
    let transientFailures = 0;
    for (;;) {
      try {
        await handle(record);
        return;
      } catch (error) {
        const { kind, rule } = this.policy.classify(error);
        if (kind === 'transient') {
          transientFailures++;
          await this.waitForDependency(record, error, rule, transientFailures);
          continue;
        }
        poisonAttempts++;
        if (poisonAttempts >= this.policy.maxAttempts) {
          await this.sideline(record, poisonAttempts, error);
          return;
        }
        await this.policy.sleep(backoffMs({ baseMs: this.policy.retryBaseMs }, poisonAttempts));
      }
    }
  }
}

/**
 * Handles a batch with at-least-once semantics. A poison record is tried `maxAttempts` times with backoff,
 * then dead-lettered so its partition keeps flowing; its payment is parked, so this consumer dead-letters
 * that payment's later events too (a redrive replays them in order). A transient failure is waited out
 * while the invocation has time; then the batch fails without dead-lettering anything (DependencyStillUnavailableError).
 */
export async function consumeRecords(
  batch: readonly ConsumedRecord[],
  policy: ConsumePolicy,
  handle: (record: ConsumedRecord) => Promise<void>,
): Promise<void> {
  // Passing over an event the consumer ignores is what consuming it would do, parked payment or not: a parked
  // payment's ignored events need no dead letter, since a redrive would ignore them too.
  const records = policy.handles ? batch.filter(policy.handles) : batch;
  const byKey = new Map<string, ConsumedRecord[]>();
  for (const record of records) {
    const key = record.key?.toString('base64') ?? `${record.partition}:${record.offset}`;
    byKey.set(key, [...(byKey.get(key) ?? []), record]);
  }
  const keys = [...new Set(records.flatMap((record) => (record.key ? [record.key.toString('utf8')] : [])))];
  const first = records[0];
  const lookup = new BatchRun(policy, new Map());
  const parkings =
    first && keys.length > 0
      ? await lookup.untilAvailable(first, () => policy.parked.find(policy.consumer, keys))
      : new Map<string, Parking>();
  const run = new BatchRun(policy, parkings);
  const queues = [...byKey.values()];
  const workers = Array.from({ length: Math.min(policy.concurrency, queues.length) }, async () => {
    for (let queue = queues.shift(); queue && !run.failure; queue = queues.shift()) {
      for (const record of queue) await run.consume(record, handle);
    }
  });
  const settled = await Promise.allSettled(workers);
  const rejected = settled.find((result) => result.status === 'rejected');
  if (rejected) throw rejected.reason;
}
