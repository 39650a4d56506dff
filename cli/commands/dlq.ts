import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import {
  discardedRanges,
  isKafkaOnFailureRecord,
  type KafkaOnFailureRecord,
} from '../../lambdas/core/adapters/kafka/on-failure-record';
import { unparkPayment } from '../../lambdas/core/adapters/postgres/parked-payments';
import { REDRIVE_CONSUMER_HEADER } from '../../lambdas/core/config/messaging';
import type { DeadLetter } from '../../lambdas/core/use-cases/ports/consumers';
import { type Output, UsageError } from '../context';
import { readRecords, type TopicRecord } from '../kafka-records';

/** How often, and how long apart, a letter asked for by id is looked for again (see findLetter). */
const LOOKUP_ATTEMPTS = 10;
const LOOKUP_PAUSE_MS = 500;
/** How long a peek hides what it read before handing it back, and how long a redrive holds its letters. */
const PEEK_VISIBILITY_SECONDS = 30;
const REDRIVE_VISIBILITY_SECONDS = 300;

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
  const received: ReceivedLetter[] = [];
  try {
    await receiveAll(access, PEEK_VISIBILITY_SECONDS, received);
  } finally {
    await makeVisible(
      access,
      received.map((message) => message.ReceiptHandle),
    );
  }
  const seen = new Map<string, ListedLetter>();
  for (const { MessageId, Body, parsed } of received)
    if (MessageId && Body) seen.set(MessageId, { id: MessageId, ...parsed });
  return [...seen.values()];
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

async function makeVisible(access: DlqAccess, receipts: readonly (string | undefined)[]): Promise<void> {
  await Promise.all(
    receipts.map((receipt) =>
      access.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: access.queueUrl,
          ReceiptHandle: receipt,
          VisibilityTimeout: 0,
        }),
      ),
    ),
  );
}

/**
 * SQS has no true peek: while another reader (a second `aspay dlq` call) holds a message, receives skip it. So a
 * letter asked for by id is looked for again for a few seconds before it is declared missing.
 */
async function findLetter(access: DlqAccess, id: string): Promise<ListedLetter | undefined> {
  for (let attempt = 1; ; attempt++) {
    const found = (await peekAll(access)).find((letter) => letter.id === id);
    if (found || attempt >= LOOKUP_ATTEMPTS) return found;
    await sleep(LOOKUP_PAUSE_MS);
  }
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

/** A letter's place on its partition: a payment's letters are redriven in the order they were consumed. */
function position(letter: Letter): [number, bigint] {
  if (letter.kind === 'record') return [letter.letter.partition, BigInt(letter.letter.offset)];
  const [first] = discardedRanges(letter.letter);
  return [first?.partition ?? 0, BigInt(first?.firstOffset ?? '0')];
}

/** Receives every message, hiding each while the redrive runs; the ones not chosen are released at once. */
type ReceivedLetter = Message & { parsed: Letter };

/** Receives every message, each hidden for `visibilitySeconds`, into `received` (kept if a receive fails). */
async function receiveAll(
  access: DlqAccess,
  visibilitySeconds: number,
  received: ReceivedLetter[] = [],
): Promise<ReceivedLetter[]> {
  for (let round = 0; round < 1_000; round++) {
    const { Messages = [] } = await access.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: access.queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: visibilitySeconds,
        WaitTimeSeconds: 0,
      }),
    );
    if (Messages.length === 0) break;
    received.push(...Messages.map((message) => ({ ...message, parsed: parseLetter(message.Body ?? '{}') })));
  }
  return received;
}

/**
 * Puts dead letters back on their topic for reprocessing (a batch's records re-read from Kafka by the
 * offsets its letter names) and deletes each from the DLQ only after Kafka acknowledged its records; a
 * letter whose redrive fails stays in the queue. A consumer's letter is redriven together with that
 * consumer's other letters of the same payment, in offset order, after the payment's parking is cleared:
 * its events are replayed in their order, and only that consumer handles them again (the others settled
 * them the first time).
 */
export async function redriveDlq(
  access: DlqAccess,
  kafka: Kafka,
  pool: pg.Pool,
  target: string | undefined,
  out: Output,
): Promise<void> {
  if (!target) throw new UsageError('usage: aspay dlq redrive <message id> | --all');
  let received = await receiveAll(access, REDRIVE_VISIBILITY_SECONDS);
  // As in findLetter: a letter another reader holds for a moment is looked for again.
  for (let attempt = 1; target !== '--all' && attempt < LOOKUP_ATTEMPTS; attempt++) {
    if (received.some((message) => message.MessageId === target)) break;
    await makeVisible(
      access,
      received.map((message) => message.ReceiptHandle),
    );
    await sleep(LOOKUP_PAUSE_MS);
    received = await receiveAll(access, REDRIVE_VISIBILITY_SECONDS);
  }
  const targeted = received.find((message) => message.MessageId === target);
  const sameParking = (message: { parsed: Letter }) =>
    targeted?.parsed.kind === 'record' &&
    message.parsed.kind === 'record' &&
    message.parsed.letter.key !== null &&
    message.parsed.letter.consumer === targeted.parsed.letter.consumer &&
    message.parsed.letter.key === targeted.parsed.letter.key;
  const chosen = received.filter(
    (message) => target === '--all' || message === targeted || sameParking(message),
  );
  const redriven: string[] = [];
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  try {
    await makeVisible(
      access,
      received.filter((message) => !chosen.includes(message)).map((message) => message.ReceiptHandle),
    );
    chosen.sort((a, b) => {
      const [partitionA, offsetA] = position(a.parsed);
      const [partitionB, offsetB] = position(b.parsed);
      return partitionA - partitionB || (offsetA < offsetB ? -1 : offsetA > offsetB ? 1 : 0);
    });
    await producer.connect();
    const unparked = new Set<string>();
    for (const message of chosen) {
      const { parsed } = message;
      const redriveHeaders: Record<string, string> = { 'aspay-redriven-from': message.MessageId ?? '' };
      if (parsed.kind === 'record') {
        redriveHeaders[REDRIVE_CONSUMER_HEADER] = parsed.letter.consumer;
        const parking = `${parsed.letter.consumer}/${parsed.letter.key}`;
        if (parsed.letter.key !== null && !unparked.has(parking)) {
          await unparkPayment(pool, parsed.letter.consumer, parsed.letter.key);
          unparked.add(parking);
        }
      }
      for (const { topic, key, value, headers } of await recordsOf(kafka, parsed)) {
        await producer.send({
          topic,
          acks: -1,
          messages: [{ key, value, headers: { ...headers, ...redriveHeaders } }],
        });
      }
      await access.sqs.send(
        new DeleteMessageCommand({ QueueUrl: access.queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
      redriven.push(message.MessageId ?? '');
    }
  } finally {
    await producer.disconnect();
  }
  if (target !== '--all' && redriven.length === 0)
    throw new UsageError(`no message ${target} in the dead-letter queue`);
  out.print({ redriven }, () => `redriven ${redriven.length} message(s): ${redriven.join(', ')}`);
}
