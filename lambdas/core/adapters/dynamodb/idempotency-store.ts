import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { COORDINATION_TABLE } from '../../config/coordination-table';
import { coordinationTableName, dynamodbClientConfig } from './coordination-table';

/** The Powertools persistence layer: idempotency records in the coordination table. */
export function idempotencyStore(): DynamoDBPersistenceLayer {
  return new DynamoDBPersistenceLayer({
    tableName: coordinationTableName(),
    keyAttr: COORDINATION_TABLE.partitionKey,
    expiryAttr: COORDINATION_TABLE.ttlAttribute,
    clientConfig: dynamodbClientConfig(),
  });
}
