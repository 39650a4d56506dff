import { describe, expect, it } from 'vitest';
import {
  bankClaimTiming,
  bankSettings,
  liveModeAvailable,
  nextBankAttemptAt,
} from '../../../lambdas/core/config/bank';

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

describe('liveModeAvailable', () => {
  it('is on with a live bank URL, or with live mode on Stripe, and off otherwise', () => {
    expect(liveModeAvailable({})).toBe(false);
    expect(liveModeAvailable({ ASPAY_LIVE_PROCESSOR: 'http' })).toBe(false);
    expect(liveModeAvailable({ ASPAY_BANK_API_URL: 'https://bank.example.org' })).toBe(true);
    expect(liveModeAvailable({ ASPAY_LIVE_PROCESSOR: 'stripe' })).toBe(true);
  });
});
