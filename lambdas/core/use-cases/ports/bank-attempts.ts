import type { EventEnvelope } from '../../domain/events';
import type { Mode } from '../../domain/mode';
import type { Money } from '../../domain/money';
import type { PaymentStatus } from '../../domain/payment';
import type { PaymentRecord } from './payments';
import type { UnitOfWork } from './unit-of-work';

/** Work waiting on the bank: payments and refunds claimed for one bank call at a time, and their outcome. */

/**
 * A claim's lease as its holder asks for it: `holder` names this claim (a random id per claim), and the
 * claim lasts until `now + leaseMs` unless the holder renews it.
 */
export interface BankClaimLease {
  readonly holder: string;
  readonly now: Date;
  readonly leaseMs: number;
}

/**
 * One payment's or refund's bank-attempt claim, as its store takes, renews, reads and gives it back: only the
 * holder of an unexpired claim may call the bank for it.
 */
export interface BankClaim<C> {
  /**
   * Claims it for `lease.holder`, unless another caller holds a claim whose lease has not expired. Undefined
   * when it no longer waits on the bank (settled) or is claimed. Recording its outcome releases the claim.
   */
  claim(lease: BankClaimLease): Promise<C | undefined>;
  /** Extends the holder's claim to `now + leaseMs`; false when it is no longer the holder's (or settled). */
  renew(lease: BankClaimLease): Promise<boolean>;
  /** When the current claim expires; undefined when it is unclaimed or settled. */
  expiry(): Promise<Date | undefined>;
  /**
   * Gives the holder's claim back without an outcome (the work after the claim failed), so a retry may claim
   * at once; nothing when another caller has taken it over.
   */
  release(holder: string): Promise<void>;
}

/** The payment lifecycle as the background processors drive it (no merchant scoping: internal callers). */
export interface PaymentLifecycle {
  find(paymentId: string): Promise<PaymentRecord | undefined>;
  /**
   * Moves the payment from `from` to `to` only if it is still in `from` (a conditional update), appending the
   * history row and, when there is one, the event (outbox) in the same transaction. Returns undefined when it
   * was not in `from`.
   */
  transition(
    paymentId: string,
    from: PaymentStatus,
    to: PaymentStatus,
    change: { reason?: string; bankChargeId?: string; event?: EventEnvelope },
  ): Promise<PaymentRecord | undefined>;
  /** The payment's claim for one bank call (PENDING payments only). */
  bankClaim(paymentId: string): BankClaim<BankAttemptClaim>;
  /**
   * Leaves the payment PENDING until `at` and releases the claim, if `holder` still holds it; `counted`: the
   * bank was asked (without a decision), which counts towards the attempt limit.
   */
  deferBankAttempt(paymentId: string, holder: string, at: Date, counted: boolean): Promise<void>;
  /** PENDING payments whose next bank attempt is due, or that have waited `staleAfterMs` without one. */
  duePending(now: Date, staleAfterMs: number, limit: number): Promise<PaymentRecord[]>;
}

export interface BankAttemptClaim {
  readonly payment: PaymentRecord;
  /** Bank attempts made so far without a decision. */
  readonly bankAttempts: number;
}

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
