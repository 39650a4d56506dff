/**
 * Consumes `payment-events` (MSK event source mapping): on `payment.initiated`, moves the payment to
 * PENDING, charges the bank behind the circuit breaker and records SUCCESS or FAILED. Other events pass by.
 */
import { configuredBank } from '../core/adapters/bank/configured-bank';
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresPaymentLifecycle } from '../core/adapters/postgres/payment-store';
import { sqsDeadLetterQueue } from '../core/adapters/sqs/dead-letter-queue';
import { bankSettings } from '../core/config/bank';
import { CONSUMERS } from '../core/config/messaging';
import { consumerHandler } from '../core/messaging/consumer-handler';
import { logger, metrics } from '../core/observability';
import { settlePayment } from '../core/use-cases/settle-payment';

const settings = bankSettings();
const bank = configuredBank(settings);

export const handler = consumerHandler(CONSUMERS.bankProcessor, sqsDeadLetterQueue(), async (event) => {
  if (event.type !== 'payment.initiated') return;
  const lifecycle = postgresPaymentLifecycle(await databasePool());
  const result = await settlePayment(
    { lifecycle, bank, retryAfterMs: settings.pendingRetryAfterMs, clock: () => new Date() },
    event.paymentId,
  );
  logger.info('payment processed', { result });
  metrics.addMetric(`Payments_${result}`, 'Count', 1);
});
