import { describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../../lambdas/core/config/routes';
import { routeMatcher } from '../../../localstack/src/gateway/rest-api';

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
});
