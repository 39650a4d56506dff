import { describe, expect, it } from 'vitest';
import {
  DeliveryAbandonedError,
  deliverBatch,
  retryBackoffMs,
} from '../../../localstack/src/runner/batch-delivery';

/** A function that fails every invocation containing one of `poison`, recording what it was given. */
function functionFailingOn(...poison: number[]) {
  const invocations: number[][] = [];
  const pauses: number[] = [];
  return {
    invocations,
    pauses,
    hooks: {
      invoke: async (records: readonly number[]) => {
        invocations.push([...records]);
        if (records.some((record) => poison.includes(record))) throw new Error(`poison in ${records}`);
      },
      pauseBeforeRetry: async (retry: number) => {
        pauses.push(retry);
      },
      stillOwned: () => true,
    },
  };
}

describe('batch delivery with retries and bisection', () => {
  it('invokes a failing batch once plus the retry attempts, then discards it with that invoke count', async () => {
    const fn = functionFailingOn(2);
    const discarded = await deliverBatch([1, 2, 3], { retryAttempts: 10, bisectOnError: false }, fn.hooks);
    expect(fn.invocations).toHaveLength(11);
    expect(fn.pauses).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(discarded).toEqual([{ records: [1, 2, 3], invokeCount: 11, lastError: expect.any(Error) }]);
  });

  it('splits a failing batch without spending retries, then retries the failing record alone', async () => {
    const fn = functionFailingOn(3);
    const discarded = await deliverBatch([1, 2, 3, 4], { retryAttempts: 2, bisectOnError: true }, fn.hooks);
    expect(fn.invocations).toEqual([[1, 2, 3, 4], [1, 2], [3, 4], [3], [3], [3], [4]]);
    expect(discarded).toEqual([{ records: [3], invokeCount: 3, lastError: expect.any(Error) }]);
  });

  it('delivers a healthy batch with one invocation and discards nothing', async () => {
    const fn = functionFailingOn();
    expect(await deliverBatch([1, 2], { retryAttempts: 10, bisectOnError: true }, fn.hooks)).toEqual([]);
    expect(fn.invocations).toEqual([[1, 2]]);
  });

  it('stops without a verdict once the partition is no longer owned', async () => {
    const fn = functionFailingOn(1);
    let owned = 2;
    const delivery = deliverBatch(
      [1],
      { retryAttempts: 10, bisectOnError: true },
      {
        ...fn.hooks,
        stillOwned: () => owned-- > 0,
      },
    );
    await expect(delivery).rejects.toBeInstanceOf(DeliveryAbandonedError);
    expect(fn.invocations).toHaveLength(2);
  });

  it('doubles the backoff from the configured base up to eight times the base', () => {
    expect([1, 2, 3, 4, 5, 10].map((retry) => retryBackoffMs(200, retry))).toEqual([
      200, 400, 800, 1_600, 1_600, 1_600,
    ]);
  });
});
