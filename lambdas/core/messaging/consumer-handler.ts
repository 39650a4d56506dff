import { setTimeout as sleep } from 'node:timers/promises';
import type { Context, MSKEvent } from 'aws-lambda';
import { CONSUMER_PAYMENTS_IN_PARALLEL, type ConsumerSettings } from '../config/messaging';
import { UnreadableRecordError } from '../domain/errors';
import { type EventEnvelope, type EventType, readEvent } from '../domain/events';
import { logger, metrics, withObservability } from '../observability';
import { consumeRecords } from '../use-cases/consume-records';
import type { ConsumedRecord, DeadLetterQueue, ParkedPayments } from '../use-cases/ports/consumers';
import { classifyFailure } from '../use-cases/retry-decision';
import { consumerWiring } from '../wiring/consumers';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decode(record: ConsumedRecord): unknown {
  let text: string;
  try {
    text = utf8.decode(record.value);
  } catch (error) {
    throw new UnreadableRecordError('the record is not valid UTF-8', { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UnreadableRecordError(`the record is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** The relay names each record's event type in this header (adapters/kafka/event-publisher.ts). */
const EVENT_TYPE_HEADER = 'event-type';

/**
 * Turns an MSK event into calls of `onEvent`, one per readable payment event of a type in `handles`: records of
 * other types are passed over unread (a record without the header is read, so that a poison record is found);
 * a tolerant reader (unknown fields ignored, newer minor versions accepted, unknown types skipped and logged); poison records
 * dead-lettered after the configured attempts and their payment parked; transient failures waited out
 * while the invocation has time, then the batch failed so the event source mapping delivers it again.
 */
export function consumerHandler(
  settings: ConsumerSettings,
  deadLetters: DeadLetterQueue,
  handles: Iterable<EventType>,
  onEvent: (event: EventEnvelope, context: Context) => Promise<void>,
  parked?: ParkedPayments,
) {
  const handled: ReadonlySet<string> = new Set(handles);
  const wiring = consumerWiring();
  const parkedPayments = parked ?? wiring.parked;
  return withObservability(async (event: MSKEvent, context: Context) => {
    const records = wiring.records(event);
    await consumeRecords(
      records,
      {
        consumer: settings.handler,
        maxAttempts: settings.maxAttempts,
        retryBaseMs: settings.retryBaseMs,
        transientRetry: settings.transientRetry,
        concurrency: CONSUMER_PAYMENTS_IN_PARALLEL,
        deadLetters,
        parked: parkedPayments,
        handles: (record) => {
          const type = record.headers[EVENT_TYPE_HEADER];
          return type === undefined || handled.has(type);
        },
        classify: classifyFailure,
        remainingTimeMs: () => context.getRemainingTimeInMillis(),
        sleep: (ms) => sleep(ms),
        onDeadLetter: (letter) => {
          logger.error('record sidelined to the dead-letter queue', {
            topic: letter.topic,
            partition: letter.partition,
            offset: letter.offset,
            key: letter.key,
            attempts: letter.attempts,
            lastError: letter.lastError,
          });
          metrics.addMetric('RecordsDeadLettered', 'Count', 1);
        },
        onTransientFailure: ({ record, error, rule, retryInMs }) => {
          logger.warn('waiting for a dependency', {
            partition: record.partition,
            offset: record.offset,
            rule,
            retryInMs,
            error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          });
          // Published at once, not at the end of an invocation that may wait for minutes: the alarm on a
          // lasting wait needs a data point every minute.
          metrics.addMetric('ConsumerWaitingForDependency', 'Count', 1);
          metrics.publishStoredMetrics();
        },
      },
      async (record) => {
        const read = readEvent(decode(record));
        if (read.kind === 'unknown_type') {
          logger.warn('skipped an event of an unknown type', { type: read.type, offset: record.offset });
          return;
        }
        logger.appendKeys({ paymentId: read.event.paymentId, eventId: read.event.eventId });
        await onEvent(read.event, context);
      },
    );
    return { processed: records.length };
  });
}

/** What a consumer does per event type: each route receives its type's event, data typed. */
export type EventRoutes<R> = {
  readonly [T in EventType]?: (event: EventEnvelope<T>, context: Context) => Promise<R>;
};

/** The route of the event's type, run; `undefined` when the consumer has none: the event is not its business. */
export async function routeEvent<R, T extends EventType>(
  routes: EventRoutes<R>,
  event: EventEnvelope<T>,
  context: Context,
): Promise<R | undefined> {
  const route: EventRoutes<R>[T] = routes[event.type];
  return route?.(event, context);
}
