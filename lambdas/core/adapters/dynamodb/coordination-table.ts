import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { COORDINATION_TABLE } from '../../config/coordination-table';
import { ENV } from '../../config/environment';
import { setting } from '../../config/settings';

/** The coordination table's name: the CDK stack's, else the local stack's. */
export function coordinationTableName(): string {
  return setting(ENV.coordinationTable) ?? COORDINATION_TABLE.defaultName;
}

/** DynamoDB Local when its endpoint is set, else the Region's DynamoDB. */
export function dynamodbClientConfig(): { endpoint?: string } {
  const endpoint = setting(ENV.dynamodbEndpoint);
  return endpoint ? { endpoint } : {};
}

export function coordinationTableClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(dynamodbClientConfig()));
}
