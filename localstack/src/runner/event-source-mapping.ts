import { setTimeout as sleep } from 'node:timers/promises';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { mskEventFor } from '../../../lambdas/core/adapters/kafka/msk-event';
import {
  type KafkaOnFailureRecord,
  kafkaOnFailureRecord,
} from '../../../lambdas/core/adapters/kafka/on-failure-record';
import { type ConsumerSettings, DEAD_LETTER_QUEUE } from '../../../lambdas/core/config/messaging';
import {
  FunctionInvocationError,
  invokeFunction,
  type LambdaHandler,
  localFunctionArn,
} from '../lambda-runtime';
import { DeliveryAbandonedError, deliverBatch, retryBackoffMs } from './batch-delivery';
import { log } from './log';

const EVENT_SOURCE_ARN = 'arn:aws:kafka:us-east-1:000000000000:cluster/aspay-local/local';
/** kafkajs's own reconnect backoff cap (broker errors, not function errors). */
const MAX_CLIENT_BACKOFF_MS = 30_000;

/**
 * Group membership timings. A runner killed without leaving its groups holds its partitions until the
 * broker misses its heartbeats for `sessionTimeout` (kafkajs's default, 30 s, plus a rebalance made a
 * restarted runner wait about 50 s). In AWS a function that crashes costs no such wait: the event source
 * mapping's pollers, which hold the group membership, are Lambda's and live apart from the function
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-msk-configure.html); the local runner hosts both in one
 * process, so its restart is an artifact of the local stack, kept short: 3 s, below the broker's default
 * minimum of 6 s (kafka.ts lowers group.min.session.timeout.ms), which was half of a killed runner's
 * recovery. The mapping heartbeats every `heartbeatInterval` while a function runs (kafkajs only heartbeats
 * between batches on its own), so a long invocation, such as one waiting for its database, keeps the
 * partition; six heartbeats fit in a session. `rebalanceTimeout` bounds how long a rebalance waits for a live
 * member busy with an invocation before it goes on without it.
 */
export const GROUP_MEMBERSHIP = {
  sessionTimeout: 3_000,
  heartbeatInterval: 500,
  rebalanceTimeout: 10_000,
} as const;

/**
 * How long the broker holds a fetch that finds no record. It answers as soon as one arrives (kafkajs asks for
 * at least one byte), so this bounds idle polling and delays nothing.
 */
const IDLE_FETCH_WAIT_MS = 1_000;

/**
 * Everything the local mapping takes from the shared consumer settings: the same values the CDK
 * ManagedKafkaEventSource is built from (compared property by property in test/infra).
 */
export function eventSourceMappingConfig(settings: ConsumerSettings) {
  if (settings.maxBatchingWindowSeconds !== 0)
    throw new Error(
      `${settings.handler}: the local mapping invokes as soon as it has records, a batching window of 0 s; it does not emulate ${settings.maxBatchingWindowSeconds} s`,
    );
  return {
    consumer: {
      groupId: settings.groupId,
      ...GROUP_MEMBERSHIP,
      maxWaitTimeInMs: IDLE_FETCH_WAIT_MS,
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: MAX_CLIENT_BACKOFF_MS },
    },
    batchingWindowSeconds: settings.maxBatchingWindowSeconds,
    subscription: { topic: settings.topic, fromBeginning: settings.startingPosition === 'TRIM_HORIZON' },
    batchSize: settings.batchSize,
    retryPolicy: { retryAttempts: settings.batchRetryAttempts, bisectOnError: settings.bisectBatchOnError },
    retryBaseMs: settings.retryBaseMs,
    functionTimeoutSeconds: settings.timeoutSeconds,
    /** The queue every discarded batch's metadata goes to (the stack's dead-letter queue). */
    onFailureQueueName: DEAD_LETTER_QUEUE.name,
  };
}

/** Where the mapping sends the metadata of the batches it discards. */
export interface OnFailureDestination {
  send(record: KafkaOnFailureRecord): Promise<void>;
}

/** An SQS queue as on-failure destination: the record is the message body, as Lambda sends it. */
export function sqsOnFailureDestination(sqs: SQSClient, queueUrl: string): OnFailureDestination {
  return {
    async send(record) {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(record) }));
    },
  };
}

export interface MappingTarget {
  /** The function's entry point, already loaded (the runner passes the real one, tests a fixture). */
  readonly handler: LambdaHandler;
  readonly bootstrapServers: string;
  readonly onFailure: OnFailureDestination;
}

/** A mapping the runner started: its consumer, and how to stop it. */
export interface EventSourceMapping {
  readonly consumer: Consumer;
  /** Lets the batches in flight settle (those set apart from the fetch loop too), then leaves the group. */
  stop(): Promise<void>;
}

/**
 * How long a batch may hold kafkajs's fetch loop. kafkajs fetches again only once every batch of its previous
 * fetch is settled, so one slow invocation (a payment waiting for its bank claim's lease, say) would stall every
 * partition, where Lambda polls each partition on its own
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-msk-process.html). A batch still running after this is set
 * apart: its partition is paused until it settles, and the other partitions go on.
 */
const SET_APART_AFTER_MS = 250;

/**
 * Emulates an MSK event source mapping: one consumer group per function, batches in the exact MSK event
 * shape, offsets committed only once a batch is settled. A failing batch is retried and bisected as the
 * mapping's settings say (see batch-delivery.ts); what is still failing then is discarded: its metadata goes
 * to the on-failure destination, the offsets move past it and the partition continues.
 */
export async function startEventSourceMapping(
  kafka: Kafka,
  settings: ConsumerSettings,
  target: MappingTarget,
): Promise<EventSourceMapping> {
  const config = eventSourceMappingConfig(settings);
  const consumer = kafka.consumer(config.consumer);
  const setApart = new Set<Promise<void>>();
  let stopping = false;
  // A batch set apart gives up its retries once the group has rebalanced: the partition may be another's.
  let generation = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    generation++;
  });

  async function deliver({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload) {
    const startedIn = generation;
    const source = { eventSourceArn: EVENT_SOURCE_ARN, bootstrapServers: target.bootstrapServers };
    const eventFor = (messages: readonly KafkaMessage[]) =>
      mskEventFor({ topic: batch.topic, partition: batch.partition, messages }, source);
    for (let start = 0; start < batch.messages.length; start += config.batchSize) {
      const messages = batch.messages.slice(start, start + config.batchSize);
      let discarded: Awaited<ReturnType<typeof deliverBatch<KafkaMessage>>>;
      // A failed heartbeat means a rebalance: isStale() reports it and the delivery is abandoned.
      const keepMembership = setInterval(
        () => heartbeat().catch(() => undefined),
        GROUP_MEMBERSHIP.heartbeatInterval,
      );
      try {
        discarded = await deliverBatch(messages, config.retryPolicy, {
          invoke: async (records) => {
            await invokeFunction(
              target.handler,
              settings.handler,
              eventFor(records),
              config.functionTimeoutSeconds,
            );
          },
          pauseBeforeRetry: async (retry) => {
            const backoffMs = retryBackoffMs(config.retryBaseMs, retry);
            log('WARN', 'batch failed; retrying', {
              function: settings.handler,
              partition: batch.partition,
              retry,
              backoffMs,
            });
            await sleep(backoffMs);
            await heartbeat();
          },
          stillOwned: () => !stopping && isRunning() && !isStale() && generation === startedIn,
        });
      } catch (error) {
        if (error instanceof DeliveryAbandonedError) return;
        throw error;
      } finally {
        clearInterval(keepMembership);
      }
      for (const part of discarded) {
        const records = part.records.map((message) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: Number(message.offset),
          timestamp: Number(message.timestamp),
        }));
        const lastError = part.lastError;
        await target.onFailure.send(
          kafkaOnFailureRecord(
            records,
            {
              requestId: lastError instanceof FunctionInvocationError ? lastError.requestId : '',
              functionArn: localFunctionArn(settings.handler),
              invokeCount: part.invokeCount,
              eventSourceArn: EVENT_SOURCE_ARN,
              bootstrapServers: target.bootstrapServers,
              payloadSize: Buffer.byteLength(JSON.stringify(eventFor(part.records))),
            },
            new Date(),
          ),
        );
        log('ERROR', 'batch discarded to the on-failure destination', {
          function: settings.handler,
          partition: batch.partition,
          firstOffset: records[0]?.offset,
          lastOffset: records.at(-1)?.offset,
          invocations: part.invokeCount,
          error: lastError instanceof Error ? lastError.message : String(lastError),
        });
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
  }

  await consumer.connect();
  await consumer.subscribe(config.subscription);
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 16,
    eachBatch: async (payload) => {
      const delivery = deliver(payload);
      let timer: NodeJS.Timeout | undefined;
      const slow = new Promise<'slow'>((resolve) => {
        timer = setTimeout(() => resolve('slow'), SET_APART_AFTER_MS);
      });
      try {
        if ((await Promise.race([delivery, slow])) !== 'slow') return;
      } finally {
        clearTimeout(timer);
      }
      const partition = [{ topic: payload.batch.topic, partitions: [payload.batch.partition] }];
      consumer.pause(partition);
      const settled = delivery
        .catch((error: unknown) =>
          // Its offsets stay where the last settled part left them: the rest is fetched and delivered again.
          log('WARN', 'batch set apart failed; its partition resumes from its last settled record', {
            function: settings.handler,
            partition: payload.batch.partition,
            error: error instanceof Error ? error.message : String(error),
          }),
        )
        .finally(() => {
          setApart.delete(settled);
          if (!stopping) consumer.resume(partition);
        });
      setApart.add(settled);
    },
  });
  return {
    consumer,
    async stop() {
      stopping = true;
      await Promise.allSettled([...setApart]);
      await consumer.disconnect();
    },
  };
}
