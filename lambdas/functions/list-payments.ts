/** GET /v1/payments — the merchant's payments, newest first, with cursor pagination and a status filter. */
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresPaymentStore } from '../core/adapters/postgres/payment-store';
import { apiHandler, authenticatedMerchant } from '../core/http/api-handler';
import { listRepresentation, paymentRepresentation } from '../core/http/representations';
import { ListPaymentsQuery, validate } from '../core/http/schemas';
import { listPayments } from '../core/use-cases/payments';
import { merchantRateLimit } from '../core/wiring/rate-limit';

export const handler = apiHandler(
  async (request, event) => {
    const scope = authenticatedMerchant(event);
    const query = validate(ListPaymentsQuery, request.query);
    const { payments, hasMore } = await listPayments(postgresPaymentStore(await databasePool()), scope, {
      limit: query.limit,
      startingAfter: query.starting_after,
      status: query.status,
    });
    return {
      statusCode: 200,
      body: listRepresentation(
        payments.map((payment) => paymentRepresentation(payment)),
        hasMore,
      ),
    };
  },
  { rateLimit: merchantRateLimit() },
);
