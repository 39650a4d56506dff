import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { PROBLEM_CONTENT_TYPE } from '../../../lambdas/core/config/problems';
import { API_ROUTES } from '../../../lambdas/core/config/routes';
import { ValidationError } from '../../../lambdas/core/domain/errors';
import { restApiGateway, routeMatcher } from '../../../localstack/src/gateway/rest-api';

const match = routeMatcher(API_ROUTES);

describe('the local gateway route matcher', () => {
  it('matches a route and extracts its path parameters', () => {
    const matched = match('POST', '/v1/payments/9b2f7c1e-1111-4a4a-8888-123456789abc/refunds');
    expect(matched?.route.handler).toBe('create-refund');
    expect(matched?.pathParameters).toEqual({ id: '9b2f7c1e-1111-4a4a-8888-123456789abc' });
  });

  it('tells routes apart by method', () => {
    expect(match('GET', '/v1/payments')?.route.handler).toBe('list-payments');
    expect(match('POST', '/v1/payments')?.route.handler).toBe('create-payment');
    expect(match('DELETE', '/v1/payments')).toBeUndefined();
  });

  it('does not let a parameter span path segments', () => {
    expect(match('GET', '/v1/payments/a/b')).toBeUndefined();
  });

  it('refuses a path parameter that is not valid percent-encoded UTF-8', () => {
    expect(() => match('GET', '/v1/payments/%C0%AF')).toThrow(ValidationError);
    expect(() => match('GET', '/v1/payments/%E0%A4%A')).toThrow(ValidationError);
  });
});

describe('the local gateway', () => {
  it('answers 400 problem+json, not 500, to a path with malformed percent-encoding', async () => {
    const server = createServer(restApiGateway(API_ROUTES));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/v1/payments/%C0%AF`);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
      const problem = await response.json();
      expect(problem).toMatchObject({
        code: 'validation_error',
        status: 400,
        errors: [{ field: 'id', code: 'malformed_encoding' }],
        requestId: response.headers.get('x-amzn-requestid'),
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
