/** GET /v1/payments/{id} — one of the merchant's payments with its status history. */
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresPaymentStore } from '../core/adapters/postgres/payment-store';
import { apiHandler, authenticatedMerchant } from '../core/http/api-handler';
import { paymentIdOf } from '../core/http/path-parameters';
import { paymentRepresentation } from '../core/http/representations';
import { logger } from '../core/observability';
import { getPayment } from '../core/use-cases/payments';
import { merchantRateLimit } from '../core/wiring/rate-limit';

export const handler = apiHandler(
  async (request, event) => {
    const scope = authenticatedMerchant(event);
    const paymentId = paymentIdOf(request);
    logger.appendKeys({ paymentId });
    const { payment, history } = await getPayment(
      postgresPaymentStore(await databasePool()),
      scope,
      paymentId,
    );
    return { statusCode: 200, body: paymentRepresentation(payment, history) };
  },
  { rateLimit: merchantRateLimit() },
);
