/** POST /v1/payments — records the intent to pay and answers 202 at once; the bank is called in the background. */
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresPaymentStore } from '../core/adapters/postgres/payment-store';
import { idempotentApiHandler } from '../core/http/idempotency';
import { paymentRepresentation } from '../core/http/representations';
import { CreatePaymentRequest } from '../core/http/schemas';
import { logger, metrics } from '../core/observability';
import { createPayment } from '../core/use-cases/payments';
import { idempotencyWiring } from '../core/wiring/idempotency';

export const handler = idempotentApiHandler(
  {
    operation: 'create-payment',
    path: () => ({}),
    body: CreatePaymentRequest,
    execute: async ({ scope, key, fingerprint, body }) => {
      const { payment, created } = await createPayment(postgresPaymentStore(await databasePool()), {
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
  },
  idempotencyWiring(),
);
