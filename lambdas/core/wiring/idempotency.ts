import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';

/** Where Powertools keeps the idempotency records of the merchant's POSTs: built once per container, per route. */
export function idempotencyWiring() {
  return { persistenceStore: idempotencyStore() };
}
