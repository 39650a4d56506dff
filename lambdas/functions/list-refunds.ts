/** GET /v1/payments/{id}/refunds — a payment's refunds, newest first, with cursor pagination. */
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresRefundStore } from '../core/adapters/postgres/refund-store';
import { apiHandler, authenticatedMerchant } from '../core/http/api-handler';
import { paymentIdOf } from '../core/http/path-parameters';
import { listRepresentation, refundRepresentation } from '../core/http/representations';
import { ListRefundsQuery, validate } from '../core/http/schemas';
import { logger } from '../core/observability';
import { listRefunds } from '../core/use-cases/refunds';
import { merchantRateLimit } from '../core/wiring/rate-limit';

export const handler = apiHandler(
  async (request, event) => {
    const scope = authenticatedMerchant(event);
    const paymentId = paymentIdOf(request);
    logger.appendKeys({ paymentId });
    const query = validate(ListRefundsQuery, request.query);
    const { payment, refunds, hasMore } = await listRefunds(
      postgresRefundStore(await databasePool()),
      scope,
      paymentId,
      { limit: query.limit, startingAfter: query.starting_after },
    );
    return {
      statusCode: 200,
      body: listRepresentation(
        refunds.map((refund) => refundRepresentation(refund, payment)),
        hasMore,
      ),
    };
  },
  { rateLimit: merchantRateLimit() },
);
