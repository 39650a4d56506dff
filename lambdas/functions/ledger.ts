/**
 * Consumes `payment-events` (MSK event source mapping): posts every SUCCESS payment and every refund to the
 * double-entry ledger, once per event; reports a refused posting as `ledger.posting_failed` (the saga).
 */
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresLedger } from '../core/adapters/postgres/ledger';
import { sqsDeadLetterQueue } from '../core/adapters/sqs/dead-letter-queue';
import { CONSUMERS } from '../core/config/messaging';
import { consumerHandler } from '../core/messaging/consumer-handler';
import { logger, metrics } from '../core/observability';
import { systemClock } from '../core/use-cases/ports/clock';
import { LEDGER_EVENTS, postToLedger } from '../core/use-cases/post-to-ledger';

export const handler = consumerHandler(
  CONSUMERS.ledger,
  sqsDeadLetterQueue(),
  LEDGER_EVENTS,
  async (event) => {
    const outcome = await postToLedger(postgresLedger(await databasePool()), event, systemClock);
    if (outcome === 'ignored') return;
    logger.info('ledger handled an event', { type: event.type, outcome });
    metrics.addMetric(`Ledger_${outcome}`, 'Count', 1);
  },
);
