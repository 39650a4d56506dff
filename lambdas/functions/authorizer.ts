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
import { postgresApiKeyDirectory } from '../core/adapters/postgres/api-keys';
import { databasePool } from '../core/adapters/postgres/connection';
import { allowPolicy, authorizationHeader, denyPolicy } from '../core/http/authorizer-policy';
import { logger, withObservability } from '../core/observability';
import { authenticateApiKey } from '../core/use-cases/api-keys';

export const handler = withObservability(
  async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const key = await authenticateApiKey(
      postgresApiKeyDirectory(await databasePool()),
      authorizationHeader(event),
    );
    if (!key) {
      logger.info('rejected an API key', { sourceIp: event.requestContext.identity.sourceIp });
      return denyPolicy(event.methodArn);
    }
    return allowPolicy(key, event.methodArn);
  },
);
