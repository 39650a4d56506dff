import type { AddressInfo } from 'node:net';
import { afterAll } from 'vitest';
import type { RequestSigner } from '../../lambdas/core/adapters/bank/aws-iam-signer';
import type { BankAlarm } from '../../lambdas/core/adapters/bank/bank-answers';
import type {
  CircuitBreakerStateStore,
  StoredBreakerState,
} from '../../lambdas/core/adapters/bank/circuit-breaker';
import { httpBank } from '../../lambdas/core/adapters/bank/http-bank';
import { bankSettings } from '../../lambdas/core/config/bank';
import { createBankSimulator } from '../../localstack/src/bank/bank-simulator';

/** A bank simulator of the test's own on a free port (closed after the file), with the latency it needs. */
export async function privateBankSimulator(latencyMs = 0): Promise<string> {
  const server = createBankSimulator({ latency: { min: latencyMs, max: latencyMs }, hangMs: 5_000 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * A breaker's shared state in memory (DynamoDB in AWS), with the version check of a conditional write: every
 * connector built on one sees the same breaker. `writes` counts the writes that landed.
 */
export function memoryBreakerState() {
  let stored: StoredBreakerState = { state: undefined, version: 0 };
  const store = {
    writes: 0,
    load: async () => stored,
    save: async (state: unknown, version: number) => {
      if (version !== stored.version) return false;
      store.writes++;
      stored = { state, version: version + 1 };
      return true;
    },
  } satisfies CircuitBreakerStateStore & { writes: number };
  return store;
}

/**
 * What a connector under test is built with: fast test timings (overridden by `env`), a breaker that never
 * opens, its state in memory, and the alarms it raised.
 */
export function testConnectorParts(env: NodeJS.ProcessEnv = {}) {
  const alarms: BankAlarm[] = [];
  const settings = bankSettings({
    ASPAY_BANK_TIMEOUT_MS: '1000',
    ASPAY_BANK_BACKOFF_BASE_MS: '10',
    ASPAY_BREAKER_FAILURE_THRESHOLD: '1000',
    ...env,
  });
  const breakerState = memoryBreakerState();
  return { settings, breakerState, hooks: { onAlarm: (alarm: BankAlarm) => alarms.push(alarm) }, alarms };
}

/** The settings a contract run asks one connector for, as the variables `testConnectorParts` reads. */
export function connectorEnv(options: { timeoutMs?: number; maxAttempts?: number } = {}): NodeJS.ProcessEnv {
  return {
    ...(options.timeoutMs ? { ASPAY_BANK_TIMEOUT_MS: String(options.timeoutMs) } : {}),
    ...(options.maxAttempts ? { ASPAY_BANK_MAX_ATTEMPTS: String(options.maxAttempts) } : {}),
  };
}

/** The HTTP bank connector on `url` with fast test timings, an in-memory breaker and the alarms it raised. */
export function testHttpBank(url: string, env: NodeJS.ProcessEnv = {}, sign?: RequestSigner) {
  const { settings, breakerState, hooks, alarms } = testConnectorParts(env);
  return { bank: httpBank(url, settings, breakerState, { ...hooks, sign }), alarms };
}
