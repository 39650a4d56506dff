import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import type { AuthenticatedKey } from '../use-cases/ports/api-keys';

/** What the REQUEST authorizer reads off API Gateway's event and answers it: the IAM policy and the context. */

/** The `Authorization` header of the request, whatever its case (API Gateway passes headers as sent). */
export function authorizationHeader(event: APIGatewayRequestAuthorizerEvent): string | undefined {
  return Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
}

/** The principal of a denied key: API Gateway requires one on every policy. */
const UNKNOWN_PRINCIPAL = 'unknown';

/** The whole API (every stage, method and path): API Gateway caches the policy per key across routes. */
function wholeApi(methodArn: string): string {
  const [arnPrefix, stage] = methodArn.split('/');
  return `${arnPrefix}/${stage}/*`;
}

function policy(
  principalId: string,
  effect: 'Allow' | 'Deny',
  methodArn: string,
): Pick<APIGatewayAuthorizerResult, 'principalId' | 'policyDocument'> {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: wholeApi(methodArn) }],
    },
  };
}

/** Denies the key on the whole API, so API Gateway caches the Deny for every route. */
export function denyPolicy(methodArn: string): APIGatewayAuthorizerResult {
  return policy(UNKNOWN_PRINCIPAL, 'Deny', methodArn);
}

/**
 * Allows the merchant on the whole API; the context is what the handlers read as the request's scope, the
 * key's access and its expiry. A context value is a string, number or boolean, never null
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html), so
 * a key without an expiry carries none.
 */
export function allowPolicy(key: AuthenticatedKey, methodArn: string): APIGatewayAuthorizerResult {
  return {
    ...policy(key.merchantId, 'Allow', methodArn),
    context: {
      merchantId: key.merchantId,
      mode: key.mode,
      access: key.access,
      keyId: key.keyId,
      ...(key.expiresAt ? { keyExpiresAt: key.expiresAt.toISOString() } : {}),
    },
  };
}
