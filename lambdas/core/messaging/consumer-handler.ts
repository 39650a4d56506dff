import type { MSKEvent } from 'aws-lambda';
import { consumedRecords } from '../adapters/kafka/msk-event';
import type { ConsumerSettings } from '../config/messaging';
import { type EventEnvelope, readEvent } from '../domain/events';
import { logger, metrics, withObservability } from '../observability';
import { consumeRecords } from '../use-cases/consume-records';
import type { DeadLetterQueue } from '../use-cases/ports';

/** Records of one payment run in order; this many payments are handled in parallel within a batch. */
const PAYMENTS_IN_PARALLEL = 10;

/**
 * Turns an MSK event into calls of `onEvent`, one per readable payment event: a tolerant reader (unknown
 * fields ignored, newer minor versions accepted, unknown types skipped and logged), retries with backoff,
 * and poison pills sidelined to the dead-letter queue after the configured attempts.
 */
export function consumerHandler(
  settings: ConsumerSettings,
  deadLetters: DeadLetterQueue,
  onEvent: (event: EventEnvelope) => Promise<void>,
) {
  return withObservability(async (event: MSKEvent) => {
    const records = consumedRecords(event);
    await consumeRecords(
      records,
      {
        consumer: settings.handler,
        maxAttempts: settings.maxAttempts,
        retryBaseMs: settings.retryBaseMs,
        concurrency: PAYMENTS_IN_PARALLEL,
        deadLetters,
        onDeadLetter: (letter) => {
          logger.error('record sidelined to the dead-letter queue', {
            topic: letter.topic,
            partition: letter.partition,
            offset: letter.offset,
            attempts: letter.attempts,
            lastError: letter.lastError,
          });
          metrics.addMetric('RecordsDeadLettered', 'Count', 1);
        },
      },
      async (record) => {
        const read = readEvent(JSON.parse(record.value.toString('utf8')));
        if (read.kind === 'unknown_type') {
          logger.warn('skipped an event of an unknown type', { type: read.type, offset: record.offset });
          return;
        }
        logger.appendKeys({ paymentId: read.event.paymentId, eventId: read.event.eventId });
        await onEvent(read.event);
      },
    );
    return { processed: records.length };
  });
}
