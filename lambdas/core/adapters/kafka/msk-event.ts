import type { MSKEvent, MSKRecord } from 'aws-lambda';
import type { ConsumedRecord } from '../../use-cases/ports/consumers';

/** Decodes an MSK event (base64 keys and values, headers as byte arrays), in partition then offset order. */
export function consumedRecords(event: MSKEvent): ConsumedRecord[] {
  return Object.values(event.records)
    .flat()
    .sort((a, b) => a.partition - b.partition || a.offset - b.offset)
    .map((record) => ({
      topic: record.topic,
      partition: record.partition,
      offset: Number(record.offset),
      timestamp: record.timestamp,
      key: record.key ? Buffer.from(record.key, 'base64') : null,
      value: Buffer.from(record.value ?? '', 'base64'),
      headers: Object.fromEntries(
        (record.headers ?? []).flatMap((header) =>
          Object.entries(header).map(([name, bytes]) => [name, Buffer.from(bytes).toString('utf8')]),
        ),
      ),
    }));
}

export interface RawKafkaMessage {
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

/** Builds the MSK event Lambda would deliver for one partition's batch (used by the local event-source runner). */
export function mskEventFor(
  batch: { topic: string; partition: number; messages: readonly RawKafkaMessage[] },
  source: { eventSourceArn: string; bootstrapServers: string },
): MSKEvent {
  const records: MSKRecord[] = batch.messages.map((message) => ({
    topic: batch.topic,
    partition: batch.partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    timestampType: 'CREATE_TIME',
    key: message.key ? message.key.toString('base64') : '',
    value: (message.value ?? Buffer.alloc(0)).toString('base64'),
    headers: Object.entries(message.headers ?? {}).flatMap(([name, value]) =>
      (Array.isArray(value) ? value : [value])
        .filter((item) => item !== undefined)
        .map((item) => ({ [name]: [...Buffer.from(item as Buffer | string)] })),
    ),
  }));
  return {
    eventSource: 'aws:kafka',
    eventSourceArn: source.eventSourceArn,
    bootstrapServers: source.bootstrapServers,
    records: { [`${batch.topic}-${batch.partition}`]: records },
  };
}
