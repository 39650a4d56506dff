/**
 * Every environment variable ASPay's code reads, by name: the only place a name is written. The CDK stack (in
 * AWS) and the local stack (on a laptop) set them, the handlers, the config modules and the CLI read them
 * (through `setting` in settings.ts, which also reads a renamed variable's old name). One scheme: every name
 * ASPay owns starts with `ASPAY_`. Names owned by others keep theirs: `DATABASE_URL` (the convention every
 * PostgreSQL tool reads), AWS_*, POWERTOOLS_*, NODE_*, TZ. The local stack's own settings (its ports, its
 * processes' bookkeeping) are in localstack/src/settings.ts `LOCAL_STACK_ENV`. docs/configuration.md lists
 * them all.
 */
export const ENV = {
  // Where things are: endpoints and resource names.

  /** Full PostgreSQL URL; set locally. In AWS the handlers build it from the secret below. */
  databaseUrl: 'DATABASE_URL',
  /**
   * Secrets Manager secret holding the function's database credentials: its own role's
   * (lambdas/core/config/database-roles.ts), the master user's for the migrate function.
   */
  databaseSecretArn: 'ASPAY_DATABASE_SECRET_ARN',
  /** Comma-separated: the function roles' secrets, from which the migrate function sets their passwords. */
  databaseRoleSecretArns: 'ASPAY_DATABASE_ROLE_SECRET_ARNS',
  /** RDS Proxy endpoint the functions connect to. */
  databaseHost: 'ASPAY_DATABASE_HOST',
  /** The database's name: the one the functions connect to in AWS, the one the local stack creates. */
  databaseName: 'ASPAY_DATABASE_NAME',
  /**
   * Connections a function instance's pool may open, set per function by the CDK stack (its share of the
   * database's connection budget, docs/capacity.md); unset locally.
   */
  databasePoolSize: 'ASPAY_DATABASE_POOL_SIZE',
  /** Comma-separated bootstrap brokers; set locally. */
  kafkaBrokers: 'ASPAY_KAFKA_BROKERS',
  /** MSK cluster ARN; in AWS the brokers are looked up with @aws-sdk/client-kafka. */
  mskClusterArn: 'ASPAY_MSK_CLUSTER_ARN',
  /** The coordination table (config/coordination-table.ts). */
  coordinationTable: 'ASPAY_COORDINATION_TABLE_NAME',
  /** Endpoint override for DynamoDB Local; unset in AWS. */
  dynamodbEndpoint: 'ASPAY_DYNAMODB_ENDPOINT',
  deadLetterQueueUrl: 'ASPAY_DEAD_LETTER_QUEUE_URL',
  /** Endpoint override for ElasticMQ; unset in AWS. */
  sqsEndpoint: 'ASPAY_SQS_ENDPOINT',
  /** The live bank: live-mode payments and refunds only. */
  bankApiUrl: 'ASPAY_BANK_API_URL',
  /** The bank's sandbox: test-mode payments and refunds only (they never reach the live bank). */
  bankSandboxApiUrl: 'ASPAY_BANK_SANDBOX_API_URL',
  /**
   * How the bank connector authenticates to the sandbox: `aws-iam` signs each request with the function's
   * role (SigV4), as the stack's sandbox bank function URL demands; unset, requests go unsigned.
   */
  bankSandboxApiAuth: 'ASPAY_BANK_SANDBOX_API_AUTH',
  /** The in-stack sandbox bank's table of charges, refunds and calls (AWS). */
  sandboxBankTable: 'ASPAY_SANDBOX_BANK_TABLE_NAME',
  stage: 'ASPAY_STAGE',
  /**
   * Which processor each mode's payments and refunds go to (config/processors.ts `PROCESSORS`): `simulator`
   * (ASPay's bank simulator: the in-stack sandbox bank in AWS), `http` (any bank speaking ASPay's bank contract
   * at the mode's bank URL) or `stripe`. Unset: `simulator` for test mode, `http` for live mode.
   */
  testProcessor: 'ASPAY_TEST_PROCESSOR',
  liveProcessor: 'ASPAY_LIVE_PROCESSOR',
  /**
   * Secrets Manager secret holding the mode's Stripe credentials, JSON `{ "secretKey": "sk_…",
   * "webhookSecret": "whsec_…" }` (AWS); readable only by the functions that call Stripe or verify its events.
   */
  stripeTestSecretArn: 'ASPAY_STRIPE_TEST_SECRET_ARN',
  stripeLiveSecretArn: 'ASPAY_STRIPE_LIVE_SECRET_ARN',
  /** The same credentials as plain values, where there is no Secrets Manager (local only, never in AWS). */
  stripeTestSecretKey: 'ASPAY_STRIPE_TEST_SECRET_KEY',
  stripeTestWebhookSecret: 'ASPAY_STRIPE_TEST_WEBHOOK_SECRET',
  stripeLiveSecretKey: 'ASPAY_STRIPE_LIVE_SECRET_KEY',
  stripeLiveWebhookSecret: 'ASPAY_STRIPE_LIVE_WEBHOOK_SECRET',
  /**
   * Where the Stripe API is, per mode: unset in AWS (api.stripe.com); the local stack points test mode at its
   * Stripe simulator.
   */
  stripeTestApiUrl: 'ASPAY_STRIPE_TEST_API_URL',
  stripeLiveApiUrl: 'ASPAY_STRIPE_LIVE_API_URL',
  /** KMS key wrapping the data keys that seal merchants' webhook secrets (AWS). */
  webhookSecretsKeyId: 'ASPAY_WEBHOOK_SECRETS_KEY_ID',
  /** File holding the local stack's key-encryption key for webhook secrets (local only, never in AWS). */
  webhookSecretsKeyFile: 'ASPAY_WEBHOOK_SECRETS_KEY_FILE',
  /**
   * Comma-separated `host:port` pairs exempt from the webhook URL rules: the local stack's sink. The local
   * stack alone sets it; the CDK stack never does (an infra test asserts it).
   */
  webhookAllowHosts: 'ASPAY_WEBHOOK_ALLOW_HOSTS',

  // Settings: each has a production default, in the config module that reads it.

  /** Each merchant's sustained request rate and burst on the API (cdk.json per stage; domain/rate-limit.ts). */
  merchantRequestsPerSecond: 'ASPAY_MERCHANT_REQUESTS_PER_SECOND',
  merchantRequestBurst: 'ASPAY_MERCHANT_REQUEST_BURST',
  /** The bank connector and its circuit breaker (config/bank.ts, docs/bank-processor.md). */
  bankTimeoutMs: 'ASPAY_BANK_TIMEOUT_MS',
  bankMaxAttempts: 'ASPAY_BANK_MAX_ATTEMPTS',
  bankBackoffBaseMs: 'ASPAY_BANK_BACKOFF_BASE_MS',
  breakerFailureThreshold: 'ASPAY_BREAKER_FAILURE_THRESHOLD',
  breakerHalfOpenAfterMs: 'ASPAY_BREAKER_HALF_OPEN_AFTER_MS',
  pendingRetryAfterMs: 'ASPAY_PENDING_RETRY_AFTER_MS',
  pendingRetryMaxMs: 'ASPAY_PENDING_RETRY_MAX_MS',
  bankGiveUpAfterAttempts: 'ASPAY_BANK_GIVE_UP_AFTER_ATTEMPTS',
  bankClaimLeaseMs: 'ASPAY_BANK_CLAIM_LEASE_MS',
  /** A consumer's backoff between a poison record's attempts (config/messaging.ts). */
  consumerRetryBaseMs: 'ASPAY_RETRY_BASE_MS',
  /** Webhook delivery and its retries (config/webhooks.ts, docs/configuration.md). */
  webhookAttempts: 'ASPAY_WEBHOOK_ATTEMPTS',
  webhookBackoffBaseMs: 'ASPAY_WEBHOOK_BACKOFF_BASE_MS',
  webhookTimeoutMs: 'ASPAY_WEBHOOK_TIMEOUT_MS',
  webhookRecordingGraceMs: 'ASPAY_WEBHOOK_RECORDING_GRACE_MS',
  webhookRetryBaseMs: 'ASPAY_WEBHOOK_RETRY_BASE_MS',
  webhookRetryMaxMs: 'ASPAY_WEBHOOK_RETRY_MAX_MS',
  webhookGiveUpAfterMs: 'ASPAY_WEBHOOK_GIVE_UP_AFTER_MS',
  webhookSweepBatch: 'ASPAY_WEBHOOK_SWEEP_BATCH',
  webhookSweepPerMerchant: 'ASPAY_WEBHOOK_SWEEP_PER_MERCHANT',
  webhookMaxResponseBytes: 'ASPAY_WEBHOOK_MAX_RESPONSE_BYTES',
  /**
   * Customer receipts by e-mail (config/receipts.ts, docs/receipts.md): the sender address (unset: no e-mail is
   * sent), and how: through Amazon SES in AWS, or an SMTP server (`smtp://host:port`, the local stack's) when set.
   */
  receiptsFromAddress: 'ASPAY_RECEIPTS_FROM_ADDRESS',
  receiptsSmtpUrl: 'ASPAY_RECEIPTS_SMTP_URL',
} as const;

/**
 * Variables renamed into the `ASPAY_` scheme, new name → old name: the old name is still read, with a one-time
 * deprecation warning, until the next minor release (docs/configuration.md, "Renamed variables"); then this
 * table goes.
 */
export const RENAMED_ENV: Readonly<Partial<Record<string, string>>> = {
  [ENV.databaseSecretArn]: 'DB_SECRET_ARN',
  [ENV.databaseRoleSecretArns]: 'DB_ROLE_SECRET_ARNS',
  [ENV.databaseHost]: 'DB_HOST',
  [ENV.databaseName]: 'DB_NAME',
  [ENV.kafkaBrokers]: 'KAFKA_BROKERS',
  [ENV.mskClusterArn]: 'MSK_CLUSTER_ARN',
  [ENV.coordinationTable]: 'IDEMPOTENCY_TABLE_NAME',
  [ENV.dynamodbEndpoint]: 'DYNAMODB_ENDPOINT',
  [ENV.deadLetterQueueUrl]: 'DLQ_URL',
  [ENV.sqsEndpoint]: 'SQS_ENDPOINT',
  [ENV.bankApiUrl]: 'BANK_API_URL',
  [ENV.bankSandboxApiUrl]: 'BANK_SANDBOX_API_URL',
  [ENV.webhookSecretsKeyId]: 'WEBHOOK_SECRETS_KEY_ID',
  [ENV.merchantRequestsPerSecond]: 'MERCHANT_REQUESTS_PER_SECOND',
  [ENV.merchantRequestBurst]: 'MERCHANT_REQUEST_BURST',
};
