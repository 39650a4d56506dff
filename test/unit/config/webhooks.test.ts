import { describe, expect, it } from 'vitest';
import { CONSUMERS } from '../../../lambdas/core/config/messaging';
import {
  claimLeaseMs,
  deliveryWindowMs,
  nextWebhookAttempt,
  webhookSettings,
} from '../../../lambdas/core/config/webhooks';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const FIRST = new Date('2026-03-01T12:00:00.000Z');
const production = webhookSettings({});

const waitAfter = (attempts: number, ageMs = MINUTE) => {
  const now = new Date(FIRST.getTime() + ageMs);
  const next = nextWebhookAttempt(production, { now, firstAttemptAt: FIRST, attempts });
  if (next === 'give_up') throw new Error('gave up');
  return next.retryAt.getTime() - now.getTime();
};

describe('the webhook retry policy', () => {
  it('keeps production defaults: 3 attempts in the invocation, then 1 min doubling to 1 h, for 3 days', () => {
    expect(production).toMatchObject({
      inInvocationAttempts: 3,
      retryBaseMs: MINUTE,
      retryMaxMs: HOUR,
      giveUpAfterMs: 72 * HOUR,
    });
  });

  it('waits the base after the in-invocation attempts, then doubles per retry up to the cap', () => {
    expect([3, 4, 5, 6, 7, 8, 9, 10, 20].map((attempts) => waitAfter(attempts))).toEqual([
      MINUTE,
      2 * MINUTE,
      4 * MINUTE,
      8 * MINUTE,
      16 * MINUTE,
      32 * MINUTE,
      HOUR,
      HOUR,
      HOUR,
    ]);
  });

  it('retries until the give-up age, then gives up', () => {
    expect(waitAfter(50, 72 * HOUR - 1)).toBe(HOUR);
    expect(
      nextWebhookAttempt(production, {
        now: new Date(FIRST.getTime() + 72 * HOUR),
        firstAttemptAt: FIRST,
        attempts: 50,
      }),
    ).toBe('give_up');
  });

  it('takes every setting from the environment, for tests', () => {
    expect(
      webhookSettings({
        ASPAY_WEBHOOK_RETRY_BASE_MS: '500',
        ASPAY_WEBHOOK_RETRY_MAX_MS: '2000',
        ASPAY_WEBHOOK_GIVE_UP_AFTER_MS: '30000',
      }),
    ).toMatchObject({ retryBaseMs: 500, retryMaxMs: 2000, giveUpAfterMs: 30_000 });
  });

  it('allow-lists no webhook host unless the environment names some, and reads at most 4 KB of an answer', () => {
    expect(production.allowedHosts.size).toBe(0);
    expect(production.maxResponseBytes).toBe(4_096);
    expect([
      ...webhookSettings({ ASPAY_WEBHOOK_ALLOW_HOSTS: ' 127.0.0.1:3200, ,127.0.0.1:3201' }).allowedHosts,
    ]).toEqual(['127.0.0.1:3200', '127.0.0.1:3201']);
  });

  it('refuses a setting that is not a positive integer', () => {
    expect(() => webhookSettings({ ASPAY_WEBHOOK_RETRY_BASE_MS: '0' })).toThrow(
      /ASPAY_WEBHOOK_RETRY_BASE_MS/,
    );
  });
});

describe('the delivery window', () => {
  it('covers every in-invocation POST timing out with its backoffs, and ends long before the consumer timeout', () => {
    // 3 POSTs of 10 s, backoffs of 1 s and 2 s, and 5 s to record the outcome.
    expect(deliveryWindowMs(production)).toBe(3 * 10_000 + 3_000 + 5_000);
    expect(deliveryWindowMs(production)).toBeLessThan((CONSUMERS.notifier.timeoutSeconds * 1_000) / 5);
  });

  it('claims a delivery for one POST and the recording of its answer, so a dead holder is taken over in seconds', () => {
    expect(claimLeaseMs(production)).toBe(10_000 + 5_000);
  });
});
