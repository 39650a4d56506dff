/**
 * How an event source mapping delivers one batch to a function that fails, as Lambda documents it:
 * - MaximumRetryAttempts retries after the first invocation, then the batch is discarded (its metadata goes
 *   to the on-failure destination) and the mapping moves on
 *   (https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html);
 * - with BisectBatchOnFunctionError a failed batch is split in two and each half is delivered on its own;
 *   "splitting a batch does not count towards the retry quota", so the retries are spent on the halves that
 *   still fail once they cannot be split further
 *   (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html#services-kinesis-errors, the stream
 *   semantics the Kafka mappings share).
 * Pure: the invocation and the pause between retries are passed in.
 */

export interface BatchRetryPolicy {
  readonly retryAttempts: number;
  readonly bisectOnError: boolean;
}

/** Records Lambda gave up on, with how often this exact batch was invoked and its last error. */
export interface DiscardedBatch<T> {
  readonly records: readonly T[];
  readonly invokeCount: number;
  readonly lastError: unknown;
}

/** The mapping lost its partition (rebalance, shutdown) mid-delivery: nothing may be committed. */
export class DeliveryAbandonedError extends Error {
  constructor() {
    super('the batch was abandoned: the mapping no longer owns its partition');
    this.name = 'DeliveryAbandonedError';
  }
}

export interface DeliveryHooks<T> {
  invoke(records: readonly T[]): Promise<void>;
  /** Waits before retry number `retry` (1-based). */
  pauseBeforeRetry(retry: number): Promise<void>;
  /** False once the delivery must stop without a verdict. */
  stillOwned(): boolean;
}

/** Delivers `records`, in order; resolves with the parts that were discarded (empty when all succeeded). */
export async function deliverBatch<T>(
  records: readonly T[],
  policy: BatchRetryPolicy,
  hooks: DeliveryHooks<T>,
): Promise<DiscardedBatch<T>[]> {
  for (let retries = 0, invokeCount = 1; ; retries++, invokeCount++) {
    if (!hooks.stillOwned()) throw new DeliveryAbandonedError();
    try {
      await hooks.invoke(records);
      return [];
    } catch (error) {
      if (policy.bisectOnError && records.length > 1) {
        const middle = Math.ceil(records.length / 2);
        const first = await deliverBatch(records.slice(0, middle), policy, hooks);
        const second = await deliverBatch(records.slice(middle), policy, hooks);
        return [...first, ...second];
      }
      if (retries >= policy.retryAttempts) return [{ records, invokeCount, lastError: error }];
      await hooks.pauseBeforeRetry(retries + 1);
    }
  }
}

/** Exponential backoff from the configured base, capped at eight times the base. */
export function retryBackoffMs(baseMs: number, retry: number): number {
  return baseMs * 2 ** Math.min(retry - 1, 3);
}
