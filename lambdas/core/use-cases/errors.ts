import { AspayError } from '../domain/errors';

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

/** The merchant reused an idempotency key with a different request (caught by the database backstop). */
export class IdempotencyKeyReusedError extends UseCaseError {
  override readonly name = 'IdempotencyKeyReusedError';
  readonly type = 'idempotency_key_reused';
  constructor() {
    super('This idempotency key was already used with a different request body.');
  }
}
