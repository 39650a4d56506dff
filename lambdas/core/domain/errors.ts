import type { PaymentStatus } from './payment-status';

/** Base of every error ASPay explains to a caller; `type` is a stable machine-readable code. */
export abstract class AspayError extends Error {
  abstract readonly type: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export interface FieldError {
  /** Dotted path of the offending field, e.g. `amount` or `metadata.order`. */
  field: string;
  code: string;
  message: string;
}

export class ValidationError extends AspayError {
  readonly type = 'validation_error';

  constructor(
    readonly fieldErrors: FieldError[],
    message = 'The request is invalid.',
  ) {
    super(message);
  }
}

export class IllegalTransitionError extends AspayError {
  readonly type = 'illegal_transition';

  constructor(
    readonly from: PaymentStatus,
    readonly to: PaymentStatus,
  ) {
    super(`A payment cannot move from ${from} to ${to}.`);
  }
}

export class RefundNotAllowedError extends AspayError {
  readonly type = 'refund_not_allowed';

  constructor(status: PaymentStatus) {
    super(`Only a SUCCESS payment can be refunded; this one is ${status}.`);
  }
}

export class RefundExceedsAvailableError extends AspayError {
  readonly type = 'refund_exceeds_available';

  constructor(readonly available: string) {
    super(`The refund exceeds what remains refundable (${available}).`);
  }
}

/** An event the reader cannot accept: malformed envelope or another major version. */
export class UnsupportedEventError extends AspayError {
  readonly type = 'unsupported_event';
}
