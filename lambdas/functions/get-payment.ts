/** GET /v1/payments/{id} — one of the merchant's payments with its status history. */
import { z } from 'zod';
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresPaymentStore } from '../core/adapters/postgres/payment-store';
import { authenticatedMerchant } from '../core/http/api-handler';
import { merchantApiHandler } from '../core/http/merchant-api-handler';
import { paymentRepresentation } from '../core/http/representations';
import { logger } from '../core/observability';
import { PaymentNotFoundError } from '../core/use-cases/errors';
import { getPayment } from '../core/use-cases/payments';

export const handler = merchantApiHandler(async (request, event) => {
  const scope = authenticatedMerchant(event);
  const id = z.uuid().safeParse(request.pathParameters.id);
  // A malformed id cannot name a payment: the same 404 as any unknown id.
  if (!id.success) throw new PaymentNotFoundError();
  logger.appendKeys({ paymentId: id.data });
  const { payment, history } = await getPayment(postgresPaymentStore(await databasePool()), scope, id.data);
  return { statusCode: 200, body: paymentRepresentation(payment, history) };
});
