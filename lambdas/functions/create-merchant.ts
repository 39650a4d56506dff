/**
 * Operator-only (invoked directly, never routed by API Gateway): registers a merchant and returns its test and
 * live API keys, and its webhook signing secret when a webhook URL is given, once.
 * `aws lambda invoke --function-name <CreateMerchantFunctionName> --payload '{"name":"Acme","webhookUrl":"https://…"}' out.json`
 */
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresMerchantRegistry } from '../core/adapters/postgres/merchants';
import { secretSealer } from '../core/adapters/secrets/secret-sealer';
import { webhookSettings } from '../core/config/webhooks';
import { ValidationError } from '../core/domain/errors';
import { logger, withObservability } from '../core/observability';
import { registerMerchant } from '../core/use-cases/register-merchant';

const sealer = secretSealer();
const { allowedHosts } = webhookSettings();

export const handler = withObservability(async (event: { name?: unknown; webhookUrl?: unknown }) => {
  if (typeof event.name !== 'string' || !['string', 'undefined'].includes(typeof event.webhookUrl))
    throw new ValidationError([], 'invoke with {"name": "<merchant name>", "webhookUrl"?: "https://…"}');
  const webhook =
    typeof event.webhookUrl === 'string' ? { url: event.webhookUrl, sealer, allowedHosts } : undefined;
  const result = await registerMerchant(postgresMerchantRegistry(await databasePool()), event.name, webhook);
  logger.info('merchant registered', { merchantId: result.merchantId });
  return result;
});
