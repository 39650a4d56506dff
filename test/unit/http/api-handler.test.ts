import { describe, expect, it } from 'vitest';
import { createPool } from '../../../lambdas/core/adapters/postgres/pool';
import { DEFAULT_MERCHANT_REQUEST_RATE } from '../../../lambdas/core/domain/rate-limit';
import { apiHandler } from '../../../lambdas/core/http/api-handler';
import { lambdaContext } from '../../../localstack/src/lambda-runtime';
import { freePort } from '../../support/free-port';
import { proxyEvent } from '../../support/gateway-events';

const getEvent = proxyEvent({
  method: 'GET',
  path: '/v1/payments',
  body: null,
  requestId: 'req-db-down',
  authorizer: { principalId: 'mer_1', merchantId: 'mer_1', mode: 'test' },
});

describe('apiHandler', () => {
  it('answers 503 problem+json with Retry-After when the database cannot be reached', async () => {
    const pool = createPool(`postgres://aspay:aspay@127.0.0.1:${await freePort()}/aspay`);
    const handler = apiHandler(async () => {
      await pool.query('SELECT 1');
      return { statusCode: 200, body: {} };
    });
    try {
      const result = await handler(getEvent, lambdaContext('list-payments'));
      expect(result.statusCode).toBe(503);
      expect(result.headers?.['content-type']).toBe('application/problem+json');
      expect(result.headers?.['retry-after']).toMatch(/^\d+$/);
      expect(JSON.parse(result.body)).toMatchObject({
        code: 'service_unavailable',
        requestId: 'req-db-down',
      });
    } finally {
      await pool.end();
    }
  });

  it('still answers any other failure with a generic 500', async () => {
    const handler = apiHandler(async () => {
      throw new Error('a bug');
    });
    const result = await handler(getEvent, lambdaContext('list-payments'));
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body)).toMatchObject({ code: 'internal_error' });
  });

  it('refuses a merchant over its request rate with 429 problem+json and Retry-After, before the handler runs', async () => {
    let ran = false;
    const handler = apiHandler(
      async () => {
        ran = true;
        return { statusCode: 200, body: {} };
      },
      {
        rateLimit: {
          limiter: { take: async () => ({ admitted: false, retryAfterSeconds: 7 }) },
          rate: DEFAULT_MERCHANT_REQUEST_RATE,
        },
      },
    );
    const result = await handler(getEvent, lambdaContext('list-payments'));
    expect(ran).toBe(false);
    expect(result.statusCode).toBe(429);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(result.headers?.['retry-after']).toBe('7');
    expect(JSON.parse(result.body)).toMatchObject({ code: 'rate_limited', requestId: 'req-db-down' });
  });

  it('admits the request when the rate limiter itself fails', async () => {
    const handler = apiHandler(async () => ({ statusCode: 200, body: {} }), {
      rateLimit: {
        limiter: {
          take: async () => {
            throw new Error('DynamoDB is away');
          },
        },
        rate: DEFAULT_MERCHANT_REQUEST_RATE,
      },
    });
    expect((await handler(getEvent, lambdaContext('list-payments'))).statusCode).toBe(200);
  });
});
