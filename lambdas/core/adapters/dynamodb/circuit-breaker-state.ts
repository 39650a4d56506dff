import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { COORDINATION_TABLE } from '../../config/coordination-table';
import type { CircuitBreakerStateStore } from '../bank/circuit-breaker';
import { coordinationTableClient, coordinationTableName } from './coordination-table';

/**
 * Keeps a circuit breaker's state in one item of the coordination table so that every Lambda instance sees the same breaker.
 * Writes are last-writer-wins: instances race only while the bank's health is changing, and each of them
 * re-reads the state before its next call.
 */
export function dynamodbCircuitBreakerState(stateId: string): CircuitBreakerStateStore {
  const client = coordinationTableClient();
  const tableName = coordinationTableName();
  const key = { [COORDINATION_TABLE.partitionKey]: stateId };
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
