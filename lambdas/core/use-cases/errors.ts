import { AspayError } from '../domain/errors';

/** A payment that does not exist or belongs to another merchant: the same answer, so nothing leaks. */
export class PaymentNotFoundError extends AspayError {
  readonly type = 'not_found';
  constructor() {
    super('No such payment.');
  }
}

/** The merchant reused an idempotency key with a different request (caught by the database backstop). */
export class IdempotencyKeyReusedError extends AspayError {
  readonly type = 'idempotency_key_reused';
  constructor() {
    super('This idempotency key was already used with a different request body.');
  }
}
