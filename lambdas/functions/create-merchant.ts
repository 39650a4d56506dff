/**
 * Operator-only (invoked directly, never routed by API Gateway): registers a merchant and returns its test and
 * live API keys once. `aws lambda invoke --function-name <CreateMerchantFunctionName> --payload '{"name":"Acme"}' out.json`
 */
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresMerchantRegistry } from '../core/adapters/postgres/merchants';
import { logger, withObservability } from '../core/observability';
import { registerMerchant } from '../core/use-cases/register-merchant';

export const handler = withObservability(async (event: { name?: unknown }) => {
  if (typeof event.name !== 'string') throw new Error('invoke with {"name": "<merchant name>"}');
  const result = await registerMerchant(postgresMerchantRegistry(await databasePool()), event.name);
  logger.info('merchant registered', { merchantId: result.merchantId });
  return result;
});
