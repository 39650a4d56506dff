/** POST /v1/payments — records the intent to pay and answers 202 at once; the bank is called in the background. */
import { idempotencyStore } from '../core/adapters/dynamodb/idempotency-store';
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresPaymentStore } from '../core/adapters/postgres/payment-store';
import { authenticatedMerchant } from '../core/http/api-handler';
import {
  hashForLogs,
  idempotencyKeyOf,
  idempotentResponse,
  requestFingerprint,
} from '../core/http/idempotency';
import { merchantApiHandler } from '../core/http/merchant-api-handler';
import { paymentRepresentation } from '../core/http/representations';
import { CreatePaymentRequest, validate } from '../core/http/schemas';
import { logger, metrics } from '../core/observability';
import { createPayment } from '../core/use-cases/payments';

const persistenceStore = idempotencyStore();

export const handler = merchantApiHandler(async (request, event) => {
  const scope = authenticatedMerchant(event);
  const key = idempotencyKeyOf(request);
  logger.appendKeys({ idempotencyKeyHash: hashForLogs(key) });
  const body = validate(CreatePaymentRequest, request.body);
  const fingerprint = requestFingerprint(body);
  return idempotentResponse(
    { persistenceStore, operation: 'create-payment' },
    { ...request, scope },
    key,
    fingerprint,
    async () => {
      const store = postgresPaymentStore(await databasePool());
      const { payment, created } = await createPayment(store, {
        ...scope,
        idempotencyKey: key,
        requestHash: fingerprint,
        ...body,
      });
      logger.appendKeys({ paymentId: payment.id });
      if (created) metrics.addMetric('PaymentCreated', 'Count', 1);
      return {
        statusCode: 202,
        headers: { location: `/v1/payments/${payment.id}` },
        body: paymentRepresentation(payment),
      };
    },
  );
});
