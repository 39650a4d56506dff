import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { bankCircuitBreaker } from '../../../lambdas/core/adapters/bank/circuit-breaker';
import { TransientBankError } from '../../../lambdas/core/adapters/errors';
import { bankSettings } from '../../../lambdas/core/config/bank';
import { memoryBreakerState } from '../../support/bank-simulator';

const HALF_OPEN_AFTER_MS = 100;

/** One Lambda instance's breaker on the shared state: each call loads the state, as every instance does. */
function instance(state: ReturnType<typeof memoryBreakerState>, breaks: string[], threshold: number) {
  const settings = bankSettings({
    ASPAY_BANK_MAX_ATTEMPTS: '1',
    ASPAY_BREAKER_FAILURE_THRESHOLD: String(threshold),
    ASPAY_BREAKER_HALF_OPEN_AFTER_MS: String(HALF_OPEN_AFTER_MS),
  });
  return bankCircuitBreaker(settings, state, () => breaks.push('open'));
}

const succeeds = async () => 'charged';
const failsAfter = (ms: number) => async () => {
  await sleep(ms);
  throw new TransientBankError('503 from the bank');
};

describe('the circuit breaker shared by instances that call at the same time', () => {
  it('is not opened again by a failure that began before another instance closed it', async () => {
    const state = memoryBreakerState();
    const breaks: string[] = [];
    const breaker = instance(state, breaks, 2);
    await breaker(failsAfter(0), undefined);
    await breaker(failsAfter(0), undefined);
    expect(await breaker(succeeds, undefined)).toEqual({ circuitOpen: true });
    await sleep(HALF_OPEN_AFTER_MS + 20);

    // Both read the half-open breaker: the slow failure ends after the quick success has closed it.
    const [slow, quick] = await Promise.all([
      breaker(failsAfter(50), undefined),
      breaker(succeeds, undefined),
    ]);

    expect(quick).toEqual({ answer: 'charged' });
    expect(slow).toMatchObject({ unavailable: expect.stringContaining('503') });
    // One failure of the closed breaker, below its threshold of 2: the next charge goes through.
    expect(await breaker(succeeds, undefined)).toEqual({ answer: 'charged' });
    expect(breaks).toEqual(['open']);
  });

  it('counts every failure of concurrent calls, so an outage opens it as calls one after another would', async () => {
    const state = memoryBreakerState();
    const breaks: string[] = [];
    const breaker = instance(state, breaks, 3);

    // All three read the closed breaker with no failure; each write finds another's and counts on top of it.
    await Promise.all([1, 2, 3].map((ms) => breaker(failsAfter(ms), undefined)));

    expect(await breaker(succeeds, undefined)).toEqual({ circuitOpen: true });
    expect(breaks).toEqual(['open']);
  });

  it('is neither opened nor reset by retries of payments the bank left undecided, but holds them back once open', async () => {
    const state = memoryBreakerState();
    const breaks: string[] = [];
    const breaker = instance(state, breaks, 2);
    // A retry of a payment the bank left undecided: `counted` false.
    const notCounted = false;

    // However many retries fail, the breaker stays closed for first attempts.
    for (let i = 0; i < 5; i++) await breaker(failsAfter(0), undefined, notCounted);
    expect(state.writes).toBe(0);
    expect(await breaker(succeeds, undefined)).toEqual({ answer: 'charged' });

    // One failed first attempt, then a retry that succeeds: the retry does not reset the count.
    await breaker(failsAfter(0), undefined);
    expect(await breaker(succeeds, undefined, notCounted)).toEqual({ answer: 'charged' });
    await breaker(failsAfter(0), undefined);
    expect(breaks).toEqual(['open']);

    // Open: a retry is held back like any other call.
    expect(await breaker(succeeds, undefined, notCounted)).toEqual({ circuitOpen: true });
  });
});
