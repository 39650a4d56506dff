/**
 * Consumes `payment-events` (MSK event source mapping) for everything that talks to the bank:
 * - `payment.initiated`: INITIATED → PENDING, charge behind the circuit breaker, SUCCESS or FAILED;
 * - `ledger.posting_failed`: the saga's compensation, a full refund of the payment;
 * - `payment.refunded`: executes the refund at the bank.
 */
import { configuredBanks } from '../core/adapters/bank/configured-bank';
import { databasePool } from '../core/adapters/postgres/connection';
import {
  postgresPaymentLifecycle,
  postgresPaymentStore,
  postgresRefundExecutions,
} from '../core/adapters/postgres/payment-store';
import { sqsDeadLetterQueue } from '../core/adapters/sqs/dead-letter-queue';
import { bankSettings } from '../core/config/bank';
import { CONSUMERS } from '../core/config/messaging';
import type { EventEnvelope } from '../core/domain/events';
import { consumerHandler } from '../core/messaging/consumer-handler';
import { logger, metrics } from '../core/observability';
import { compensatePayment, executeRefundAtBank } from '../core/use-cases/refund-at-bank';
import { settlePayment } from '../core/use-cases/settle-payment';

const settings = bankSettings();
const banks = configuredBanks(settings);
const clock = () => new Date();

async function handle(event: EventEnvelope): Promise<string | undefined> {
  const pool = await databasePool();
  switch (event.type) {
    case 'payment.initiated':
      return settlePayment(
        { lifecycle: postgresPaymentLifecycle(pool), banks, settings, clock },
        event.paymentId,
      );
    case 'ledger.posting_failed':
      return compensatePayment(
        postgresPaymentStore(pool),
        event as EventEnvelope<'ledger.posting_failed'>,
        clock,
      );
    case 'payment.refunded':
      return executeRefundAtBank(
        { executions: postgresRefundExecutions(pool), banks, settings, clock },
        (event as EventEnvelope<'payment.refunded'>).data.refundId,
      );
    default:
      return undefined;
  }
}

export const handler = consumerHandler(CONSUMERS.bankProcessor, sqsDeadLetterQueue(), async (event) => {
  const result = await handle(event);
  if (result === undefined) return;
  logger.info('bank processor handled an event', { type: event.type, result });
  metrics.addMetric(`BankProcessor_${result}`, 'Count', 1);
  // The same alarm metrics as the sweeper's: a refund the bank rejected, a payment nobody can settle.
  if (event.type === 'payment.refunded' && result === 'failed')
    metrics.addMetric('RefundsFailed', 'Count', 1);
  if (result === 'stuck') metrics.addMetric('PaymentsStuckPending', 'Count', 1);
});
