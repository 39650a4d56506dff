import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { COORDINATION_TABLE } from '../../config/coordination-table';
import { cellRate, type RequestRate, retryAfterSeconds } from '../../domain/rate-limit';
import type { RateLimitStore } from '../../use-cases/ports/merchants';
import { coordinationTableClient, coordinationTableName } from './coordination-table';

/** Items share the coordination table with idempotency records and breaker state, under their own prefix. */
export function requestRateItemId(merchantId: string): string {
  return `request-rate#${merchantId}`;
}
/** An item idle this long after its bucket refilled is deleted by the table's TTL. */
const IDLE_EXPIRY_SECONDS = 60;
/** Conditional writes lost to concurrent requests of the same merchant before giving up with a retry hint. */
const MAX_ATTEMPTS = 4;

/**
 * The cell rate algorithm on one item per merchant in the coordination table, with conditional updates only, so every Lambda
 * instance shares one budget without locks: while the merchant is busy (`tat` ≥ now) an admitted take of
 * `count` requests moves `tat` on by `count` intervals; after a pause it restarts `tat` from now. When neither
 * condition holds, `tat` lies beyond the burst: the take is refused with the wait that remains.
 */
export function dynamodbRateLimitStore(): RateLimitStore {
  const client = coordinationTableClient();
  const tableName = coordinationTableName();

  async function conditionalUpdate(input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>) {
    try {
      await client.send(new UpdateCommand({ TableName: tableName, ...input }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  return {
    async take(merchantId, rate: RequestRate, nowMs, count = 1) {
      if (!Number.isInteger(count) || count < 1 || count > rate.burst)
        throw new RangeError(`cannot take ${count} requests at once with a burst of ${rate.burst}`);
      const key = { [COORDINATION_TABLE.partitionKey]: requestRateItemId(merchantId) };
      const { intervalMs, latestTatMs } = cellRate(rate, nowMs, count);
      const expiry = Math.ceil((nowMs + rate.burst * intervalMs) / 1000) + IDLE_EXPIRY_SECONDS;
      const names = { '#tat': 'tat', '#expiry': COORDINATION_TABLE.ttlAttribute };
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
        const busy = await conditionalUpdate({
          Key: key,
          UpdateExpression: 'SET #tat = #tat + :interval, #expiry = :expiry',
          ConditionExpression: '#tat BETWEEN :now AND :latest',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ':interval': count * intervalMs,
            ':expiry': expiry,
            ':now': nowMs,
            ':latest': latestTatMs,
          },
        });
        if (busy) return { admitted: true };
        const rested = await conditionalUpdate({
          Key: key,
          UpdateExpression: 'SET #tat = :next, #expiry = :expiry',
          ConditionExpression: 'attribute_not_exists(#tat) OR #tat < :now',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ':next': nowMs + count * intervalMs,
            ':expiry': expiry,
            ':now': nowMs,
          },
        });
        if (rested) return { admitted: true };
        // Both failed: tat is past the burst, or a concurrent request moved it between the two writes.
        const { Item } = await client.send(
          new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
        );
        const tatMs = Number(Item?.tat);
        if (tatMs > latestTatMs)
          return { admitted: false, retryAfterSeconds: retryAfterSeconds(tatMs, rate, nowMs, count) };
      }
      return { admitted: false, retryAfterSeconds: 1 };
    },
  };
}
