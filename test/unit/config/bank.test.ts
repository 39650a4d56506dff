import { describe, expect, it } from 'vitest';
import {
  BANK_KEY_IN_USE,
  bankClaimTiming,
  bankSettings,
  classifyBankAnswer,
  nextBankAttemptAt,
} from '../../../lambdas/core/config/bank';

describe('the bank status table', () => {
  it.each([
    [200, {}, 'success'],
    [201, {}, 'success'],
    [402, { reason: 'card_declined' }, 'decline'],
    [402, {}, 'decline'],
    [422, { reason: 'insufficient_funds' }, 'decline'],
    [409, { error: BANK_KEY_IN_USE }, 'in_flight'],
    [408, {}, 'retry'],
    [425, {}, 'retry'],
    [429, {}, 'retry'],
    [500, {}, 'retry'],
    [503, {}, 'retry'],
    [504, {}, 'retry'],
    [401, {}, 'credentials'],
    [403, {}, 'credentials'],
  ] as const)('reads %i %j as %s', (status, body, expected) => {
    expect(classifyBankAnswer(status, body)).toBe(expected);
  });

  it.each([
    [400, {}],
    [404, { error: 'not_found' }],
    [405, {}],
    [410, {}],
    [418, {}],
    [422, {}],
    [409, { error: 'idempotency_key_reused' }],
    [302, {}],
  ] as const)(
    'never decides a payment from %i %j: it is a contract mismatch for an operator',
    (status, body) => {
      expect(classifyBankAnswer(status, body)).toBe('contract');
    },
  );
});

describe('the bank retry schedule', () => {
  const settings = bankSettings({
    ASPAY_PENDING_RETRY_AFTER_MS: '1000',
    ASPAY_PENDING_RETRY_MAX_MS: '5000',
  });
  const now = new Date('2026-01-01T00:00:00.000Z');
  const delayAfter = (attempts: number) =>
    nextBankAttemptAt(settings, now, attempts).getTime() - now.getTime();

  it('doubles the wait after every undecided attempt, up to the cap', () => {
    expect([1, 2, 3, 4, 5, 10].map(delayAfter)).toEqual([1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it('renews a 10 s claim every third of it and trusts it until 1 s before it expires', () => {
    expect(bankClaimTiming(bankSettings({}))).toEqual({ renewEveryMs: 3_333, trustedForMs: 9_000 });
  });

  it('refuses a claim lease too short for two renewals before its holder stops trusting it', () => {
    expect(() => bankSettings({ ASPAY_BANK_CLAIM_LEASE_MS: '3000' })).toThrow(
      'ASPAY_BANK_CLAIM_LEASE_MS (3000) must exceed 3000',
    );
    // However long a call with its retries: the holder renews its claim while it runs.
    expect(
      bankSettings({ ASPAY_BANK_TIMEOUT_MS: '30000', ASPAY_BANK_CLAIM_LEASE_MS: '3100' }).claimLeaseMs,
    ).toBe(3100);
  });

  it('refuses a give-up limit below one attempt', () => {
    expect(() => bankSettings({ ASPAY_BANK_GIVE_UP_AFTER_ATTEMPTS: '0' })).toThrow(
      'ASPAY_BANK_GIVE_UP_AFTER_ATTEMPTS must be an integer ≥ 1',
    );
  });
});
