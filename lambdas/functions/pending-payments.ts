/**
 * Scheduled: retries the bank for payments left PENDING (bank unavailable, breaker open, or a processor that
 * died mid-way). The bank's idempotency key is the payment id, so a retry can never charge twice.
 */
import { configuredBank } from '../core/adapters/bank/configured-bank';
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresPaymentLifecycle } from '../core/adapters/postgres/payment-store';
import { bankSettings } from '../core/config/bank';
import { logger, metrics, withObservability } from '../core/observability';
import { chargeAndSettle } from '../core/use-cases/settle-payment';

const BATCH = 25;
const settings = bankSettings();
const bank = configuredBank(settings);

export const handler = withObservability(async () => {
  const lifecycle = postgresPaymentLifecycle(await databasePool());
  const deps = { lifecycle, bank, retryAfterMs: settings.pendingRetryAfterMs, clock: () => new Date() };
  const due = await lifecycle.duePending(new Date(), settings.pendingRetryAfterMs, BATCH);
  const results = await Promise.all(due.map((payment) => chargeAndSettle(deps, payment)));
  metrics.addMetric('PendingPaymentsRetried', 'Count', due.length);
  if (due.length > 0) logger.info('retried pending payments', { retried: due.length, results });
  return { retried: due.length };
});
