/**
 * The API's Lambda REQUEST authorizer: turns a merchant API key into the merchant id and the key's mode
 * (test or live) the handlers read from the request context. API Gateway caches the answer per key (the
 * identity source), and a key has one mode, so a cached context is never another mode's.
 *
 * An unknown or malformed key gets an explicit Deny policy rather than a thrown "Unauthorized": API Gateway
 * caches the policy the authorizer returns, Allow or Deny, per identity source value for the authorizer's
 * result TTL, so a repeated bad key costs neither an invocation nor a database query meanwhile
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html,
 * https://repost.aws/knowledge-center/api-gateway-lambda-authorization-errors). AWS documents no caching of a
 * thrown "Unauthorized". The Deny answers through the ACCESS_DENIED gateway response: the same 401
 * `unauthenticated` problem as a missing key.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresMerchantDirectory } from '../core/adapters/postgres/merchants';
import { logger, withObservability } from '../core/observability';
import { authenticateMerchant } from '../core/use-cases/authenticate-merchant';

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

export const handler = withObservability(
  async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const authorization = Object.entries(event.headers ?? {}).find(
      ([name]) => name.toLowerCase() === 'authorization',
    )?.[1];
    const merchant = await authenticateMerchant(
      postgresMerchantDirectory(await databasePool()),
      authorization,
    );
    if (!merchant) {
      logger.info('rejected an API key', { sourceIp: event.requestContext.identity.sourceIp });
      return policy(UNKNOWN_PRINCIPAL, 'Deny', event.methodArn);
    }
    return {
      ...policy(merchant.id, 'Allow', event.methodArn),
      context: { merchantId: merchant.id, mode: merchant.mode },
    };
  },
);
