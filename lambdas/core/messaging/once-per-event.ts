import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { IDEMPOTENCY_TABLE } from '../config/idempotency';
import type { EventEnvelope } from '../domain/events';

/** Runs `handle` on an event, holding the event for `holdMs` (see `oncePerEvent`). */
export type OncePerEvent<R> = (event: EventEnvelope, context: Context, holdMs: number) => Promise<R>;

/**
 * `handle` run once per event id (Powertools idempotency on DynamoDB), its configuration built once per
 * container. Each invocation registers its context with the time it holds the event, so the in-progress
 * record of an invocation that dies mid-way expires after `holdMs` instead of living for the 24 h record
 * expiry: https://docs.powertools.aws.dev/lambda/typescript/latest/features/idempotency/#lambda-timeouts
 * `handle` receives the end of that hold.
 */
export function oncePerEvent<R>(
  keyPrefix: string,
  handle: (event: EventEnvelope, heldUntil: Date) => Promise<R>,
): OncePerEvent<R> {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'eventId',
    expiresAfterSeconds: IDEMPOTENCY_TABLE.expiresAfterSeconds,
  });
  // The payload to hash is the first argument, the event.
  const once = makeIdempotent(handle, { persistenceStore: idempotencyStore(), keyPrefix, config });
  return (event, context, holdMs) => {
    config.registerLambdaContext({ ...context, getRemainingTimeInMillis: () => holdMs });
    return once(event, new Date(Date.now() + holdMs));
  };
}
