import type { TestProject } from 'vitest/node';
import { ENV } from '../../lambdas/core/config/environment';
import { bringUp, type LocalEndpoints, stopProcesses } from '../../localstack/src/stack';
import { runningProcesses } from '../../localstack/src/support/processes';
import { adoptTestTimings } from '../../localstack/src/test-timings';

declare module 'vitest' {
  export interface ProvidedContext {
    endpoints: LocalEndpoints;
    /** The ASPAY_* settings the stack was started with, for a test that restarts part of it. */
    stackEnvironment: Record<string, string>;
  }
}

export default async function setup(project: TestProject) {
  adoptTestTimings();
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
