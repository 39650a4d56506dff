/**
 * Bank connector and circuit-breaker settings: one module, each value overridable by the environment
 * variable named beside it (docs/bank-processor.md lists them), with the schedules they set (claim renewals,
 * the next attempt). What the bank's answers mean is the connector's: adapters/bank/bank-answers.ts.
 */

import type { Mode } from '../domain/mode';
import { ENV } from './environment';
import { ConfigurationError } from './errors';
import { processorOf } from './processors';
import { BANK_BREAKER, BANK_CALL_RETRY, BANK_PENDING_RETRY, type Backoff, backoffMs } from './retry-policies';
import { integerSetting as integer, setting } from './settings';

export interface BankSettings {
  /** One HTTP attempt's timeout; the seed's bank takes 5–10 s. */
  readonly timeoutMs: number;
  /** Attempts per charge for transient failures (timeouts, 5xx, connection errors); a decline is final. */
  readonly maxAttempts: number;
  /** Backoff before retry n: base * 2^(n-1), capped, with jitter (config/retry-policies.ts: BANK_CALL_RETRY). */
  readonly backoffBaseMs: number;
  /** Consecutive failed charges that open the breaker. */
  readonly breakerFailureThreshold: number;
  /** How long the breaker stays open before one trial call (half-open). */
  readonly breakerHalfOpenAfterMs: number;
  /**
   * How long a payment or refund left waiting (bank unavailable) waits before its next attempt; doubles with
   * every attempt, up to `pendingRetryMaxMs`.
   */
  readonly pendingRetryAfterMs: number;
  readonly pendingRetryMaxMs: number;
  /**
   * Attempts after which a payment is reconciled with the bank (looked up by its idempotency key) instead of
   * charged again, and a refund is given up as FAILED.
   */
  readonly giveUpAfterAttempts: number;
  /**
   * How long a claim on a payment or refund for one bank call lasts unless its holder renews it (every third
   * of it, `bankClaimTiming`): a live holder keeps its claim however long the call takes, and a holder that is
   * gone is taken over within about one lease.
   */
  readonly claimLeaseMs: number;
}

export function bankSettings(env: NodeJS.ProcessEnv = process.env): BankSettings {
  const settings: BankSettings = {
    timeoutMs: integer(env, ENV.bankTimeoutMs, 15_000, 1),
    maxAttempts: integer(env, ENV.bankMaxAttempts, BANK_CALL_RETRY.attempts, 1),
    backoffBaseMs: integer(env, ENV.bankBackoffBaseMs, BANK_CALL_RETRY.baseMs),
    breakerFailureThreshold: integer(env, ENV.breakerFailureThreshold, BANK_BREAKER.failureThreshold, 1),
    breakerHalfOpenAfterMs: integer(env, ENV.breakerHalfOpenAfterMs, BANK_BREAKER.halfOpenAfterMs, 1),
    pendingRetryAfterMs: integer(env, ENV.pendingRetryAfterMs, BANK_PENDING_RETRY.baseMs, 1),
    pendingRetryMaxMs: integer(env, ENV.pendingRetryMaxMs, BANK_PENDING_RETRY.maxMs, 1),
    giveUpAfterAttempts: integer(env, ENV.bankGiveUpAfterAttempts, BANK_PENDING_RETRY.giveUpAfterAttempts, 1),
    claimLeaseMs: integer(env, ENV.bankClaimLeaseMs, BANK_CLAIM.leaseMs, 1),
  };
  // A holder must get a second renewal before it takes its lease for lapsed, or one slow renewal (a database
  // blip) would make it abandon a bank call it still holds.
  const { renewEveryMs } = bankClaimTiming(settings);
  if (2 * renewEveryMs >= settings.claimLeaseMs - BANK_CLAIM.safetyMarginMs)
    throw new ConfigurationError(
      `${ENV.bankClaimLeaseMs} (${settings.claimLeaseMs}) must exceed ${3 * BANK_CLAIM.safetyMarginMs}: two renewals must fit in the lease less its ${BANK_CLAIM.safetyMarginMs} ms safety margin`,
    );
  return settings;
}

/**
 * The claim on a payment or refund for one bank call (docs/bank-processor.md): a 10 s lease, renewed by its
 * holder every third of it while it works. The holder takes its lease for lapsed `safetyMarginMs` before
 * the expiry it wrote, and stops calling the bank then, so it is never at the bank when another caller takes
 * over: the margin covers the clock difference between two instances (AWS hosts synchronise their clocks
 * with the Amazon Time Sync Service, https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/set-time.html; a
 * second is far beyond the drift of an NTP-synchronised clock) and the time an abandoned HTTP request
 * takes to stop. 10 s: a holder that is gone is taken over in seconds, while a renewal every 3.3 s costs a
 * seed-speed (5–10 s) charge one or two small updates.
 */
export const BANK_CLAIM = { leaseMs: 10_000, renewalsPerLease: 3, safetyMarginMs: 1_000 } as const;

/** When a holder renews its claim, and how long before the expiry it wrote it stops trusting it. */
export function bankClaimTiming(settings: Pick<BankSettings, 'claimLeaseMs'>): {
  renewEveryMs: number;
  trustedForMs: number;
} {
  return {
    renewEveryMs: Math.floor(settings.claimLeaseMs / BANK_CLAIM.renewalsPerLease),
    trustedForMs: settings.claimLeaseMs - BANK_CLAIM.safetyMarginMs,
  };
}

/** The retries of one bank call, for the connector's retry policy: the settings' tries and base, the policy's cap. */
export function bankCallRetry(settings: BankSettings): { retries: number; backoff: Required<Backoff> } {
  return {
    retries: settings.maxAttempts - 1,
    backoff: { baseMs: settings.backoffBaseMs, maxMs: BANK_CALL_RETRY.maxMs },
  };
}

/** What the use cases need to retry, give up and claim. */
export type BankRetrySettings = Pick<
  BankSettings,
  'pendingRetryAfterMs' | 'pendingRetryMaxMs' | 'giveUpAfterAttempts' | 'claimLeaseMs'
>;

/** When the attempt after `attempts` undecided ones is due: the base delay doubled per attempt, capped. */
export function nextBankAttemptAt(settings: BankRetrySettings, now: Date, attempts: number): Date {
  const delay = backoffMs(
    { baseMs: settings.pendingRetryAfterMs, maxMs: settings.pendingRetryMaxMs },
    attempts,
  );
  return new Date(now.getTime() + delay);
}

/**
 * Per mode, where the bank is (the environment variable holding its URL), how requests to it are
 * authenticated (the variable naming it: `aws-iam` signs them) and the DynamoDB item (in the coordination
 * table) holding its breaker state, shared by every Lambda instance: a sandbox outage never opens the live
 * bank's breaker.
 */
export const BANKS: Readonly<
  Record<Mode, { urlVariable: string; authVariable?: string; breakerStateId: string }>
> = {
  live: { urlVariable: ENV.bankApiUrl, breakerStateId: 'circuit-breaker#bank' },
  test: {
    urlVariable: ENV.bankSandboxApiUrl,
    authVariable: ENV.bankSandboxApiAuth,
    breakerStateId: 'circuit-breaker#bank-sandbox',
  },
};

/** The one way of authenticating to a bank beyond none: SigV4 with the function's role. */
export const AWS_IAM_BANK_AUTH = 'aws-iam';

/**
 * Whether live mode is on: live mode's processor is Stripe, or the live bank's URL is configured (cdk.json
 * `processors.live`, `bankApiUrl`; locally always).
 */
export function liveModeAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  return processorOf('live', env) === 'stripe' || Boolean(setting(ENV.bankApiUrl, env));
}
