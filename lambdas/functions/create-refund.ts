/** POST /v1/payments/{id}/refunds — a full (no amount) or partial refund of a SUCCESS payment. */
import { z } from 'zod';
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
import { refundRepresentation } from '../core/http/representations';
import { CreateRefundRequest, validate } from '../core/http/schemas';
import { logger, metrics } from '../core/observability';
import { PaymentNotFoundError } from '../core/use-cases/errors';
import { refundPayment } from '../core/use-cases/payments';

const persistenceStore = idempotencyStore();

export const handler = merchantApiHandler(async (request, event) => {
  const scope = authenticatedMerchant(event);
  const paymentId = z.uuid().safeParse(request.pathParameters.id);
  if (!paymentId.success) throw new PaymentNotFoundError();
  const key = idempotencyKeyOf(request);
  logger.appendKeys({ paymentId: paymentId.data, idempotencyKeyHash: hashForLogs(key) });
  const body = validate(CreateRefundRequest, request.body);
  // The payment id is part of the request: the same key on another payment is another request.
  const fingerprint = requestFingerprint({ paymentId: paymentId.data, ...body });
  return idempotentResponse(
    { persistenceStore, operation: 'create-refund' },
    { ...request, scope },
    key,
    fingerprint,
    async () => {
      const { refund, payment, created } = await refundPayment(postgresPaymentStore(await databasePool()), {
        ...scope,
        paymentId: paymentId.data,
        idempotencyKey: key,
        requestHash: fingerprint,
        ...body,
      });
      if (created) metrics.addMetric('RefundCreated', 'Count', 1);
      return { statusCode: 201, body: refundRepresentation(refund, payment) };
    },
  );
});
