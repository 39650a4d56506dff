import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, Kafka } from 'kafkajs';
import { mskEventFor } from '../../../lambdas/core/adapters/kafka/msk-event';
import type { ConsumerSettings } from '../../../lambdas/core/config/messaging';
import { lambdaContext, loadHandler } from '../lambda-runtime';

const MAX_BACKOFF_MS = 30_000;

function log(level: 'INFO' | 'WARN' | 'ERROR', message: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ level, message, timestamp: new Date().toISOString(), ...fields }));
}

/** The kafkajs side of an event source mapping, derived from the same settings the CDK mapping uses. */
export function kafkaConsumerConfig(settings: ConsumerSettings) {
  return {
    consumer: {
      groupId: settings.groupId,
      maxWaitTimeInMs: settings.maxBatchingWindowSeconds * 1_000,
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: MAX_BACKOFF_MS },
    },
    subscription: { topic: settings.topic, fromBeginning: settings.startingPosition === 'TRIM_HORIZON' },
    batchSize: settings.batchSize,
  };
}

/**
 * Emulates an MSK event source mapping: one consumer group per function, batches in the exact MSK event
 * shape, offsets committed only after the function succeeds; a failed batch is retried with backoff (the
 * function itself sidelines poison pills to the DLQ, as in AWS).
 */
export async function startEventSourceMapping(
  kafka: Kafka,
  settings: ConsumerSettings,
  bootstrapServers: string,
): Promise<Consumer> {
  const handler = await loadHandler(settings.handler);
  const config = kafkaConsumerConfig(settings);
  const consumer = kafka.consumer(config.consumer);
  await consumer.connect();
  await consumer.subscribe(config.subscription);
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    // Lambda polls each partition independently: partitions do not wait for one another.
    partitionsConsumedConcurrently: 16,
    eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
      for (let start = 0; start < batch.messages.length; start += config.batchSize) {
        const messages = batch.messages.slice(start, start + config.batchSize);
        const event = mskEventFor(
          { topic: batch.topic, partition: batch.partition, messages },
          {
            eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/aspay-local/local',
            bootstrapServers,
          },
        );
        for (let attempt = 1; ; attempt++) {
          if (!isRunning() || isStale()) return;
          try {
            await handler(event, lambdaContext(settings.handler, 300_000));
            break;
          } catch (error) {
            const backoff = Math.min(MAX_BACKOFF_MS, settings.retryBaseMs * 2 ** (attempt - 1));
            log('WARN', 'batch failed; retrying', {
              function: settings.handler,
              partition: batch.partition,
              attempt,
              backoffMs: backoff,
              error: (error as Error).message,
            });
            await sleep(backoff);
            await heartbeat();
          }
        }
        const last = messages.at(-1);
        if (last) {
          // Advance the fetch position too: an unresolved batch would be fetched and delivered again.
          resolveOffset(last.offset);
          await consumer.commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: String(Number(last.offset) + 1) },
          ]);
        }
        await heartbeat();
      }
    },
  });
  return consumer;
}

/**
 * Emulates a schedule: invokes the function back to back (each invocation with its own timeout), with a
 * pause after a failure, until stopped.
 */
export function startSchedule(handlerName: string, timeoutSeconds: number, pauseMs: number) {
  let running = true;
  const done = (async () => {
    const handler = await loadHandler(handlerName);
    while (running) {
      try {
        await handler(
          { source: 'aws.scheduler', 'detail-type': 'Scheduled Event' },
          lambdaContext(handlerName, timeoutSeconds * 1_000),
        );
        await sleep(pauseMs);
      } catch (error) {
        log('ERROR', 'scheduled invocation failed', {
          function: handlerName,
          error: (error as Error).message,
        });
        await sleep(1_000);
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
    },
  };
}
