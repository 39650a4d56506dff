/**
 * Scheduled: retries the bank for what waits on it — payments left PENDING (bank unavailable, breaker open,
 * or a processor that died mid-way) and refunds not yet executed — each when its backoff is due, and gives
 * up after the configured attempts (payments by reconciling with the bank, refunds as FAILED). Overlapping
 * runs are safe — two may run at once (reserved concurrency 2), and a scheduled (asynchronous) invocation may
 * even arrive twice (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html) — because each
 * payment and refund is claimed before its bank call, and idempotency keys (payment id, refund id) mean the
 * bank charges and refunds once.
 */
import { configuredBank } from '../core/adapters/bank/configured-bank';
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresPaymentLifecycle, postgresRefundExecutions } from '../core/adapters/postgres/payment-store';
import { bankSettings } from '../core/config/bank';
import { logger, metrics, withObservability } from '../core/observability';
import { executeRefundAtBank } from '../core/use-cases/refund-at-bank';
import { chargeAndSettle } from '../core/use-cases/settle-payment';

const BATCH = 25;
const settings = bankSettings();
const bank = configuredBank(settings);
const clock = () => new Date();

export const handler = withObservability(async () => {
  const pool = await databasePool();
  const lifecycle = postgresPaymentLifecycle(pool);
  const executions = postgresRefundExecutions(pool);
  const now = clock();
  const [duePayments, dueRefunds] = await Promise.all([
    lifecycle.duePending(now, settings.pendingRetryAfterMs, BATCH),
    executions.overdue(now, settings.pendingRetryAfterMs, BATCH),
  ]);
  const payments = await Promise.all(
    duePayments.map((payment) => chargeAndSettle({ lifecycle, bank, settings, clock }, payment)),
  );
  const refunds = await Promise.all(
    dueRefunds.map((refundId) => executeRefundAtBank({ executions, bank, settings, clock }, refundId)),
  );
  const stuck = payments.filter((result) => result === 'stuck').length;
  const failedRefunds = refunds.filter((result) => result === 'failed').length;
  metrics.addMetric('PendingPaymentsRetried', 'Count', duePayments.length);
  metrics.addMetric('PendingRefundsRetried', 'Count', dueRefunds.length);
  // Reported every run, zero included, so the alarms see a value rather than missing data.
  metrics.addMetric('PaymentsStuckPending', 'Count', stuck);
  metrics.addMetric('RefundsFailed', 'Count', failedRefunds);
  if (stuck > 0)
    logger.error('payments reached the bank attempt limit and the bank cannot say what happened', { stuck });
  if (duePayments.length + dueRefunds.length > 0) {
    logger.info('retried what waits on the bank', { payments, refunds });
  }
  return { payments: duePayments.length, refunds: dueRefunds.length };
});
