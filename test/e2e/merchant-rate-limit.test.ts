import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { requestRateItemId } from '../../lambdas/core/adapters/dynamodb/rate-limit-store';
import { COORDINATION_TABLE } from '../../lambdas/core/config/coordination-table';
import { DEFAULT_MERCHANT_REQUEST_RATE } from '../../lambdas/core/domain/rate-limit';
import { localDynamoClient } from '../../localstack/src/engines/dynamodb';
import { callApi } from '../support/api-client';
import { localEndpoints } from '../support/local-stack';
import { aspayJson } from '../support/run-script';

const endpoints = localEndpoints();

/** A merchant of the test's own, and its test key. */
async function registerMerchant(name: string): Promise<{ merchantId: string; apiKey: string }> {
  const registered = await aspayJson('merchants', 'create', name);
  expect(registered.code).toBe(0);
  return { merchantId: registered.json.merchantId, apiKey: registered.json.apiKeys.test };
}

/** Leaves a merchant's shared budget spent for `seconds` more, as a flood of its requests would. */
async function spendBudget(merchantId: string, seconds: number): Promise<void> {
  const { perSecond, burst } = DEFAULT_MERCHANT_REQUEST_RATE;
  const intervalMs = 1000 / perSecond;
  const tat = Date.now() + (burst - 1) * intervalMs + seconds * 1000;
  await DynamoDBDocumentClient.from(localDynamoClient(endpoints.dynamodbEndpoint)).send(
    new PutCommand({
      TableName: endpoints.coordinationTable,
      Item: { [COORDINATION_TABLE.partitionKey]: requestRateItemId(merchantId), tat },
    }),
  );
}

describe('per-merchant request limits', () => {
  it('answers a merchant over its rate 429 problem+json with Retry-After, and no other merchant', async () => {
    const flooding = await registerMerchant('Flooding Shop');
    const other = await registerMerchant('Quiet Shop');
    await spendBudget(flooding.merchantId, 30);

    const refused = await callApi('/v1/payments', { apiKey: flooding.apiKey });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(refused.body.code).toBe('rate_limited');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(29);
    expect(retryAfter).toBeLessThanOrEqual(30);

    expect((await callApi('/v1/payments', { apiKey: other.apiKey })).status).toBe(200);
    expect((await callApi('/v1/balance', { as: 'globex' })).status).toBe(200);
  });

  it('refuses a POST before it is recorded, so a retry with the same idempotency key creates the payment', async () => {
    const flooding = await registerMerchant('Retrying Shop');
    await spendBudget(flooding.merchantId, 30);
    const body = { amount: '10.00', currency: 'USD', source: 'tok_success' };
    const refused = await callApi('/v1/payments', {
      apiKey: flooding.apiKey,
      body,
      idempotencyKey: 'retry-1',
    });
    expect(refused.status).toBe(429);
    await spendBudget(flooding.merchantId, -60);
    const retried = await callApi('/v1/payments', {
      apiKey: flooding.apiKey,
      body,
      idempotencyKey: 'retry-1',
    });
    expect(retried.status).toBe(202);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
  });
});
