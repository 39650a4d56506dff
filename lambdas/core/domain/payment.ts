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
 * The lifecycle: INITIATED → PENDING → SUCCESS | FAILED, and SUCCESS → REFUNDED once the bank has executed
 * refunds for the whole amount. FAILED and REFUNDED are final. The database enforces the same graph with a
 * trigger (migrations/0001_payments.sql); the one correction it also allows, a refund the processor failed
 * after executing it, is `planRefundFailure` below (0005, 0018).
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

/**
 * A payment's refunds in two totals: what the bank executed (`refunded`) and what is recorded and still waits
 * for the bank (`pending`). Only executed refunds move the payment: REFUNDED once they cover the amount. The
 * database holds the same rule (migrations/0019): each total is the sum of its refunds in that state.
 */
interface RefundTotalsOf {
  readonly status: PaymentStatus;
  readonly amount: Money;
  readonly refunded: Money;
  readonly pending: Money;
}

/** A payment's refund totals and status after a refund is recorded, executed or failed. */
export interface RefundTotals {
  readonly refundedAfter: Money;
  readonly pendingAfter: Money;
  readonly statusAfter: PaymentStatus;
}

export interface RefundPlan extends RefundTotals {
  readonly refund: Money;
}

function totalsAfter(amount: Money, refundedAfter: Money, pendingAfter: Money): RefundTotals {
  return {
    refundedAfter,
    pendingAfter,
    statusAfter: compareMoney(refundedAfter, amount) === 0 ? 'REFUNDED' : 'SUCCESS',
  };
}

/**
 * Records a refund of a SUCCESS payment: it is pending until the bank executes it, and the payment stays
 * SUCCESS. What remains to refund counts the pending refunds too, so the refunds, executed and pending, can
 * never exceed the amount. `requested` undefined means "everything that remains", refused when nothing does.
 */
export function planRefund(input: RefundTotalsOf & { requested?: Money }): RefundPlan {
  if (input.status !== 'SUCCESS') throw new RefundNotAllowedError(input.status);
  const remaining = subtractMoney(subtractMoney(input.amount, input.refunded), input.pending);
  const refund = input.requested ?? remaining;
  if (refund.currency.code !== input.amount.currency.code) {
    throw new ValidationError([
      { field: 'amount', code: 'currency_mismatch', message: `Refund in ${input.amount.currency.code}.` },
    ]);
  }
  // Nothing left (refunded or pending in full): even "everything that remains" is refused, never a zero refund.
  if (refund.amount.isZero() || compareMoney(refund, remaining) > 0) throw refundExceedsAvailable(remaining);
  return { refund, ...totalsAfter(input.amount, input.refunded, addMoney(input.pending, refund)) };
}

/**
 * The bank executed a pending refund: its amount moves from pending to refunded, and the refund that completes
 * the amount moves the payment SUCCESS → REFUNDED.
 */
export function planRefundExecution(input: RefundTotalsOf & { executed: Money }): RefundTotals {
  if (input.status !== 'SUCCESS') throw new RefundNotAllowedError(input.status);
  if (compareMoney(input.executed, input.pending) > 0) throw refundExceedsAvailable(input.pending);
  return totalsAfter(
    input.amount,
    addMoney(input.refunded, input.executed),
    subtractMoney(input.pending, input.executed),
  );
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
 * A refund that did not happen makes its amount available again. One the bank never executed leaves the
 * pending total, and the payment's status and refunded amount are as they were. One the bank had executed and
 * then failed (`wasExecuted`) leaves the refunded total: a payment it had moved to REFUNDED is SUCCESS again
 * (the money came back to the merchant).
 */
export function planRefundFailure(
  input: RefundTotalsOf & { failed: Money; wasExecuted: boolean },
): RefundTotals {
  if (input.status !== 'SUCCESS' && input.status !== 'REFUNDED')
    throw new RefundNotAllowedError(input.status);
  const from = input.wasExecuted ? input.refunded : input.pending;
  if (compareMoney(input.failed, from) > 0) throw refundExceedsAvailable(from);
  const left = subtractMoney(from, input.failed);
  return input.wasExecuted
    ? totalsAfter(input.amount, left, input.pending)
    : totalsAfter(input.amount, input.refunded, left);
}
