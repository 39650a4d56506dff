import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { merchantRateLimit } from './rate-limit';

/**
 * What a merchant's idempotent POST is built with, once per container, per route: where Powertools keeps its
 * idempotency records, and the merchant's request rate.
 */
export function idempotencyWiring() {
  return { persistenceStore: idempotencyStore(), rateLimit: merchantRateLimit() };
}
