import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../../../lambdas/core/domain/errors';
import { cellRate, type RequestRate, retryAfterSeconds } from '../../../lambdas/core/domain/rate-limit';
import type { RateLimitStore } from '../../../lambdas/core/use-cases/ports/merchants';
import {
  admitMerchantRequest,
  largestTake,
  requestAllowance,
} from '../../../lambdas/core/use-cases/rate-limit';

const RATE: RequestRate = { perSecond: 100, burst: 30 };
const ADMIT_RATE = { perSecond: 10, burst: 20 };

/** The shared budget in memory (the cell rate algorithm of the DynamoDB limiter); records every take asked for. */
function sharedBudget() {
  const tats = new Map<string, number>();
  const takes: number[] = [];
  let granted = 0;
  const limiter: RateLimitStore = {
    async take(key, rate, nowMs, count = 1) {
      takes.push(count);
      const { intervalMs, latestTatMs } = cellRate(rate, nowMs, count);
      const tat = Math.max(tats.get(key) ?? nowMs, nowMs);
      if (tat > latestTatMs)
        return { admitted: false, retryAfterSeconds: retryAfterSeconds(tat, rate, nowMs, count) };
      tats.set(key, tat + count * intervalMs);
      granted += count;
      return { admitted: true };
    },
  };
  return { limiter, takes, granted: () => granted };
}

async function admittedOf(limiter: RateLimitStore, requests: number, nowMs: (i: number) => number) {
  let admitted = 0;
  for (let i = 0; i < requests; i += 1)
    if ((await limiter.take('mer_a', RATE, nowMs(i))).admitted) admitted += 1;
  return admitted;
}

describe("an instance's request allowance", () => {
  it('asks the shared budget once per take, not once per request, while the instance is busy', async () => {
    const shared = sharedBudget();
    // 100 requests over one second: the merchant's own rate, all from this instance.
    const admitted = await admittedOf(requestAllowance(shared.limiter), 100, (i) => i * 10);

    expect(admitted).toBe(100);
    expect(shared.takes.length).toBeLessThanOrEqual(15);
    expect(Math.max(...shared.takes)).toBe(largestTake(RATE));
  });

  it('never admits more requests than the shared budget granted', async () => {
    const shared = sharedBudget();
    // A flood: 500 requests within 100 ms.
    const admitted = await admittedOf(requestAllowance(shared.limiter), 500, (i) => i / 5);

    expect(admitted).toBeLessThanOrEqual(shared.granted());
    // The burst plus what 100 ms earn, less at most one take left unused.
    expect(admitted).toBeGreaterThanOrEqual(RATE.burst + 10 - largestTake(RATE));
    expect(admitted).toBeLessThanOrEqual(RATE.burst + 10);
  });

  it('asks for one request when a whole take does not fit, and refuses only when none does', async () => {
    const shared = sharedBudget();
    const limiter = requestAllowance(shared.limiter);
    await admittedOf(limiter, 100, () => 0);
    shared.takes.length = 0;

    expect(await limiter.take('mer_a', RATE, 0)).toEqual({ admitted: false, retryAfterSeconds: 1 });
    expect(shared.takes.at(-1)).toBe(1);
  });

  it('does not use what it holds more than a second after taking it', async () => {
    const shared = sharedBudget();
    const limiter = requestAllowance(shared.limiter);
    await admittedOf(limiter, 20, (i) => i);
    const takesBefore = shared.takes.length;

    expect((await limiter.take('mer_a', RATE, 1_020)).admitted).toBe(true);
    expect(shared.takes.length).toBe(takesBefore + 1);
  });

  it('takes one request at a time for an instance that serves a merchant rarely', async () => {
    const shared = sharedBudget();
    // One request every 200 ms: nothing would be left to use within 100 ms of a bigger take.
    await admittedOf(requestAllowance(shared.limiter), 10, (i) => i * 200);

    expect(shared.takes).toEqual(Array.from({ length: 10 }, () => 1));
  });

  it('lets requests that arrive during a take wait for it instead of taking for themselves', async () => {
    const shared = sharedBudget();
    const limiter = requestAllowance(shared.limiter);
    await admittedOf(limiter, 3, () => 0);
    const takesBefore = shared.takes.length;

    const outcomes = await Promise.all(Array.from({ length: 4 }, () => limiter.take('mer_a', RATE, 5)));

    expect(outcomes.every((outcome) => outcome.admitted)).toBe(true);
    expect(shared.takes.length - takesBefore).toBe(1);
  });
});

/** A limiter that admits the first `admitted` requests, then refuses with a 3-second wait; records the keys asked. */
function limiterAdmitting(admitted: number) {
  const keys: string[] = [];
  const limiter: RateLimitStore = {
    async take(key) {
      keys.push(key);
      return keys.length <= admitted ? { admitted: true } : { admitted: false, retryAfterSeconds: 3 };
    },
  };
  return { limiter, keys };
}

describe("admitting a merchant's request", () => {
  it("draws on the merchant's own budget and lets the request through while it lasts", async () => {
    const { limiter, keys } = limiterAdmitting(1);

    await expect(admitMerchantRequest(limiter, 'mer_a', ADMIT_RATE, 0)).resolves.toBeUndefined();
    expect(keys).toEqual(['mer_a']);
  });

  it('refuses the request past the budget, saying when to retry', async () => {
    const { limiter } = limiterAdmitting(0);

    const refused = await admitMerchantRequest(limiter, 'mer_a', ADMIT_RATE, 0).catch(
      (error: unknown) => error,
    );

    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused).toMatchObject({ retryAfterSeconds: 3 });
  });
});
