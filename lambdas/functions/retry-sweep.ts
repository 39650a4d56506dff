/**
 * The retry sweep, scheduled every minute: retries what waits. At the bank: payments left PENDING (bank
 * unavailable, breaker open, or a processor that died mid-way) and refunds not yet executed, each when its
 * backoff is due, given up after the configured attempts (payments by reconciling with the bank, refunds as
 * FAILED). Overlapping runs are safe — two may run at once (reserved concurrency 2), and a scheduled
 * (asynchronous) invocation may even arrive twice
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html) — because each payment and refund is
 * claimed before its bank call, and idempotency keys (payment id, refund id) mean the bank charges and
 * refunds once.
 *
 * It also retries the webhooks whose endpoint was down (retryWebhooks): the same one-minute schedule and the
 * same database access, so no further function, rule or reserved concurrency is needed for it. Each delivery
 * is claimed until this invocation's end, so overlapping runs never send one twice.
 */
import type { Context } from 'aws-lambda';
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresPaymentLifecycle } from '../core/adapters/postgres/payment-lifecycle';
import { postgresRefundExecutions } from '../core/adapters/postgres/refund-executions';
import { postgresWebhookDeliveries } from '../core/adapters/postgres/webhook-deliveries';
import { logger, metrics, withObservability } from '../core/observability';
import { retrySweep } from '../core/use-cases/retry-sweep';
import { bankWiring } from '../core/wiring/bank';
import { webhookWiring } from '../core/wiring/webhooks';

const BATCH = 25;
const bank = bankWiring();
const { secrets, ...webhooks } = webhookWiring();

export const handler = withObservability(async (_event: unknown, context: Context) => {
  const pool = await databasePool();
  const lifecycle = postgresPaymentLifecycle(pool);
  const executions = postgresRefundExecutions(pool);
  const deliveries = postgresWebhookDeliveries(pool, secrets);
  const sweep = await retrySweep(
    { bank: { ...bank, lifecycle, executions }, webhooks: { ...webhooks, deliveries } },
    { batch: BATCH, claimedUntil: new Date(Date.now() + context.getRemainingTimeInMillis()) },
  );
  const { payments, refunds, webhooks: retried, stuck, failedRefunds } = sweep;
  // Reported every run, zero included, so the alarms see a value rather than missing data.
  const counts = {
    PendingPaymentsRetried: payments.length,
    PendingRefundsRetried: refunds.length,
    PaymentsStuckPending: stuck,
    RefundsFailed: failedRefunds,
    WebhooksRetriedDelivered: retried.delivered,
    WebhooksAbandoned: retried.failed,
  };
  for (const [name, count] of Object.entries(counts)) metrics.addMetric(name, 'Count', count);
  if (stuck > 0)
    logger.error('payments reached the bank attempt limit and the bank cannot say what happened', { stuck });
  if (retried.failed > 0)
    logger.error('webhooks given up after the retry period: the merchants never received them', {
      webhooks: retried,
    });
  if (payments.length + refunds.length + retried.delivered + retried.pending + retried.failed > 0)
    logger.info('retried what waits on the bank and the merchants', { payments, refunds, webhooks: retried });
  return { payments: payments.length, refunds: refunds.length, webhooks: retried };
});
