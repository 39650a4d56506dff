/** GET /v1/payments/{id} — one of the merchant's payments with its status history. */
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresPaymentStore } from '../core/adapters/postgres/payment-store';
import { authenticatedMerchant } from '../core/http/api-handler';
import { merchantApiHandler } from '../core/http/merchant-api-handler';
import { paymentIdOf } from '../core/http/path-parameters';
import { paymentRepresentation } from '../core/http/representations';
import { logger } from '../core/observability';
import { getPayment } from '../core/use-cases/payments';

export const handler = merchantApiHandler(async (request, event) => {
  const scope = authenticatedMerchant(event);
  const paymentId = paymentIdOf(request);
  logger.appendKeys({ paymentId });
  const { payment, history } = await getPayment(postgresPaymentStore(await databasePool()), scope, paymentId);
  return { statusCode: 200, body: paymentRepresentation(payment, history) };
});
