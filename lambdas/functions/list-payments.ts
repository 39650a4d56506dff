/** GET /v1/payments — the merchant's payments, newest first, with cursor pagination and a status filter. */
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresPaymentStore } from '../core/adapters/postgres/payment-store';
import { authenticatedMerchant } from '../core/http/api-handler';
import { merchantApiHandler } from '../core/http/merchant-api-handler';
import { paymentRepresentation } from '../core/http/representations';
import { ListPaymentsQuery, validate } from '../core/http/schemas';
import { listPayments } from '../core/use-cases/payments';

export const handler = merchantApiHandler(async (request, event) => {
  const scope = authenticatedMerchant(event);
  const query = validate(ListPaymentsQuery, request.query);
  const { payments, hasMore } = await listPayments(postgresPaymentStore(await databasePool()), scope, {
    limit: query.limit,
    startingAfter: query.starting_after,
    status: query.status,
  });
  return {
    statusCode: 200,
    body: {
      object: 'list',
      data: payments.map((payment) => paymentRepresentation(payment)),
      hasMore,
      nextStartingAfter: hasMore ? (payments.at(-1)?.id ?? null) : null,
    },
  };
});
