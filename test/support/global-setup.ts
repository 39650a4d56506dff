import type { TestProject } from 'vitest/node';
import { ENV } from '../../lambdas/core/config/environment';
import { LOCAL_STACK_ENV } from '../../localstack/src/settings';
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
const TEST_TIMINGS = {
  [LOCAL_STACK_ENV.bankLatencyMs]: '0',
  [ENV.bankTimeoutMs]: '1500',
  [ENV.bankBackoffBaseMs]: '50',
  [ENV.breakerFailureThreshold]: '3',
  [ENV.breakerHalfOpenAfterMs]: '2000',
  [ENV.pendingRetryAfterMs]: '1000',
  // Backoff capped at 2 s and reconciliation after 8 attempts (about 15 s): long enough for a bank outage
  // test to recover first, short enough for a give-up test to see it.
  [ENV.pendingRetryMaxMs]: '2000',
  [ENV.bankGiveUpAfterAttempts]: '8',
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
  // The schedules' one-minute rate would leave a failed relay or a pending payment waiting a minute.
  [LOCAL_STACK_ENV.scheduleEveryMs]: '1000',
};

export default async function setup(project: TestProject) {
  for (const [name, value] of Object.entries(TEST_TIMINGS)) process.env[name] ??= value;
  // Tests get a database of their own; when no stack is running, they start it from empty state.
  process.env[ENV.databaseName] ??= 'aspay_test';
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
