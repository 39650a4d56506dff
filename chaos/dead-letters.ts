import type { Kafka } from 'kafkajs';
import { type DlqAccess, listDlq } from '../cli/commands/dlq';
import { readRecords } from '../cli/kafka-records';
import { discardedRanges, type KafkaOnFailureRecord } from '../lambdas/core/adapters/kafka/on-failure-record';
import { readEvent } from '../lambdas/core/domain/events';
import type { DeadLetter } from '../lambdas/core/use-cases/ports/consumers';

type ListedLetter = { id: string } & (
  | { kind: 'record'; letter: DeadLetter }
  | { kind: 'batch'; letter: KafkaOnFailureRecord }
);

/** A dead letter as the checks see it: the payments of the readable events it holds (none for a poison pill). */
export interface ClassifiedLetter {
  id: string;
  kind: 'record' | 'batch';
  readablePaymentIds: string[];
  /** Why its records could not be looked at (a batch whose offsets Kafka no longer serves). */
  unverifiable?: string;
}

/** Every letter in the queue, read without consuming it (the CLI's `dlq list`). */
export async function listLetters(access: DlqAccess): Promise<ListedLetter[]> {
  let letters: ListedLetter[] = [];
  await listDlq(access, {
    json: true,
    print: (value) => {
      letters = value as ListedLetter[];
    },
  });
  return letters;
}

/** The payment of a record that is a readable event, or undefined for a poison pill. */
function readablePaymentOf(value: Buffer): string | undefined {
  try {
    const read = readEvent(JSON.parse(value.toString('utf8')));
    return read.kind === 'event' ? read.event.paymentId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Classifies letters: a consumer's letter by the record it carries, an event source mapping's on-failure
 * letter by the records re-read from Kafka at the offsets it names.
 */
export async function classifyLetters(
  kafka: Kafka,
  letters: readonly ListedLetter[],
): Promise<ClassifiedLetter[]> {
  const classified: ClassifiedLetter[] = [];
  for (const listed of letters) {
    if (listed.kind === 'record') {
      const { payload, payloadEncoding } = listed.letter;
      const paymentId = readablePaymentOf(Buffer.from(payload, payloadEncoding));
      classified.push({ id: listed.id, kind: 'record', readablePaymentIds: paymentId ? [paymentId] : [] });
      continue;
    }
    try {
      const records = (
        await Promise.all(discardedRanges(listed.letter).map((range) => readRecords(kafka, range)))
      ).flat();
      const paymentIds = records.map((record) => readablePaymentOf(record.value));
      classified.push({
        id: listed.id,
        kind: 'batch',
        readablePaymentIds: paymentIds.filter((id): id is string => id !== undefined),
      });
    } catch (error) {
      classified.push({
        id: listed.id,
        kind: 'batch',
        readablePaymentIds: [],
        unverifiable: (error as Error).message,
      });
    }
  }
  return classified;
}
