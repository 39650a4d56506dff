import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Kafka } from 'kafkajs';
import type { DeadLetter } from '../../lambdas/core/use-cases/ports';
import { type Output, UsageError } from '../context';

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

interface ListedLetter {
  id: string;
  letter: DeadLetter;
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
          seen.set(message.MessageId, { id: message.MessageId, letter: JSON.parse(message.Body) });
      }
    }
  } finally {
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
  return [...seen.values()];
}

function summary({ id, letter }: ListedLetter): string {
  return `${id}  ${letter.consumer}  ${letter.topic}[${letter.partition}]@${letter.offset}  after ${letter.attempts} attempts: ${letter.lastError}`;
}

export async function listDlq(access: DlqAccess, out: Output): Promise<void> {
  const letters = await peekAll(access);
  out.print(letters, () =>
    letters.length ? letters.map(summary).join('\n') : 'the dead-letter queue is empty',
  );
}

export async function showDlq(access: DlqAccess, id: string | undefined, out: Output): Promise<void> {
  if (!id) throw new UsageError('usage: aspay dlq show <message id>');
  const found = (await peekAll(access)).find((letter) => letter.id === id);
  if (!found) throw new UsageError(`no message ${id} in the dead-letter queue`);
  out.print(
    found,
    () => `${summary(found)}\npayload (${found.letter.payloadEncoding}):\n${found.letter.payload}`,
  );
}

/**
 * Puts dead letters back on their topic for reprocessing and deletes each from the DLQ only after Kafka
 * acknowledged it; a letter whose redrive fails stays in the queue.
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
      const chosen = Messages.filter(
        (message: Message) => target === '--all' || message.MessageId === target,
      );
      for (const message of chosen) {
        const letter = JSON.parse(message.Body ?? '{}') as DeadLetter;
        await producer.send({
          topic: letter.topic,
          acks: -1,
          messages: [
            {
              key: letter.key,
              value: Buffer.from(letter.payload, letter.payloadEncoding),
              headers: { ...letter.headers, 'aspay-redriven-from': message.MessageId ?? '' },
            },
          ],
        });
        await access.sqs.send(
          new DeleteMessageCommand({ QueueUrl: access.queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
        redriven.push(message.MessageId ?? '');
      }
      if (Messages.length === 0 || (target !== '--all' && redriven.length > 0)) break;
    }
  } finally {
    await producer.disconnect();
  }
  if (target !== '--all' && redriven.length === 0)
    throw new UsageError(`no message ${target} in the dead-letter queue`);
  out.print({ redriven }, () => `redriven ${redriven.length} message(s): ${redriven.join(', ')}`);
}
