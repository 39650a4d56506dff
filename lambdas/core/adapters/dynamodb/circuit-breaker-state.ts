import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../config/environment';
import { IDEMPOTENCY_TABLE } from '../../config/idempotency';
import type { CircuitBreakerStateStore } from '../bank/circuit-breaker';

/**
 * Keeps a circuit breaker's state in one DynamoDB item so that every Lambda instance sees the same breaker.
 * Writes are last-writer-wins: instances race only while the bank's health is changing, and each of them
 * re-reads the state before its next call.
 */
export function dynamodbCircuitBreakerState(stateId: string): CircuitBreakerStateStore {
  const endpoint = process.env[ENV.dynamodbEndpoint];
  const client = DynamoDBDocumentClient.from(new DynamoDBClient(endpoint ? { endpoint } : {}));
  const tableName = process.env[ENV.idempotencyTable] ?? IDEMPOTENCY_TABLE.defaultName;
  const key = { [IDEMPOTENCY_TABLE.partitionKey]: stateId };
  return {
    async load() {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
      );
      return Item?.state ? JSON.parse(Item.state as string) : undefined;
    },
    async save(state) {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...key, state: JSON.stringify(state), updatedAt: new Date().toISOString() },
        }),
      );
    },
  };
}
