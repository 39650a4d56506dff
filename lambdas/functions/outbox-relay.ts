/**
 * The outbox relay (EventBridge schedule): publishes outbox events to Kafka in a loop until close to its
 * timeout, publishing its lag every few seconds. Locally, the event-source runner invokes it the same way.
 */
import type { Context } from 'aws-lambda';
import { kafkaConnection } from '../core/adapters/kafka/connection';
import { kafkaEventPublisher } from '../core/adapters/kafka/event-publisher';
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresOutbox } from '../core/adapters/postgres/outbox';
import { OUTBOX_RELAY, PAYMENT_EVENTS_TOPIC } from '../core/config/messaging';
import { logger, metrics, withObservability } from '../core/observability';
import { type RelayProgress, relayOutbox } from '../core/use-cases/relay-outbox';

const DAY_MS = 24 * 60 * 60 * 1000;
let publisher: ReturnType<typeof kafkaEventPublisher> | undefined;

/** Flushes at once: the lag alarm must see the lag of a relay that is still running (or stuck). */
function publishProgress({ lagSeconds, published, transientFailures }: RelayProgress): void {
  if (lagSeconds !== undefined) metrics.addMetric('OutboxLagSeconds', 'Seconds', lagSeconds);
  metrics.addMetric('OutboxEventsPublished', 'Count', published);
  metrics.addMetric('OutboxRelayTransientFailures', 'Count', transientFailures);
  metrics.publishStoredMetrics();
}

export const handler = withObservability(async (_event: unknown, context: Context) => {
  const outbox = postgresOutbox(await databasePool());
  publisher ??= kafkaEventPublisher(await kafkaConnection('aspay-outbox-relay'), PAYMENT_EVENTS_TOPIC.name);
  const summary = await relayOutbox(outbox, publisher, {
    ...OUTBOX_RELAY,
    stopAt: Date.now() + context.getRemainingTimeInMillis() - OUTBOX_RELAY.stopBeforeTimeoutMs,
    pruneOlderThan: new Date(Date.now() - OUTBOX_RELAY.retentionDays * DAY_MS),
    report: publishProgress,
    onTransientFailure: ({ error, during, consecutive, retryInMs }) =>
      logger.warn('relay failure, retrying', { error: error as Error, during, consecutive, retryInMs }),
  });
  metrics.addMetric('OutboxEventsPruned', 'Count', summary.pruned);
  logger.info('relay finished', { ...summary });
  return summary;
});
