/**
 * Test timings: an instant bank and short retry, breaker and backoff windows, so asynchronous outcomes settle
 * in seconds. `npm test` starts its stack with them, and so do `npm start -- --test-timings` and
 * `npm run local:up -- --test-timings` (what a chaos run needs). They reach the stack's processes through the
 * environment; an already running stack keeps the settings it was started with.
 */
export const TEST_TIMINGS = {
  ASPAY_BANK_LATENCY_MS: '0',
  ASPAY_BANK_TIMEOUT_MS: '1500',
  ASPAY_BANK_BACKOFF_BASE_MS: '50',
  ASPAY_BREAKER_FAILURE_THRESHOLD: '3',
  ASPAY_BREAKER_HALF_OPEN_AFTER_MS: '2000',
  ASPAY_PENDING_RETRY_AFTER_MS: '1000',
  // Backoff capped at 2 s and reconciliation after 8 attempts (about 15 s): long enough for a bank outage
  // test to recover first, short enough for a give-up test to see it.
  ASPAY_PENDING_RETRY_MAX_MS: '2000',
  ASPAY_BANK_GIVE_UP_AFTER_ATTEMPTS: '8',
  ASPAY_RETRY_BASE_MS: '200',
  // Webhook retries: 0.5 s doubling to 2 s, given up after 30 s, so a webhook outage test sees the retries
  // deliver and a give-up test sees the end (production: 1 min doubling to 1 h, for 3 days).
  ASPAY_WEBHOOK_BACKOFF_BASE_MS: '100',
  // The sink answers at once; a 2 s timeout and 3 s to record the answer make a 5 s claim, so a delivery
  // whose holder was killed is taken over within seconds (production: 10 s and 5 s).
  ASPAY_WEBHOOK_TIMEOUT_MS: '2000',
  ASPAY_WEBHOOK_RECORDING_GRACE_MS: '3000',
  ASPAY_WEBHOOK_RETRY_BASE_MS: '500',
  ASPAY_WEBHOOK_RETRY_MAX_MS: '2000',
  ASPAY_WEBHOOK_GIVE_UP_AFTER_MS: '30000',
  // The schedules' one-minute rate would leave a failed relay or a pending payment waiting a minute.
  ASPAY_SCHEDULE_EVERY_MS: '1000',
};

/** Puts the test timings into this process's environment, where the environment does not set them already. */
export function adoptTestTimings(env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(TEST_TIMINGS)) env[name] ??= value;
}
