import type { EventEnvelope } from '../../domain/events';
import type { Mode } from '../../domain/mode';
import type { Money } from '../../domain/money';
import type { PaymentStatus } from '../../domain/payment';
import type { BankClaim } from './bank-claims';
import type { PaymentRecord } from './payments';
import type { UnitOfWork } from './unit-of-work';

/** A recorded refund claimed for one bank call, with what the bank needs. */
export interface RefundClaim {
  readonly paymentId: string;
  readonly merchantId: string;
  /** Its payment's mode: which bank executes it. */
  readonly mode: Mode;
  readonly chargeId: string;
  readonly amount: Money;
  /** Bank attempts made so far without a decision. */
  readonly bankAttempts: number;
}

/** What a failed refund does to its payment, decided by the domain while the payment row is locked. */
export interface RefundFailureDecision {
  readonly refundedAfter: Money;
  readonly statusAfter: PaymentStatus;
  readonly event: EventEnvelope;
}

/** One transaction that fails a refund: its payment stays locked from `markFailed` to the commit. */
export interface RefundFailureTransaction {
  /**
   * Locks the refund's payment and marks the refund FAILED with `reason`. Undefined when the refund is no
   * longer PENDING (executed or failed meanwhile).
   */
  markFailed(
    refundId: string,
    reason: string,
  ): Promise<{ payment: PaymentRecord; amount: Money } | undefined>;
  /**
   * Gives the failed refund's amount back: the payment's refunded amount and status as decided, a history row
   * (`historyReason`) when the status changes, and the event (outbox).
   */
  giveBack(payment: PaymentRecord, decision: RefundFailureDecision, historyReason: string): Promise<void>;
}

/** Refunds waiting to be executed at the bank, and the record of their outcome. */
export interface RefundExecutions {
  /** The refund's claim for one bank call (as `PaymentLifecycle.bankClaim`, PENDING refunds only). */
  bankClaim(refundId: string): BankClaim<RefundClaim>;
  /** Records the bank's refund and its `payment.refund_executed` event (one transaction). */
  markExecuted(
    refundId: string,
    bankRefundId: string,
    event: EventEnvelope<'payment.refund_executed'>,
  ): Promise<void>;
  /** Failing a refund: one transaction, see `RefundFailureTransaction`. */
  readonly inTransaction: UnitOfWork<RefundFailureTransaction>;
  /** As `PaymentLifecycle.deferBankAttempt`, for a refund. */
  defer(refundId: string, holder: string, at: Date, counted: boolean): Promise<void>;
  /**
   * PENDING refunds due for an attempt (recorded `staleAfterMs` ago without one, or past their next attempt
   * time), the longest-due first: refunds that keep failing wait longer and never block the others.
   */
  overdue(now: Date, staleAfterMs: number, limit: number): Promise<string[]>;
}
