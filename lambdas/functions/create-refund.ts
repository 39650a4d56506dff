/** POST /v1/payments/{id}/refunds — a full (no amount) or partial refund of a SUCCESS payment. */
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresRefundStore } from '../core/adapters/postgres/refund-store';
import { idempotentApiHandler } from '../core/http/idempotency';
import { paymentIdOf } from '../core/http/path-parameters';
import { refundRepresentation } from '../core/http/representations';
import { CreateRefundRequest } from '../core/http/schemas';
import { metrics } from '../core/observability';
import { refundPayment } from '../core/use-cases/refunds';
import { idempotencyWiring } from '../core/wiring/idempotency';

export const handler = idempotentApiHandler(
  {
    operation: 'create-refund',
    path: (request) => ({ paymentId: paymentIdOf(request) }),
    body: CreateRefundRequest,
    execute: async ({ scope, key, fingerprint, path, body }) => {
      const { refund, payment, created } = await refundPayment(postgresRefundStore(await databasePool()), {
        ...scope,
        paymentId: path.paymentId,
        idempotencyKey: key,
        requestHash: fingerprint,
        ...body,
      });
      if (created) metrics.addMetric('RefundCreated', 'Count', 1);
      return { statusCode: 201, body: refundRepresentation(refund, payment) };
    },
  },
  idempotencyWiring(),
);
