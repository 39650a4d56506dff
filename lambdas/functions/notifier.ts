/**
 * Consumes `payment-events` (MSK event source mapping): a signed webhook to the merchant for every SUCCESS
 * (receipt), FAILED (alert) and refund — one delivery per event: the delivery record, whose primary key is the
 * event id, is inserted before the first POST, so a redelivered event finds it and sends nothing. A delivery its
 * in-invocation attempts cannot make is left pending for the retry sweep (the `pending-payments` schedule).
 */
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresWebhookDeliveries } from '../core/adapters/postgres/webhook-deliveries';
import { sqsDeadLetterQueue } from '../core/adapters/sqs/dead-letter-queue';
import { CONSUMERS } from '../core/config/messaging';
import { deliveryWindowMs } from '../core/config/webhooks';
import { consumerHandler } from '../core/messaging/consumer-handler';
import { logger, metrics } from '../core/observability';
import { NOTIFIED_EVENTS, notifyMerchant } from '../core/use-cases/notify-merchant';
import { webhookWiring } from '../core/wiring/webhooks';

const { secrets, ...webhooks } = webhookWiring();

export const handler = consumerHandler(CONSUMERS.notifier, sqsDeadLetterQueue(), async (event, context) => {
  if (!NOTIFIED_EVENTS.has(event.type)) return;
  // The delivery stays this invocation's while it can still be sending (the delivery window, or until Lambda
  // stops it at its timeout if that is sooner: https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html);
  // then the retry sweep takes over.
  const holdMs = Math.min(context.getRemainingTimeInMillis(), deliveryWindowMs(webhooks.settings));
  const outcome = await notifyMerchant(
    { ...webhooks, deliveries: postgresWebhookDeliveries(await databasePool(), secrets) },
    event,
    new Date(Date.now() + holdMs),
  );
  logger.info('notification handled', { type: event.type, outcome });
  metrics.addMetric(`Webhook_${outcome}`, 'Count', 1);
});
