import type { TestProject } from 'vitest/node';
import { bringUp, type LocalEndpoints, stopProcesses } from '../../localstack/src/stack';
import { runningProcesses } from '../../localstack/src/support/processes';

declare module 'vitest' {
  export interface ProvidedContext {
    endpoints: LocalEndpoints;
    /** The ASPAY_* settings the stack was started with, for a test that restarts part of it. */
    stackEnvironment: Record<string, string>;
  }
}

/**
 * Test timings, unless the environment sets them: an instant bank and short retry, breaker and backoff
 * windows, so asynchronous outcomes settle in seconds. They reach the stack's processes through the
 * environment; an already running stack (npm run local:up) keeps the settings it was started with.
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

export default async function setup(project: TestProject) {
  for (const [name, value] of Object.entries(TEST_TIMINGS)) process.env[name] ??= value;
  // Tests get a database of their own; when no stack is running, they start it from empty state.
  process.env.ASPAY_DATABASE_NAME ??= 'aspay_test';
  const { endpoints, started } = await bringUp({ fresh: runningProcesses().length === 0 });
  project.provide('endpoints', endpoints);
  project.provide(
    'stackEnvironment',
    Object.fromEntries(
      Object.entries(process.env).filter(
        (entry): entry is [string, string] => entry[0].startsWith('ASPAY_') && entry[1] !== undefined,
      ),
    ),
  );
  return async () => {
    await stopProcesses(started.map((process) => process.name));
  };
}
