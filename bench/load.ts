/** Create-payment load through the local API with autocannon (a maintained load tool). */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import type { LocalEndpoints } from '../localstack/src/stack';
import { readServicePid } from '../localstack/src/support/processes';
import { cpuMsFromProcStat } from './stats';

export interface LoadOptions {
  readonly connections: number;
  readonly durationSeconds: number;
  /** Open-loop target across all connections; absent: as fast as the connections go. */
  readonly overallRate?: number;
  /** Every idempotency key starts with it, so the run's payments can be found in the database. */
  readonly keyPrefix: string;
}

export interface LoadResult {
  readonly requests: number;
  readonly accepted: number;
  readonly otherStatuses: Record<string, number>;
  readonly errors: number;
  readonly elapsedMs: number;
  /** Client-side latency of every answered request, in milliseconds. */
  readonly latenciesMs: number[];
}

/**
 * POST /v1/payments with a fresh idempotency key per request, alternating the two demo merchants (each has
 * its own request-rate budget) in test mode with `tok_success`.
 */
export async function createPayments(endpoints: LocalEndpoints, options: LoadOptions): Promise<LoadResult> {
  const merchants = endpoints.merchants;
  if (merchants.length === 0) throw new Error('the local stack lists no demo merchant');
  let sent = 0;
  const latenciesMs: number[] = [];
  const otherStatuses: Record<string, number> = {};
  let accepted = 0;
  const started = performance.now();
  const loadOptions: autocannon.Options = {
    url: endpoints.apiUrl,
    connections: options.connections,
    duration: options.durationSeconds,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: '/v1/payments',
        setupRequest: (request) => {
          const n = sent++;
          const merchant = merchants[n % merchants.length]!;
          return {
            ...request,
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${merchant.apiKey}`,
              'x-idempotency-key': `${options.keyPrefix}${n}`,
            },
            body: JSON.stringify({
              amount: '25.00',
              currency: 'USD',
              source: 'tok_success',
              customer: 'bench@example.com',
            }),
          };
        },
      },
    ],
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(loadOptions, (error, finished) =>
      error ? reject(error) : resolve(finished),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latenciesMs.push(responseTime);
      if (statusCode === 202) accepted += 1;
      else otherStatuses[statusCode] = (otherStatuses[statusCode] ?? 0) + 1;
    });
  });
  return {
    requests: latenciesMs.length,
    accepted,
    otherStatuses,
    errors: result.errors + result.timeouts,
    elapsedMs: performance.now() - started,
    latenciesMs,
  };
}

/** CPU time (user + system, ms) the local API process has used so far: its pid from `.aspay/run`. */
export function apiProcessCpuMs(clockTicksPerSecond: number): number {
  const pid = readServicePid('api');
  if (pid === undefined) throw new Error('no pid file for the local API (.aspay/run/api.service.pid)');
  return cpuMsFromProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), clockTicksPerSecond);
}
