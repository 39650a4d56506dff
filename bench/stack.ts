import { existsSync, readFileSync } from 'node:fs';
import { ENV } from '../lambdas/core/config/environment';
import { LOCAL_JSON, LOCAL_STACK_ENV } from '../localstack/src/settings';
import { bringUp, type LocalEndpoints, stopProcesses } from '../localstack/src/stack';

export interface BenchStack {
  readonly endpoints: LocalEndpoints;
  /** Whether the bench started the stack (then it stops it at the end). */
  readonly startedHere: boolean;
  stop(): Promise<void>;
}

/**
 * The bench's own settings for a stack it starts: the instant bank, so that the pipeline's own cost is what
 * is measured, and per-merchant limits far above the offered rates, so that the API's 429s do not cap it.
 */
export const BENCH_STACK_ENV = {
  [LOCAL_STACK_ENV.bankLatencyMs]: '0',
  [ENV.merchantRequestsPerSecond]: '100000',
  [ENV.merchantRequestBurst]: '100000',
} as const;

async function answers(apiUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${apiUrl}/health`, { signal: AbortSignal.timeout(3_000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** The running local stack (`.aspay/local.json` with an API that answers), or one started for the bench. */
export async function benchStack(): Promise<BenchStack> {
  if (existsSync(LOCAL_JSON)) {
    const endpoints = JSON.parse(readFileSync(LOCAL_JSON, 'utf8')) as LocalEndpoints;
    if (await answers(endpoints.apiUrl))
      return { endpoints, startedHere: false, stop: async () => undefined };
  }
  Object.assign(process.env, BENCH_STACK_ENV);
  const { endpoints, started } = await bringUp();
  return {
    endpoints,
    startedHere: true,
    stop: () => stopProcesses(started.map((process) => process.name)),
  };
}
