import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { COORDINATION_TABLE } from '../../config/coordination-table';
import type { CircuitBreakerStateStore } from '../bank/circuit-breaker';
import { coordinationTableClient, coordinationTableName } from './coordination-table';

/**
 * Keeps a circuit breaker's state in one item of the coordination table so that every Lambda instance sees the
 * same breaker. Each write is conditional on the version the writer read (an optimistic lock): instances race
 * whenever calls overlap, and a write from a stale read would undo what another instance decided meanwhile
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html).
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
      return {
        state: Item?.state ? JSON.parse(Item.state as string) : undefined,
        version: typeof Item?.version === 'number' ? Item.version : 0,
      };
    },
    async save(state, version) {
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...key,
              state: JSON.stringify(state),
              version: version + 1,
              updatedAt: new Date().toISOString(),
            },
            // An item written before versions were kept has none: it counts as version 0.
            ConditionExpression: version === 0 ? 'attribute_not_exists(#version)' : '#version = :version',
            ExpressionAttributeNames: { '#version': 'version' },
            ...(version === 0 ? {} : { ExpressionAttributeValues: { ':version': version } }),
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
  };
}
