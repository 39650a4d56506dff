import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../../lambdas/core/config/environment';
import { invokeFunction, type LambdaHandler, loadHandler } from '../../../localstack/src/lambda-runtime';
import { handlerEnvironment } from '../../../localstack/src/stack';
import { createTestMerchant, testDatabase } from '../../support/database';
import { proxyEvent } from '../../support/gateway-events';
import { localEndpoints } from '../../support/local-stack';

let createPayment: LambdaHandler;
let merchant: Awaited<ReturnType<typeof createTestMerchant>>;
const saved = { ...process.env };

beforeAll(async () => {
  Object.assign(process.env, handlerEnvironment(localEndpoints()));
  createPayment = await loadHandler('create-payment');
  merchant = await createTestMerchant(testDatabase());
});
afterAll(() => {
  process.env = saved;
});

const pay = async (mode: 'test' | 'live') => {
  const answer = (await invokeFunction(
    createPayment,
    'create-payment',
    proxyEvent({
      method: 'POST',
      path: '/v1/payments',
      pathParameters: null,
      headers: {
        Authorization: `Bearer ${mode === 'live' ? merchant.liveApiKey : merchant.apiKey}`,
        'Idempotency-Key': randomUUID(),
      },
      body: { amount: '12.00', currency: 'EUR', source: 'tok_success' },
      requestId: randomUUID(),
      authorizer: { principalId: merchant.id, merchantId: merchant.id, mode },
    }),
    29,
  )) as { statusCode: number; headers: Record<string, string>; body: string };
  return { ...answer, body: JSON.parse(answer.body) as Record<string, unknown> };
};

describe('a deployment without a live bank (cdk.json bankApiUrl empty)', () => {
  it('refuses live payments with 403 live_mode_unavailable, and takes test payments as usual', async () => {
    delete process.env[ENV.bankApiUrl];
    const live = await pay('live');
    expect(live.statusCode).toBe(403);
    expect(Object.entries(live.headers)).toContainEqual([
      expect.stringMatching(/^content-type$/i),
      'application/problem+json',
    ]);
    expect(live.body).toMatchObject({ code: 'live_mode_unavailable', status: 403 });
    expect(String(live.body.detail)).toMatch(/no live bank configured.*use a test key/);
    expect((await pay('test')).statusCode).toBe(202);
  });

  it('takes live payments once the live bank is configured', async () => {
    process.env[ENV.bankApiUrl] = handlerEnvironment(localEndpoints())[ENV.bankApiUrl];
    expect((await pay('live')).statusCode).toBe(202);
  });
});
