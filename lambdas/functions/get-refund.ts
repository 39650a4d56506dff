/** GET /v1/refunds/{id} — one of the merchant's refunds: where it stands at the bank, with its payment. */
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresRefundStore } from '../core/adapters/postgres/refund-store';
import { apiHandler, authenticatedMerchant } from '../core/http/api-handler';
import { refundIdOf } from '../core/http/path-parameters';
import { refundRepresentation } from '../core/http/representations';
import { logger } from '../core/observability';
import { getRefund } from '../core/use-cases/refunds';
import { merchantRateLimit } from '../core/wiring/rate-limit';

export const handler = apiHandler(
  async (request, event) => {
    const scope = authenticatedMerchant(event);
    const refundId = refundIdOf(request);
    logger.appendKeys({ refundId });
    const { refund, payment } = await getRefund(postgresRefundStore(await databasePool()), scope, refundId);
    return { statusCode: 200, body: refundRepresentation(refund, payment) };
  },
  { rateLimit: merchantRateLimit() },
);
