import { describe, expect, it } from 'vitest';
import { allowPolicy, authorizationHeader, denyPolicy } from '../../../lambdas/core/http/authorizer-policy';
import { authorizerEvent } from '../../support/gateway-events';

const WHOLE_API = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/*';

describe('authorizer policy', () => {
  it('reads the Authorization header whatever the case of its name', () => {
    const event = authorizerEvent();
    const lowerCase = { ...event, headers: { authorization: 'Bearer sk_test_lower' } };

    expect(authorizationHeader(event)).toMatch(/^Bearer /);
    expect(authorizationHeader(lowerCase)).toBe('Bearer sk_test_lower');
    expect(authorizationHeader({ ...event, headers: null })).toBeUndefined();
  });

  it('denies an unknown key on the whole API, so the Deny is cached for every route', () => {
    const { methodArn } = authorizerEvent();

    expect(denyPolicy(methodArn)).toEqual({
      principalId: 'unknown',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: WHOLE_API }],
      },
    });
  });

  it("allows a merchant on the whole API with its id, the key's mode, access and id as the context", () => {
    const { methodArn } = authorizerEvent();
    const key = {
      keyId: 'key_1',
      merchantId: 'mer_1',
      mode: 'live',
      access: 'read',
      expiresAt: null,
    } as const;

    expect(allowPolicy(key, methodArn)).toEqual({
      principalId: 'mer_1',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: WHOLE_API }],
      },
      context: { merchantId: 'mer_1', mode: 'live', access: 'read', keyId: 'key_1' },
    });
  });

  it("carries a rolled key's expiry as an ISO-8601 string: a context value is never null", () => {
    const expiresAt = new Date('2026-12-08T00:00:00.000Z');
    const key = { keyId: 'key_1', merchantId: 'mer_1', mode: 'test', access: 'full', expiresAt } as const;

    expect(allowPolicy(key, authorizerEvent().methodArn).context).toEqual({
      merchantId: 'mer_1',
      mode: 'test',
      access: 'full',
      keyId: 'key_1',
      keyExpiresAt: '2026-12-08T00:00:00.000Z',
    });
  });
});
