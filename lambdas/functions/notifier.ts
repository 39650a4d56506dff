/**
 * Consumes `payment-events` (MSK event source mapping): a signed webhook to the merchant for every SUCCESS
 * (receipt), FAILED (alert) and refund — exactly once per event (Powertools idempotency keyed by event id,
 * backed by a unique delivery record). A delivery its in-invocation attempts cannot make is left pending for
 * the retry sweep (the `pending-payments` schedule).
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { idempotencyStore } from '../core/adapters/dynamodb/idempotency-store';
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresWebhookDeliveries } from '../core/adapters/postgres/webhook-deliveries';
import { secretOpener } from '../core/adapters/secrets/secret-opener';
import { sqsDeadLetterQueue } from '../core/adapters/sqs/dead-letter-queue';
import { httpWebhookSender } from '../core/adapters/webhooks/http-sender';
import { IDEMPOTENCY_TABLE } from '../core/config/idempotency';
import { CONSUMERS } from '../core/config/messaging';
import { deliveryWindowMs, webhookSettings } from '../core/config/webhooks';
import type { EventEnvelope } from '../core/domain/events';
import { consumerHandler } from '../core/messaging/consumer-handler';
import { logger, metrics } from '../core/observability';
import { NOTIFIED_EVENTS, notifyMerchant } from '../core/use-cases/notify-merchant';

const settings = webhookSettings();
const secrets = secretOpener();
// https only: a merchant's one endpoint receives both modes' notices, live ones among them.
const sender = httpWebhookSender({ ...settings, requireHttps: true });
/**
 * Built once per container; each invocation registers its context, so the in-progress record of an
 * invocation that dies mid-delivery expires instead of living for the 24 h record expiry:
 * https://docs.powertools.aws.dev/lambda/typescript/latest/features/idempotency/#lambda-timeouts
 */
const idempotencyConfig = new IdempotencyConfig({
  eventKeyJmesPath: 'eventId',
  expiresAfterSeconds: IDEMPOTENCY_TABLE.expiresAfterSeconds,
});

const notifyOnce = makeIdempotent(
  // The payload to hash is the first argument, the event; the second is the end of this invocation's claim.
  async (event: EventEnvelope, claimedUntil: Date) =>
    notifyMerchant(
      {
        deliveries: postgresWebhookDeliveries(await databasePool(), secrets),
        sender,
        clock: () => new Date(),
        settings,
      },
      event,
      claimedUntil,
    ),
  {
    persistenceStore: idempotencyStore(),
    keyPrefix: 'notifier',
    config: idempotencyConfig,
  },
);

export const handler = consumerHandler(CONSUMERS.notifier, sqsDeadLetterQueue(), async (event, context) => {
  if (!NOTIFIED_EVENTS.has(event.type)) return;
  // The delivery, and the in-progress idempotency record, stay this invocation's while it can still be sending
  // (the delivery window, or until Lambda stops it at its timeout if that is sooner:
  // https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html); then the retry sweep takes over.
  const holdMs = Math.min(context.getRemainingTimeInMillis(), deliveryWindowMs(settings));
  idempotencyConfig.registerLambdaContext({ ...context, getRemainingTimeInMillis: () => holdMs });
  const outcome = await notifyOnce(event, new Date(Date.now() + holdMs));
  logger.info('notification handled', { type: event.type, outcome });
  metrics.addMetric(`Webhook_${outcome}`, 'Count', 1);
});
