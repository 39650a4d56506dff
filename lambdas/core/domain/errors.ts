import type { ProblemCode } from '../config/problems';
import type { PaymentStatus } from './payment-status';

/**
 * Base of every error ASPay raises on purpose; `type` is its stable code from `PROBLEM_TYPES`. Each area has
 * its own base (DomainError here, UseCaseError, HttpError, BankError, DatabaseError, ConfigurationError,
 * SecretError, ConsumerError), so a caller can catch an area. Subclasses set `name` themselves: the Lambda
 * bundles are minified, so a class's own name would read as a mangled one in the logs. An error that wraps
 * another passes it as `cause`.
 */
export abstract class AspayError extends Error {
  abstract readonly type: ProblemCode;
  abstract override readonly name: string;
}

/** A business rule refused the input or the operation; the same input is refused again. */
export abstract class DomainError extends AspayError {}

export interface FieldError {
  /** Dotted path of the offending field, e.g. `amount` or `metadata.order`. */
  field: string;
  code: string;
  message: string;
}

export class ValidationError extends DomainError {
  override readonly name = 'ValidationError';
  readonly type = 'validation_error';

  constructor(
    readonly fieldErrors: FieldError[],
    message = 'The request is invalid.',
  ) {
    super(message);
  }
}

export class IllegalTransitionError extends DomainError {
  override readonly name = 'IllegalTransitionError';
  readonly type = 'illegal_transition';

  constructor(
    readonly from: PaymentStatus,
    readonly to: PaymentStatus,
  ) {
    super(`A payment cannot move from ${from} to ${to}.`);
  }
}

export class RefundNotAllowedError extends DomainError {
  override readonly name = 'RefundNotAllowedError';
  readonly type = 'refund_not_allowed';

  constructor(status: PaymentStatus) {
    super(`Only a SUCCESS payment can be refunded; this one is ${status}.`);
  }
}

export class RefundExceedsAvailableError extends DomainError {
  override readonly name = 'RefundExceedsAvailableError';
  readonly type = 'refund_exceeds_available';

  /** `available`: the amount still refundable, formatted (`refundExceedsAvailable` in money.ts builds it from Money). */
  constructor(readonly available: string) {
    super(`The refund exceeds what remains refundable (${available}).`);
  }
}

/** Money of two currencies combined: a bug, never a request's doing (every amount is read with its currency). */
export class CurrencyMismatchError extends DomainError {
  override readonly name = 'CurrencyMismatchError';
  readonly type = 'currency_mismatch';
}

/** What was read back from storage breaks a rule it was written under (an unknown currency, a missing charge). */
export class StoredDataInvalidError extends DomainError {
  override readonly name = 'StoredDataInvalidError';
  readonly type = 'stored_data_invalid';
}

/** An event the reader cannot accept: malformed envelope or another major version. */
export class UnsupportedEventError extends DomainError {
  override readonly name = 'UnsupportedEventError';
  readonly type = 'unsupported_event';
}
