import { describe, expect, it } from 'vitest';
import { bankCallRetry, bankSettings } from '../../../lambdas/core/config/bank';
import { CONSUMERS, toleratedOutageSeconds } from '../../../lambdas/core/config/messaging';
import {
  BANK_CALL_RETRY,
  BANK_PENDING_RETRY,
  backoffMs,
  POISON_RECORD_RETRY,
  RECORDING_RETRY,
  totalBackoffMs,
  UNAVAILABLE_DEPENDENCY_RETRY,
  WEBHOOK_IN_INVOCATION_RETRY,
  WEBHOOK_SCHEDULED_RETRY,
} from '../../../lambdas/core/config/retry-policies';

const schedule = (backoff: Parameters<typeof backoffMs>[0], retries: number) =>
  Array.from({ length: retries }, (_, index) => backoffMs(backoff, index + 1));

describe('the backoff schedule', () => {
  it('doubles the wait with every retry', () => {
    expect(schedule({ baseMs: 100 }, 5)).toEqual([100, 200, 400, 800, 1600]);
  });

  it('never waits longer than its cap', () => {
    expect(schedule({ baseMs: 100, maxMs: 500 }, 6)).toEqual([100, 200, 400, 500, 500, 500]);
  });

  it('reads a retry number below one as the first retry', () => {
    expect([0, -3].map((retry) => backoffMs({ baseMs: 100 }, retry))).toEqual([100, 100]);
  });

  it('adds up the waits between attempts, none for a single attempt', () => {
    expect(totalBackoffMs({ baseMs: 100, maxMs: 300 }, 4)).toBe(100 + 200 + 300);
    expect(totalBackoffMs({ baseMs: 100 }, 1)).toBe(0);
  });
});

describe('the named retry policies', () => {
  it('tries a poison record 3 times, 2 s then 4 s apart', () => {
    expect(POISON_RECORD_RETRY.attempts).toBe(3);
    expect(schedule(POISON_RECORD_RETRY, POISON_RECORD_RETRY.attempts - 1)).toEqual([2_000, 4_000]);
    expect(CONSUMERS.ledger).toMatchObject({ maxAttempts: 3 });
  });

  it('waits for an unavailable dependency every 5 s at most, for as long as the consumers run', () => {
    expect(schedule(UNAVAILABLE_DEPENDENCY_RETRY, 6)).toEqual([500, 1_000, 2_000, 4_000, 5_000, 5_000]);
    for (const consumer of Object.values(CONSUMERS)) {
      expect(consumer.transientRetry).toBe(UNAVAILABLE_DEPENDENCY_RETRY);
      // The wait ends with the invocation: hours of outage before anything is given up.
      expect(toleratedOutageSeconds(consumer)).toBeGreaterThanOrEqual(2 * 60 * 60);
    }
  });

  it('retries recording a webhook outcome every 5 s at most', () => {
    expect(schedule(RECORDING_RETRY, 6)).toEqual([500, 1_000, 2_000, 4_000, 5_000, 5_000]);
  });

  it('posts a webhook 3 times in the invocation, 1 s then 2 s apart', () => {
    expect(schedule(WEBHOOK_IN_INVOCATION_RETRY, WEBHOOK_IN_INVOCATION_RETRY.attempts - 1)).toEqual([
      1_000, 2_000,
    ]);
  });

  it('resends a webhook from 1 min doubling to 1 h, for 3 days', () => {
    expect(schedule(WEBHOOK_SCHEDULED_RETRY, 8).map((ms) => ms / 60_000)).toEqual([
      1, 2, 4, 8, 16, 32, 60, 60,
    ]);
    expect(WEBHOOK_SCHEDULED_RETRY.giveUpAfterMs).toBe(3 * 24 * 60 * 60_000);
  });

  it('gives a bank call 3 tries, waits capped at 30 s', () => {
    const { retries, backoff } = bankCallRetry(bankSettings({}));
    expect(retries).toBe(BANK_CALL_RETRY.attempts - 1);
    expect(backoff).toEqual({ baseMs: 500, maxMs: 30_000 });
  });

  it('takes the bank call tries from the environment, keeping the cap', () => {
    expect(
      bankCallRetry(bankSettings({ ASPAY_BANK_MAX_ATTEMPTS: '5', ASPAY_BANK_BACKOFF_BASE_MS: '10' })),
    ).toEqual({ retries: 4, backoff: { baseMs: 10, maxMs: 30_000 } });
  });

  it('retries a payment waiting on the bank from 1 min doubling to 15 min, 10 times', () => {
    expect(schedule(BANK_PENDING_RETRY, 6).map((ms) => ms / 60_000)).toEqual([1, 2, 4, 8, 15, 15]);
    expect(bankSettings({})).toMatchObject({ giveUpAfterAttempts: 10 });
  });
});
