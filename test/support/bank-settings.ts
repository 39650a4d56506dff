import type { BankRetrySettings } from '../../lambdas/core/config/bank';

/** The clock of the bank use-case tests. */
export const NOW = new Date('2026-03-01T12:00:00.000Z');

/** Short bank retry settings for the use-case tests: three attempts, then reconciliation or give-up. */
export const BANK_RETRY_SETTINGS: BankRetrySettings = {
  pendingRetryAfterMs: 1000,
  pendingRetryMaxMs: 4000,
  giveUpAfterAttempts: 3,
  claimLeaseMs: 60_000,
};
