/**
 * Names of the environment variables through which the CDK stack (in AWS) and the local stack
 * (on a laptop) hand endpoints and resource names to the same handler code.
 */
export const ENV = {
  /** Full PostgreSQL URL; set locally. In AWS the handlers build it from the secret below. */
  databaseUrl: 'DATABASE_URL',
  /** Secrets Manager secret holding the Aurora credentials (RDS Proxy authenticates with it). */
  databaseSecretArn: 'DB_SECRET_ARN',
  /** RDS Proxy endpoint the functions connect to. */
  databaseHost: 'DB_HOST',
  databaseName: 'DB_NAME',
  /** Comma-separated bootstrap brokers; set locally. */
  kafkaBrokers: 'KAFKA_BROKERS',
  /** MSK cluster ARN; in AWS the brokers are looked up with @aws-sdk/client-kafka. */
  mskClusterArn: 'MSK_CLUSTER_ARN',
  idempotencyTable: 'IDEMPOTENCY_TABLE_NAME',
  /** Endpoint override for DynamoDB Local; unset in AWS. */
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  deadLetterQueueUrl: 'DLQ_URL',
  /** Endpoint override for ElasticMQ; unset in AWS. */
  sqsEndpoint: 'SQS_ENDPOINT',
  /** The live bank: live-mode payments and refunds only. */
  bankApiUrl: 'BANK_API_URL',
  /** The bank's sandbox: test-mode payments and refunds only (they never reach the live bank). */
  bankSandboxApiUrl: 'BANK_SANDBOX_API_URL',
  stage: 'ASPAY_STAGE',
} as const;
