/**
 * Names of the environment variables through which the CDK stack (in AWS) and the local stack
 * (on a laptop) hand endpoints and resource names to the same handler code.
 */
export const ENV = {
  /** Full PostgreSQL URL; set locally. In AWS the handlers build it from the secret below. */
  databaseUrl: 'DATABASE_URL',
  /**
   * Secrets Manager secret holding the function's database credentials: its own role's
   * (lambdas/core/config/database-roles.ts), the master user's for the migrate function.
   */
  databaseSecretArn: 'DB_SECRET_ARN',
  /** Comma-separated: the function roles' secrets, from which the migrate function sets their passwords. */
  databaseRoleSecretArns: 'DB_ROLE_SECRET_ARNS',
  /** RDS Proxy endpoint the functions connect to. */
  databaseHost: 'DB_HOST',
  databaseName: 'DB_NAME',
  /**
   * Connections a function instance's pool may open, set per function by the CDK stack (its share of the
   * database's connection budget, docs/capacity.md); unset locally.
   */
  databasePoolSize: 'DB_POOL_SIZE',
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
  /** Each merchant's sustained request rate and burst on the API (cdk.json per stage; see rate-limits.ts). */
  merchantRequestsPerSecond: 'MERCHANT_REQUESTS_PER_SECOND',
  merchantRequestBurst: 'MERCHANT_REQUEST_BURST',
  /** The bank's sandbox: test-mode payments and refunds only (they never reach the live bank). */
  bankSandboxApiUrl: 'BANK_SANDBOX_API_URL',
  /**
   * How the bank connector authenticates to the sandbox: `aws-iam` signs each request with the function's
   * role (SigV4), as the stack's sandbox bank function URL demands; unset, requests go unsigned.
   */
  bankSandboxApiAuth: 'BANK_SANDBOX_API_AUTH',
  /** The in-stack sandbox bank's table of charges, refunds and calls (AWS). */
  sandboxBankTable: 'SANDBOX_BANK_TABLE_NAME',
  stage: 'ASPAY_STAGE',
  /** KMS key wrapping the data keys that seal merchants' webhook secrets (AWS). */
  webhookSecretsKeyId: 'WEBHOOK_SECRETS_KEY_ID',
  /** File holding the local stack's key-encryption key for webhook secrets (local only, never in AWS). */
  webhookSecretsKeyFile: 'ASPAY_WEBHOOK_SECRETS_KEY_FILE',
} as const;
