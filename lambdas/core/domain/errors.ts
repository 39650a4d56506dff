import type { PaymentStatus } from './payment-status';

/**
 * The stable code of every error ASPay raises on purpose, whatever its layer (the errors of each layer are
 * declared in its own errors.ts). Which codes a client may receive, and with which HTTP status, is the HTTP
 * problem table's business (config/problems.ts, mapped by http/problem-response.ts), not the domain's.
 */
export type ErrorCode =
  // A request the API refuses: its input, its key or its route.
  | 'validation_error'
  | 'malformed_json'
  | 'idempotency_key_missing'
  | 'unauthenticated'
  | 'not_found'
  | 'method_not_allowed'
  | 'idempotency_in_progress'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'idempotency_key_reused'
  | 'rate_limited'
  | 'service_unavailable'
  | 'live_mode_unavailable'
  | 'permission_denied'
  // A processor's event the processor events route refuses.
  | 'processor_signature_invalid'
  | 'processor_signature_expired'
  | 'processor_livemode_mismatch'
  // A business rule refused the operation.
  | 'illegal_transition'
  | 'refund_not_allowed'
  | 'refund_exceeds_available'
  | 'currency_mismatch'
  | 'stored_data_invalid'
  | 'webhook_url_rejected'
  | 'no_webhook_endpoint'
  | 'last_full_access_key'
  // Consumers, the bank and the infrastructure: never answered to a client.
  | 'unsupported_event'
  | 'unreadable_record'
  | 'waiting_for_earlier_event'
  | 'dependency_still_unavailable'
  | 'parked_behind_dead_letter'
  | 'dead_letter_not_stored'
  | 'bank_unavailable'
  | 'mail_unavailable'
  | 'receipt_held'
  | 'session_time_zone'
  | 'configuration_invalid'
  | 'secret_unreadable'
  | 'kms_answer_incomplete';

/**
 * Base of every error ASPay raises on purpose; `type` is its stable `ErrorCode`. Each area has
 * its own base (DomainError here, UseCaseError, HttpError, BankError, DatabaseError, ConfigurationError,
 * SecretError, ConsumerError), so a caller can catch an area. Subclasses set `name` themselves: the Lambda
 * bundles are minified, so a class's own name would read as a mangled one in the logs. An error that wraps
 * another passes it as `cause`.
 */
export abstract class AspayError extends Error {
  abstract readonly type: ErrorCode;
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

/** A merchant over its request rate (domain/rate-limit.ts), told how long to wait. */
export class RateLimitedError extends DomainError {
  override readonly name = 'RateLimitedError';
  readonly type = 'rate_limited';
  constructor(readonly retryAfterSeconds: number) {
    super(
      `Too many requests for this merchant. Retry in ${retryAfterSeconds} s; a POST with the same idempotency key.`,
    );
  }
}

/** A record that cannot even be read: not UTF-8, or not JSON. */
export class UnreadableRecordError extends DomainError {
  override readonly name = 'UnreadableRecordError';
  readonly type = 'unreadable_record';
}

/** A webhook URL (or an address its host resolves to) the URL policy refuses: domain/webhook-url.ts. */
export class WebhookUrlRejectedError extends DomainError {
  override readonly name = 'WebhookUrlRejectedError';
  readonly type = 'webhook_url_rejected';
}
