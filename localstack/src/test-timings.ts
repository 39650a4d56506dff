import { ENV } from '../../lambdas/core/config/environment';
import { LOCAL_STACK_ENV } from './settings';

/**
 * Test timings: an instant bank and short retry, breaker and backoff windows, so asynchronous outcomes settle
 * in seconds. The breaker opens after as many failed charges in a row as in production (5): fewer, and the odd
 * payment the bank always fails opens it for everyone whenever its retries come together, as after a restart. `npm test` starts its stack with them, and so do `npm start -- --test-timings` and
 * `npm run local:up -- --test-timings` (what a chaos run needs). They reach the stack's processes through the
 * environment; an already running stack keeps the settings it was started with.
 */
export const TEST_TIMINGS = {
  [LOCAL_STACK_ENV.bankLatencyMs]: '0',
  [ENV.bankTimeoutMs]: '1500',
  [ENV.bankBackoffBaseMs]: '50',
  [ENV.breakerHalfOpenAfterMs]: '2000',
  [ENV.pendingRetryAfterMs]: '1000',
  // Backoff capped at 2 s and reconciliation after 8 attempts (about 15 s): long enough for a bank outage
  // test to recover first, short enough for a give-up test to see it.
  [ENV.pendingRetryMaxMs]: '2000',
  [ENV.bankGiveUpAfterAttempts]: '8',
  // A bank claim whose holder was killed is taken over when its lease ends: 5 s (renewed every 1.7 s), so a
  // payment held by a killed runner is final within the 10 s a chaos run allows (production: 10 s).
  [ENV.bankClaimLeaseMs]: '5000',
  [ENV.consumerRetryBaseMs]: '200',
  // Webhook retries: 0.5 s doubling to 2 s, given up after 30 s, so a webhook outage test sees the retries
  // deliver and a give-up test sees the end (production: 1 min doubling to 1 h, for 3 days).
  [ENV.webhookBackoffBaseMs]: '100',
  // The sink answers at once; a 2 s timeout and 3 s to record the answer make a 5 s claim, so a delivery
  // whose holder was killed is taken over within seconds (production: 10 s and 5 s).
  [ENV.webhookTimeoutMs]: '2000',
  [ENV.webhookRecordingGraceMs]: '3000',
  [ENV.webhookRetryBaseMs]: '500',
  [ENV.webhookRetryMaxMs]: '2000',
  [ENV.webhookGiveUpAfterMs]: '30000',
  // A revoked key is refused once the gateway's cached answer for it ends: 5 s rather than AWS's 60 s, so the
  // test that measures it waits seconds.
  [LOCAL_STACK_ENV.authorizerCacheSeconds]: '5',
  // The schedules' one-minute rate would leave a failed relay or a pending payment waiting a minute.
  [LOCAL_STACK_ENV.scheduleEveryMs]: '1000',
};

/** Puts the test timings into this process's environment, where the environment does not set them already. */
export function adoptTestTimings(env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(TEST_TIMINGS)) env[name] ??= value;
}
