/**
 * Scheduled: retries the bank for what waits on it — payments left PENDING (bank unavailable, breaker open,
 * or a processor that died mid-way) and refunds not yet executed. Idempotency keys (payment id, refund id)
 * make every retry safe: the bank charges and refunds once.
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

export const handler = withObservability(async () => {
  const pool = await databasePool();
  const lifecycle = postgresPaymentLifecycle(pool);
  const refunds = postgresRefundExecutions(pool);
  const now = new Date();
  const deps = { lifecycle, bank, retryAfterMs: settings.pendingRetryAfterMs, clock: () => new Date() };
  const [duePayments, dueRefunds] = await Promise.all([
    lifecycle.duePending(now, settings.pendingRetryAfterMs, BATCH),
    refunds.overdue(now, settings.pendingRetryAfterMs, BATCH),
  ]);
  const payments = await Promise.all(duePayments.map((payment) => chargeAndSettle(deps, payment)));
  const refundResults = await Promise.all(
    dueRefunds.map((refundId) => executeRefundAtBank(refunds, bank, refundId)),
  );
  metrics.addMetric('PendingPaymentsRetried', 'Count', duePayments.length);
  metrics.addMetric('PendingRefundsRetried', 'Count', dueRefunds.length);
  if (duePayments.length + dueRefunds.length > 0) {
    logger.info('retried what waits on the bank', { payments, refunds: refundResults });
  }
  return { payments: duePayments.length, refunds: dueRefunds.length };
});
