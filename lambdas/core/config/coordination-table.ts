/**
 * The coordination table: the one DynamoDB table through which Lambda instances share state. It holds three
 * kinds of item, told apart by their key: the Powertools idempotency records of POST requests, the bank
 * circuit breakers' state (`circuit-breaker#…`, config/bank.ts) and the per-merchant request-rate buckets
 * (`request-rate#…`, adapters/dynamodb/rate-limit-store.ts). One table rather than three: the items share a
 * key schema and a TTL, each is small and touched once or twice per request, and one table is one thing to
 * provision, grant and back up. Key schema and TTL attribute are shared by the handlers, the CDK table and the
 * local DynamoDB bootstrap, so that AWS and local never drift apart.
 */
export const COORDINATION_TABLE = {
  /**
   * The local stack's table; in AWS the CDK stack names it and sets the name in `ENV.coordinationTable` on
   * every function. It keeps its first name (the table held only idempotency records then): a new name would
   * be a new, empty table.
   */
  defaultName: 'aspay-idempotency',
  partitionKey: 'id',
  ttlAttribute: 'expiration',
  /** Idempotency records are kept 24 h. */
  idempotencyRecordsExpireAfterSeconds: 24 * 60 * 60,
} as const;
