import { IllegalTransitionError, RefundNotAllowedError, ValidationError } from './errors';
import { addMoney, compareMoney, type Money, refundExceedsAvailable, subtractMoney } from './money';
import type { PaymentStatus } from './payment-status';

export {
  PAYMENT_STATUSES,
  type PaymentStatus,
  REFUND_STATUSES,
  type RefundStatus,
} from './payment-status';

/**
 * The lifecycle: INITIATED → PENDING → SUCCESS | FAILED, and SUCCESS → REFUNDED. FAILED and REFUNDED are
 * final. The database enforces the same graph with a trigger (migrations/0001_payments.sql); the one
 * correction it also allows, a refund the bank rejected, is `planRefundFailure` below (0005).
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  INITIATED: ['PENDING'],
  PENDING: ['SUCCESS', 'FAILED'],
  SUCCESS: ['REFUNDED'],
  FAILED: [],
  REFUNDED: [],
};

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

export function assertTransition(from: PaymentStatus, to: PaymentStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

export function isTerminal(status: PaymentStatus): boolean {
  return ALLOWED_TRANSITIONS[status].length === 0;
}

export interface RefundPlan {
  readonly refund: Money;
  readonly refundedAfter: Money;
  readonly statusAfter: PaymentStatus;
}

/**
 * The refund model: partial refunds accumulate in the payment's refunded amount while it stays SUCCESS; the
 * refund that brings the refunded amount to the full amount moves the payment to REFUNDED. `requested`
 * undefined means "everything that remains". The sum of refunds can never exceed the amount.
 */
export function planRefund(input: {
  status: PaymentStatus;
  amount: Money;
  refunded: Money;
  requested?: Money;
}): RefundPlan {
  if (input.status !== 'SUCCESS') throw new RefundNotAllowedError(input.status);
  const remaining = subtractMoney(input.amount, input.refunded);
  const refund = input.requested ?? remaining;
  if (refund.currency.code !== input.amount.currency.code) {
    throw new ValidationError([
      { field: 'amount', code: 'currency_mismatch', message: `Refund in ${input.amount.currency.code}.` },
    ]);
  }
  if (compareMoney(refund, remaining) > 0) throw refundExceedsAvailable(remaining);
  const refundedAfter = addMoney(input.refunded, refund);
  return {
    refund,
    refundedAfter,
    statusAfter: compareMoney(refundedAfter, input.amount) === 0 ? 'REFUNDED' : 'SUCCESS',
  };
}

/** Why a recorded refund did not happen at the bank: a definite rejection, or the retries ran out. */
export type RefundFailure =
  | { readonly kind: 'rejected'; readonly reason: string }
  | { readonly kind: 'gave_up'; readonly attempts: number; readonly lastReason: string };

export function refundFailureReason(failure: RefundFailure): string {
  return failure.kind === 'rejected'
    ? `rejected by the bank: ${failure.reason}`
    : `bank unavailable after ${failure.attempts} attempts: ${failure.lastReason}`;
}

/**
 * A refund the bank did not execute gives its amount back: the refunded amount shrinks by it, and a payment
 * that this refund had moved to REFUNDED is SUCCESS again (the money never left the merchant). The payment
 * must be SUCCESS or REFUNDED and the refund must fit in what is refunded.
 */
export function planRefundFailure(input: {
  status: PaymentStatus;
  amount: Money;
  refunded: Money;
  failed: Money;
}): { refundedAfter: Money; statusAfter: PaymentStatus } {
  if (input.status !== 'SUCCESS' && input.status !== 'REFUNDED')
    throw new RefundNotAllowedError(input.status);
  if (compareMoney(input.failed, input.refunded) > 0) throw refundExceedsAvailable(input.refunded);
  const refundedAfter = subtractMoney(input.refunded, input.failed);
  return {
    refundedAfter,
    statusAfter: compareMoney(refundedAfter, input.amount) === 0 ? 'REFUNDED' : 'SUCCESS',
  };
}
