import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { ENV } from '../../config/environment';
import { IDEMPOTENCY_TABLE } from '../../config/idempotency';

/** The Powertools persistence layer on the idempotency table (DynamoDB Local when DYNAMODB_ENDPOINT is set). */
export function idempotencyStore(): DynamoDBPersistenceLayer {
  const endpoint = process.env[ENV.dynamodbEndpoint];
  return new DynamoDBPersistenceLayer({
    tableName: process.env[ENV.idempotencyTable] ?? IDEMPOTENCY_TABLE.defaultName,
    keyAttr: IDEMPOTENCY_TABLE.partitionKey,
    expiryAttr: IDEMPOTENCY_TABLE.ttlAttribute,
    ...(endpoint ? { clientConfig: { endpoint } } : {}),
  });
}
