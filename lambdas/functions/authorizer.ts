/**
 * The API's Lambda REQUEST authorizer: turns a merchant API key into the merchant id and the key's mode
 * (test or live) the handlers read from the request context. API Gateway caches the answer per key (the
 * identity source), and a key has one mode, so a cached context is never another mode's. An unknown key throws "Unauthorized", which API Gateway answers with a 401.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresMerchantDirectory } from '../core/adapters/postgres/merchants';
import { logger, withObservability } from '../core/observability';
import { authenticateMerchant } from '../core/use-cases/authenticate-merchant';

/** The whole API (every stage, method and path): API Gateway caches the policy per key across routes. */
function wholeApi(methodArn: string): string {
  const [arnPrefix, stage] = methodArn.split('/');
  return `${arnPrefix}/${stage}/*`;
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
      throw new Error('Unauthorized');
    }
    return {
      principalId: merchant.id,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: wholeApi(event.methodArn) }],
      },
      context: { merchantId: merchant.id, mode: merchant.mode },
    };
  },
);
