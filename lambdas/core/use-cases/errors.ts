import { AspayError } from '../domain/errors';
import type { Parking } from './ports/consumers';

/** A request the use cases refuse for what is stored: a missing payment, a reused key, an event out of order. */
export abstract class UseCaseError extends AspayError {}

/** A payment that does not exist or belongs to another merchant: the same answer, so nothing leaks. */
export class PaymentNotFoundError extends UseCaseError {
  override readonly name = 'PaymentNotFoundError';
  readonly type = 'not_found';
  constructor() {
    super('No such payment.');
  }
}

/** A refund that does not exist, or is another merchant's or the other mode's: the same answer. */
export class RefundNotFoundError extends UseCaseError {
  override readonly name = 'RefundNotFoundError';
  readonly type = 'not_found';
  constructor() {
    super('No such refund.');
  }
}

/** An event that does not exist, is internal, or is another merchant's or the other mode's: the same answer. */
export class EventNotFoundError extends UseCaseError {
  override readonly name = 'EventNotFoundError';
  readonly type = 'not_found';
  constructor() {
    super('No such event.');
  }
}

/** An event asked to be sent again to a merchant that has no webhook endpoint to send it to. */
export class NoWebhookEndpointError extends UseCaseError {
  override readonly name = 'NoWebhookEndpointError';
  readonly type = 'no_webhook_endpoint';
  constructor() {
    super('The merchant has no webhook endpoint to send the event to.');
  }
}

/** An API key that does not exist, or is another merchant's or the other mode's: the same answer. */
export class ApiKeyNotFoundError extends UseCaseError {
  override readonly name = 'ApiKeyNotFoundError';
  readonly type = 'not_found';
  constructor() {
    super('No such API key.');
  }
}

/** Revoking the mode's last usable full-access key would leave the merchant unable to manage its keys. */
export class LastFullAccessKeyError extends UseCaseError {
  override readonly name = 'LastFullAccessKeyError';
  readonly type = 'last_full_access_key';
  constructor() {
    super(
      "This is the mode's last full-access key: roll it (the new key replaces it) rather than revoke it.",
    );
  }
}

/** The merchant reused an idempotency key with a different request (caught by the database backstop). */
export class IdempotencyKeyReusedError extends UseCaseError {
  override readonly name = 'IdempotencyKeyReusedError';
  readonly type = 'idempotency_key_reused';
  constructor() {
    super('This idempotency key was already used with a different request body.');
  }
}

/**
 * A refund of a payment whose own entry the ledger has neither posted nor refused: its capture has not been
 * processed (e.g. it was dead-lettered). Posting nothing would lose the reversal for good, so the refund is
 * dead-lettered behind it and replayed once the capture is redriven.
 */
export class WaitingForEarlierEventError extends UseCaseError {
  override readonly name = 'WaitingForEarlierEventError';
  readonly type = 'waiting_for_earlier_event';
  constructor(paymentId: string) {
    super(`payment ${paymentId} has no posted capture yet: its refund waits for the earlier event`);
  }
}

/** An error's name and message for a log or a dead letter; anything else thrown, as a string. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A consumer's own control flow, never answered to anyone: the batch is retried, or a record waits. */
export abstract class ConsumerError extends AspayError {}

/**
 * A dependency stayed unavailable until the invocation ran out of time: the batch fails as a whole, nothing
 * is dead-lettered and no offset is committed past it, so the event source mapping delivers it again.
 */
export class DependencyStillUnavailableError extends ConsumerError {
  override readonly name = 'DependencyStillUnavailableError';
  readonly type = 'dependency_still_unavailable';
  constructor(readonly lastError: unknown) {
    super(
      `a dependency is still unavailable as the invocation runs out of time; the batch is retried: ${describeError(lastError)}`,
      { cause: lastError },
    );
  }
}

/**
 * Another holder's claim on an event's receipt lasts beyond this invocation, or took over this caller's: the
 * record is tried again later, when that claim has passed (its holder sent the receipt, or died).
 */
export class ReceiptHeldError extends ConsumerError {
  override readonly name = 'ReceiptHeldError';
  readonly type = 'receipt_held';
  constructor(eventId: string) {
    super(`the receipt of event ${eventId} is held by another sender for now`);
  }
}

/** A later event of a payment whose earlier event this consumer dead-lettered: it waits behind that letter. */
export class ParkedBehindDeadLetterError extends ConsumerError {
  override readonly name = 'ParkedBehindDeadLetterError';
  readonly type = 'parked_behind_dead_letter';
  constructor(paymentId: string, parking: Parking) {
    super(
      `payment ${paymentId} is parked behind dead letter ${parking.letterId} (partition ${parking.partition}); redrive that letter first`,
    );
  }
}
