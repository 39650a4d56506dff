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

  it('allows a merchant on the whole API with its id and mode as the context', () => {
    const { methodArn } = authorizerEvent();

    expect(allowPolicy({ id: 'mer_1', mode: 'live' }, methodArn)).toEqual({
      principalId: 'mer_1',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: WHOLE_API }],
      },
      context: { merchantId: 'mer_1', mode: 'live' },
    });
  });
});
