import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { dynamodbCircuitBreakerState } from '../../../lambdas/core/adapters/dynamodb/circuit-breaker-state';
import { handlerEnvironment } from '../../../localstack/src/stack';
import { localEndpoints } from '../../support/local-stack';

beforeAll(() => {
  Object.assign(process.env, handlerEnvironment(localEndpoints()));
});

describe("the circuit breaker's state in DynamoDB", () => {
  it('starts empty at version 0, and each write that finds the version it read moves it on', async () => {
    const store = dynamodbCircuitBreakerState(`circuit-breaker#test-${randomUUID()}`);
    expect(await store.load()).toEqual({ state: undefined, version: 0 });

    expect(await store.save({ ownState: { value: 0 } }, 0)).toBe(true);
    expect(await store.save({ ownState: { value: 1 } }, 1)).toBe(true);

    expect(await store.load()).toEqual({ state: { ownState: { value: 1 } }, version: 2 });
  });

  it('refuses a write from a stale read, keeping what the other instance wrote', async () => {
    const store = dynamodbCircuitBreakerState(`circuit-breaker#test-${randomUUID()}`);
    const read = await store.load();
    const results = await Promise.all([
      store.save({ by: 'first' }, read.version),
      store.save({ by: 'second' }, read.version),
    ]);

    expect([...results].sort()).toEqual([false, true]);
    const { state, version } = await store.load();
    expect(version).toBe(1);
    expect(state).toEqual({ by: results[0] ? 'first' : 'second' });
  });
});
