/**
 * Consumes `payment-events` (MSK event source mapping): a signed webhook to the merchant for every SUCCESS
 * (receipt), FAILED (alert) and refund — one delivery per event: the delivery record, whose primary key is the
 * event id, is inserted before the first POST and each attempt is recorded before it is sent. A redelivered
 * event sends nothing for a notice that is handled, and takes over one whose holder died. A delivery its
 * in-invocation attempts cannot make is left pending for the retry sweep (`functions/retry-sweep.ts`).
 * The function holds no idempotency record of its own: the delivery record alone decides who sends.
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

export const handler = consumerHandler(
  CONSUMERS.notifier,
  sqsDeadLetterQueue(),
  NOTIFIED_EVENTS,
  async (event, context) => {
    if (!NOTIFIED_EVENTS.has(event.type)) return;
    // Work on the delivery for its window, or until Lambda stops the invocation at its timeout if that is sooner
    // (https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html); the claim itself is renewed
    // attempt by attempt, so a crash hands the notice over within seconds.
    const workMs = Math.min(context.getRemainingTimeInMillis(), deliveryWindowMs(webhooks.settings));
    const outcome = await notifyMerchant(
      { ...webhooks, deliveries: postgresWebhookDeliveries(await databasePool(), secrets) },
      event,
      new Date(Date.now() + workMs),
    );
    logger.info('notification handled', { type: event.type, outcome });
    metrics.addMetric(`Webhook_${outcome}`, 'Count', 1);
  },
);
