/**
 * The outbox relay (EventBridge schedule): publishes outbox events to Kafka in a loop until close to its
 * timeout, then prunes old published rows. Locally, the event-source runner invokes it the same way.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'aws-lambda';
import { kafkaConnection } from '../core/adapters/kafka/connection';
import { kafkaEventPublisher } from '../core/adapters/kafka/event-publisher';
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresOutbox } from '../core/adapters/postgres/outbox';
import { OUTBOX_RELAY, PAYMENT_EVENTS_TOPIC } from '../core/config/messaging';
import { logger, metrics, withObservability } from '../core/observability';
import { relayOutboxOnce } from '../core/use-cases/relay-outbox';

const DAY_MS = 24 * 60 * 60 * 1000;
let publisher: ReturnType<typeof kafkaEventPublisher> | undefined;

export const handler = withObservability(async (_event: unknown, context: Context) => {
  const outbox = postgresOutbox(await databasePool());
  publisher ??= kafkaEventPublisher(await kafkaConnection('aspay-outbox-relay'), PAYMENT_EVENTS_TOPIC.name);
  let published = 0;
  try {
    while (context.getRemainingTimeInMillis() > OUTBOX_RELAY.stopBeforeTimeoutMs) {
      const count = await relayOutboxOnce(outbox, publisher, OUTBOX_RELAY.maxPaymentsPerClaim);
      published += count;
      if (count === 0) await sleep(OUTBOX_RELAY.idleSleepMs);
    }
  } finally {
    metrics.addMetric('OutboxEventsPublished', 'Count', published);
    metrics.addMetric('OutboxLagSeconds', 'Seconds', await outbox.lagSeconds());
  }
  const pruned = await outbox.prunePublished(
    new Date(Date.now() - OUTBOX_RELAY.retentionDays * DAY_MS),
    1_000,
  );
  logger.info('relay pass finished', { published, pruned });
  return { published, pruned };
});
