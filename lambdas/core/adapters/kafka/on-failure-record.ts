/**
 * What a Kafka event source mapping (Amazon MSK or self-managed) sends to an SQS or SNS on-failure
 * destination when it discards a batch: metadata only, no records; the offsets point back to them.
 * https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure.html ("SNS and SQS example invocation record")
 * The local event-source runner writes it, the operator CLI reads it.
 */

export type OnFailureCondition = 'RetryAttemptsExhausted' | 'MaximumPayloadSizeExceeded';

/** One topic-partition's slice of the discarded batch; offsets are strings in AWS's record. */
export interface KafkaRecordsInfo {
  readonly firstRecordOffset: string;
  readonly lastRecordOffset: string;
  readonly firstRecordTimestamp: string;
  readonly lastRecordTimestamp: string;
}

export interface KafkaOnFailureRecord {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: OnFailureCondition;
    readonly approximateInvokeCount: number;
  };
  /** null when the condition is MaximumPayloadSizeExceeded. */
  readonly responseContext: {
    readonly statusCode: number;
    readonly executedVersion: string;
    readonly functionError: string;
  } | null;
  readonly version: '1.0';
  readonly timestamp: string;
  readonly KafkaBatchInfo: {
    readonly batchSize: number;
    readonly eventSourceArn: string;
    readonly bootstrapServers: string;
    /** Bytes of the invocation payload. */
    readonly payloadSize: number;
    /** Keyed `<topic>-<partition>`. */
    readonly recordsInfo: Readonly<Record<string, KafkaRecordsInfo>>;
  };
}

export interface DiscardedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Epoch milliseconds, as in the MSK event. */
  readonly timestamp: number;
}

/** The record for a batch discarded after `invokeCount` failed invocations (the last one is `requestId`). */
export function kafkaOnFailureRecord(
  discarded: readonly DiscardedRecord[],
  invocation: {
    requestId: string;
    functionArn: string;
    invokeCount: number;
    eventSourceArn: string;
    bootstrapServers: string;
    payloadSize: number;
  },
  now: Date,
): KafkaOnFailureRecord {
  const byPartition = new Map<string, DiscardedRecord[]>();
  for (const record of discarded) {
    const key = `${record.topic}-${record.partition}`;
    byPartition.set(key, [...(byPartition.get(key) ?? []), record]);
  }
  const recordsInfo = Object.fromEntries(
    [...byPartition].map(([key, records]) => {
      const sorted = [...records].sort((a, b) => a.offset - b.offset);
      const first = sorted[0] as DiscardedRecord;
      const last = sorted.at(-1) as DiscardedRecord;
      return [
        key,
        {
          firstRecordOffset: String(first.offset),
          lastRecordOffset: String(last.offset),
          firstRecordTimestamp: new Date(first.timestamp).toISOString(),
          lastRecordTimestamp: new Date(last.timestamp).toISOString(),
        },
      ];
    }),
  );
  return {
    requestContext: {
      requestId: invocation.requestId,
      functionArn: invocation.functionArn,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: invocation.invokeCount,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: now.toISOString(),
    KafkaBatchInfo: {
      batchSize: discarded.length,
      eventSourceArn: invocation.eventSourceArn,
      bootstrapServers: invocation.bootstrapServers,
      payloadSize: invocation.payloadSize,
      recordsInfo,
    },
  };
}

export function isKafkaOnFailureRecord(value: unknown): value is KafkaOnFailureRecord {
  const candidate = value as Partial<KafkaOnFailureRecord> | null;
  return (
    typeof candidate?.requestContext?.functionArn === 'string' &&
    typeof candidate.KafkaBatchInfo?.recordsInfo === 'object' &&
    candidate.KafkaBatchInfo.recordsInfo !== null
  );
}

/** The offset ranges a record names, one per topic-partition (the key's last hyphen separates the two). */
export function discardedRanges(
  record: KafkaOnFailureRecord,
): { topic: string; partition: number; firstOffset: string; lastOffset: string }[] {
  return Object.entries(record.KafkaBatchInfo.recordsInfo).map(([key, info]) => {
    const separator = key.lastIndexOf('-');
    return {
      topic: key.slice(0, separator),
      partition: Number(key.slice(separator + 1)),
      firstOffset: info.firstRecordOffset,
      lastOffset: info.lastRecordOffset,
    };
  });
}
