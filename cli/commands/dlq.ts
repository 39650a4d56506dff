import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Kafka } from 'kafkajs';
import {
  discardedRanges,
  isKafkaOnFailureRecord,
  type KafkaOnFailureRecord,
} from '../../lambdas/core/adapters/kafka/on-failure-record';
import type { DeadLetter } from '../../lambdas/core/use-cases/ports';
import { type Output, UsageError } from '../context';
import { readRecords, type TopicRecord } from '../kafka-records';

/** How often, and how long apart, a letter asked for by id is looked for again (see findLetter). */
const LOOKUP_ATTEMPTS = 10;
const LOOKUP_PAUSE_MS = 500;

export interface DlqAccess {
  sqs: SQSClient;
  queueUrl: string;
}

export function dlqAccess(queueUrl: string, endpoint: string | undefined): DlqAccess {
  // A local endpoint (ElasticMQ) accepts any credentials; against AWS the SDK's own chain applies.
  const local = endpoint
    ? {
        endpoint,
        region: process.env.AWS_REGION ?? 'us-east-1',
        credentials: {
          accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local',
          secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
        },
      }
    : {};
  return { sqs: new SQSClient(local), queueUrl };
}

/**
 * The queue holds two kinds of letter: a consumer's own, carrying the whole record it gave up on, and the
 * event source mapping's on-failure record for a discarded batch, carrying only the batch's offsets.
 */
type Letter = { kind: 'record'; letter: DeadLetter } | { kind: 'batch'; letter: KafkaOnFailureRecord };

type ListedLetter = { id: string } & Letter;

function parseLetter(body: string): Letter {
  const parsed: unknown = JSON.parse(body);
  return isKafkaOnFailureRecord(parsed)
    ? { kind: 'batch', letter: parsed }
    : { kind: 'record', letter: parsed as DeadLetter };
}

/**
 * Reads every message without consuming it: each receive hides what it returned for a few seconds, so the
 * next receive returns others; afterwards everything is made visible again at once.
 */
async function peekAll(access: DlqAccess): Promise<ListedLetter[]> {
  const seen = new Map<string, ListedLetter>();
  const receipts: string[] = [];
  try {
    for (let round = 0; round < 1_000; round++) {
      const { Messages = [] } = await access.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: access.queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 30,
          WaitTimeSeconds: 0,
        }),
      );
      if (Messages.length === 0) break;
      for (const message of Messages) {
        if (message.ReceiptHandle) receipts.push(message.ReceiptHandle);
        if (message.MessageId && message.Body)
          seen.set(message.MessageId, { id: message.MessageId, ...parseLetter(message.Body) });
      }
    }
  } finally {
    await makeVisible(access, receipts);
  }
  return [...seen.values()];
}

async function makeVisible(access: DlqAccess, receipts: readonly string[]): Promise<void> {
  for (const receipt of receipts) {
    await access.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: access.queueUrl,
        ReceiptHandle: receipt,
        VisibilityTimeout: 0,
      }),
    );
  }
}

/**
 * SQS has no true peek: while another reader (a second `aspay dlq` call) holds a message, receives skip it. So a
 * letter asked for by id is looked for again for a few seconds before it is declared missing.
 */
async function findLetter(access: DlqAccess, id: string): Promise<ListedLetter | undefined> {
  for (let attempt = 0; ; attempt++) {
    const found = (await peekAll(access)).find((letter) => letter.id === id);
    if (found || attempt >= LOOKUP_ATTEMPTS) return found;
    await sleep(LOOKUP_PAUSE_MS);
  }
}

function summary(listed: ListedLetter): string {
  if (listed.kind === 'record') {
    const { letter } = listed;
    return `${listed.id}  ${letter.consumer}  ${letter.topic}[${letter.partition}]@${letter.offset}  after ${letter.attempts} attempts: ${letter.lastError}`;
  }
  const { requestContext, KafkaBatchInfo } = listed.letter;
  const ranges = discardedRanges(listed.letter)
    .map(
      ({ topic, partition, firstOffset, lastOffset }) =>
        `${topic}[${partition}]@${firstOffset}..${lastOffset}`,
    )
    .join(' ');
  const functionName = requestContext.functionArn.split(':').at(-1);
  return `${listed.id}  ${functionName}  ${ranges}  batch of ${KafkaBatchInfo.batchSize} discarded after ${requestContext.approximateInvokeCount} invocations (${requestContext.condition})`;
}

function details(listed: ListedLetter): string {
  if (listed.kind === 'record')
    return `payload (${listed.letter.payloadEncoding}):\n${listed.letter.payload}`;
  const { requestContext, KafkaBatchInfo, timestamp } = listed.letter;
  return [
    `discarded at ${timestamp}; last request ${requestContext.requestId}; the records stay on the topic:`,
    JSON.stringify(KafkaBatchInfo.recordsInfo, null, 2),
  ].join('\n');
}

export async function listDlq(access: DlqAccess, out: Output): Promise<void> {
  const letters = await peekAll(access);
  out.print(letters, () =>
    letters.length ? letters.map(summary).join('\n') : 'the dead-letter queue is empty',
  );
}

export async function showDlq(access: DlqAccess, id: string | undefined, out: Output): Promise<void> {
  if (!id) throw new UsageError('usage: aspay dlq show <message id>');
  const found = await findLetter(access, id);
  if (!found) throw new UsageError(`no message ${id} in the dead-letter queue`);
  out.print(found, () => `${summary(found)}\n${details(found)}`);
}

/** The records a letter stands for: carried by a consumer's letter, re-read from Kafka for a batch's. */
async function recordsOf(kafka: Kafka, letter: Letter): Promise<TopicRecord[]> {
  if (letter.kind === 'record') {
    const { topic, key, payload, payloadEncoding, headers } = letter.letter;
    return [{ topic, key, value: Buffer.from(payload, payloadEncoding), headers }];
  }
  const ranges = await Promise.all(discardedRanges(letter.letter).map((range) => readRecords(kafka, range)));
  return ranges.flat();
}

/**
 * Puts dead letters back on their topic for reprocessing (a batch's records re-read from Kafka by the
 * offsets its letter names) and deletes each from the DLQ only after Kafka acknowledged its records; a
 * letter whose redrive fails stays in the queue.
 */
export async function redriveDlq(
  access: DlqAccess,
  kafka: Kafka,
  target: string | undefined,
  out: Output,
): Promise<void> {
  if (!target) throw new UsageError('usage: aspay dlq redrive <message id> | --all');
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const redriven: string[] = [];
  // Messages received but not chosen are handed back at the end, not left hidden for the visibility timeout.
  const passedOver: string[] = [];
  try {
    for (let round = 0; round < 100; round++) {
      const { Messages = [] } = await access.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: access.queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 30,
          WaitTimeSeconds: 0,
        }),
      );
      for (const message of Messages) {
        if (target !== '--all' && message.MessageId !== target) {
          if (message.ReceiptHandle) passedOver.push(message.ReceiptHandle);
          continue;
        }
        const records = await recordsOf(kafka, parseLetter(message.Body ?? '{}'));
        for (const { topic, key, value, headers } of records) {
          await producer.send({
            topic,
            acks: -1,
            messages: [
              { key, value, headers: { ...headers, 'aspay-redriven-from': message.MessageId ?? '' } },
            ],
          });
        }
        await access.sqs.send(
          new DeleteMessageCommand({ QueueUrl: access.queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
        redriven.push(message.MessageId ?? '');
      }
      if (target !== '--all' && redriven.length > 0) break;
      if (Messages.length === 0) {
        // Another reader may hold the letter for a moment (see findLetter): look again a few times.
        if (target === '--all' || round >= LOOKUP_ATTEMPTS) break;
        await sleep(LOOKUP_PAUSE_MS);
      }
    }
  } finally {
    await producer.disconnect();
    await makeVisible(access, passedOver);
  }
  if (target !== '--all' && redriven.length === 0)
    throw new UsageError(`no message ${target} in the dead-letter queue`);
  out.print({ redriven }, () => `redriven ${redriven.length} message(s): ${redriven.join(', ')}`);
}
