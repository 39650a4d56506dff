import { describe, expect, it } from 'vitest';
import type { ApiRequest } from '../../../lambdas/core/http/api-handler';
import { IdempotencyKeyMissingError } from '../../../lambdas/core/http/errors';
import { idempotencyKeyOf, requestFingerprint } from '../../../lambdas/core/http/idempotency';

const withHeaders = (headers: Record<string, string>) => ({ headers }) as unknown as ApiRequest;

describe('requestFingerprint', () => {
  it('is the same for the same request whatever the key order', () => {
    expect(requestFingerprint({ amount: '1.00', currency: 'USD', metadata: { b: '2', a: '1' } })).toBe(
      requestFingerprint({ metadata: { a: '1', b: '2' }, currency: 'USD', amount: '1.00' }),
    );
  });

  it('differs when any value differs', () => {
    expect(requestFingerprint({ amount: '1.00' })).not.toBe(requestFingerprint({ amount: '1.0' }));
    expect(requestFingerprint({ list: ['a', 'b'] })).not.toBe(requestFingerprint({ list: ['b', 'a'] }));
  });
});

describe('idempotencyKeyOf', () => {
  it('reads X-Idempotency-Key, or Idempotency-Key', () => {
    expect(idempotencyKeyOf(withHeaders({ 'x-idempotency-key': 'order-1' }))).toBe('order-1');
    expect(idempotencyKeyOf(withHeaders({ 'idempotency-key': 'order-2' }))).toBe('order-2');
  });

  it.each([
    ['missing', {}],
    ['empty', { 'x-idempotency-key': '' }],
    ['with spaces', { 'x-idempotency-key': 'order 1' }],
    ['longer than 255 characters', { 'x-idempotency-key': 'k'.repeat(256) }],
  ])('refuses a key that is %s', (_, headers) => {
    expect(() => idempotencyKeyOf(withHeaders(headers))).toThrow(IdempotencyKeyMissingError);
  });
});
