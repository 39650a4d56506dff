/**
 * The Powertools idempotency table: key schema and TTL attribute shared by the handlers,
 * the CDK table and the local DynamoDB bootstrap, so that AWS and local never drift apart.
 */
export const IDEMPOTENCY_TABLE = {
  /** Overridden per stage by `IDEMPOTENCY_TABLE_NAME` (CDK sets it on every function). */
  defaultName: 'aspay-idempotency',
  partitionKey: 'id',
  ttlAttribute: 'expiration',
  /** Keys are kept 24 h. */
  expiresAfterSeconds: 24 * 60 * 60,
} as const;
