/**
 * Consumes `payment-events` (MSK event source mapping) for everything that talks to the bank:
 * - `payment.initiated`: INITIATED → PENDING, charge behind the circuit breaker, SUCCESS or FAILED;
 * - `ledger.posting_failed`: the saga's compensation, a full refund of the payment;
 * - `payment.refunded`: executes the refund at the bank.
 */

import type { Context } from 'aws-lambda';
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresPaymentLifecycle } from '../core/adapters/postgres/payment-lifecycle';
import { postgresRefundExecutions } from '../core/adapters/postgres/refund-executions';
import { postgresRefundStore } from '../core/adapters/postgres/refund-store';
import { sqsDeadLetterQueue } from '../core/adapters/sqs/dead-letter-queue';
import { CONSUMERS } from '../core/config/messaging';
import { UNAVAILABLE_DEPENDENCY_RETRY } from '../core/config/retry-policies';
import type { EventType } from '../core/domain/events';
import { consumerHandler, type EventRoutes, routeEvent } from '../core/messaging/consumer-handler';
import { logger, metrics } from '../core/observability';
import type { ClaimOptions } from '../core/use-cases/bank-claims';
import { compensatePayment, executeRefundAtBank } from '../core/use-cases/refund-at-bank';
import { settlePayment } from '../core/use-cases/settle-payment';
import { bankWiring } from '../core/wiring/bank';

const bank = bankWiring();

/**
 * A bank answer is recorded while this invocation lives, less the margin the consumer keeps to fail the batch
 * cleanly (https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html). A redelivered event
 * waits for a claim whose holder may be gone (an invocation that timed out mid-call): taken over within a
 * lease, not left to the sweep.
 */
function claiming(context: Context): ClaimOptions {
  const remainingMs = context.getRemainingTimeInMillis() - UNAVAILABLE_DEPENDENCY_RETRY.stopBeforeTimeoutMs;
  return { deadline: new Date(Date.now() + remainingMs), waitForHolder: true };
}

const routes: EventRoutes<string> = {
  'payment.initiated': async (event, context) =>
    settlePayment(
      { ...bank, lifecycle: postgresPaymentLifecycle(await databasePool()) },
      event.paymentId,
      claiming(context),
    ),
  'ledger.posting_failed': async (event) =>
    compensatePayment(postgresRefundStore(await databasePool()), event, bank.clock),
  'payment.refunded': async (event, context) => {
    const executions = postgresRefundExecutions(await databasePool());
    const result = await executeRefundAtBank({ ...bank, executions }, event.data.refundId, claiming(context));
    // The same alarm metric as the retry sweep's: a refund the bank rejected.
    if (result === 'failed') metrics.addMetric('RefundsFailed', 'Count', 1);
    return result;
  },
};

export const handler = consumerHandler(
  CONSUMERS.bankProcessor,
  sqsDeadLetterQueue(),
  Object.keys(routes) as EventType[],
  async (event, context) => {
    const result = await routeEvent(routes, event, context);
    if (result === undefined) return;
    logger.info('bank processor handled an event', { type: event.type, result });
    metrics.addMetric(`BankProcessor_${result}`, 'Count', 1);
    // The same alarm metric as the retry sweep's: a payment nobody can settle.
    if (result === 'stuck') metrics.addMetric('PaymentsStuckPending', 'Count', 1);
  },
);
