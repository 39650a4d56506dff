import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type ApiResult, callApi } from '../support/api-client';
import { authorizerDecisions } from '../support/gateway-log';
import { aspayJson } from '../support/run-script';

const PROBLEM = 'application/problem+json';

const requestIdOf = (response: ApiResult) => response.headers.get('x-amzn-requestid') as string;
const unknownKey = () => `sk_test_${randomBytes(24).toString('hex')}`;

function expectUnauthenticated(response: ApiResult): void {
  expect(response.status).toBe(401);
  expect(response.headers.get('content-type')).toBe(PROBLEM);
  expect(response.body.code).toBe('unauthenticated');
}

describe('the API-key authorizer cache', () => {
  it('answers a repeated unknown key from the cached denial, without invoking the authorizer again', async () => {
    const key = unknownKey();
    const first = await callApi('/v1/payments', { apiKey: key });
    const again = await callApi('/v1/balance', { apiKey: key });
    expectUnauthenticated(first);
    expectUnauthenticated(again);
    expect(await authorizerDecisions([requestIdOf(first), requestIdOf(again)])).toEqual({
      [requestIdOf(first)]: 'invoked',
      [requestIdOf(again)]: 'cache',
    });
  });

  it('caches a malformed key the same way', async () => {
    const key = `not-a-key-${randomBytes(8).toString('hex')}`;
    const calls = [];
    for (let i = 0; i < 3; i += 1)
      calls.push(await callApi('/v1/payments', { as: null, headers: { authorization: key } }));
    for (const call of calls) expectUnauthenticated(call);
    const decisions = await authorizerDecisions(calls.map(requestIdOf));
    expect(calls.map((call) => decisions[requestIdOf(call)])).toEqual(['invoked', 'cache', 'cache']);
  });

  it('authenticates a key registered after other keys were denied: the cache is keyed by the key', async () => {
    expectUnauthenticated(await callApi('/v1/payments', { apiKey: unknownKey() }));
    const registered = await aspayJson('merchants', 'create', 'Cache Test Shop');
    expect(registered.code).toBe(0);
    const response = await callApi('/v1/payments', { apiKey: registered.json.apiKeys.test });
    expect(response.status).toBe(200);
    expect(await authorizerDecisions([requestIdOf(response)])).toEqual({
      [requestIdOf(response)]: 'invoked',
    });
  });

  it('answers a request without a key 401 without invoking the authorizer', async () => {
    const response = await callApi('/v1/payments', { as: null });
    expectUnauthenticated(response);
    // authorizerDecisions waits a few seconds for a decision line before it answers without one.
    expect(await authorizerDecisions([requestIdOf(response)])).toEqual({});
  });
});
