import type { EventEnvelope } from '../../domain/events';
import type { Mode } from '../../domain/mode';
import type { Money } from '../../domain/money';
import type { RefundTotals } from '../../domain/payment';
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

/** A refund just executed or failed, with its payment as locked. */
export interface ConcludedRefund {
  readonly payment: PaymentRecord;
  readonly amount: Money;
  /** Why it was asked for, if the merchant (or the saga) said. */
  readonly reason: string | null;
}

/**
 * What a refund's outcome (executed, failed) does to its payment, decided by the domain while the payment row
 * is locked: its refund totals and status (`RefundTotals`) and the outcome's event.
 */
export interface RefundOutcomeDecision extends RefundTotals {
  readonly event: EventEnvelope;
}

/**
 * One transaction that records a refund's outcome: its payment stays locked from `markExecuted` or
 * `markFailed` to the commit. The refund's row is written before its payment's, as the database's guard
 * checks the payment's totals against its refunds.
 */
export interface RefundOutcomeTransaction {
  /**
   * Locks the refund's payment and marks the refund EXECUTED by the bank's `bankRefundId`. Undefined when the
   * refund is no longer PENDING (executed or failed meanwhile).
   */
  markExecuted(refundId: string, bankRefundId: string): Promise<ConcludedRefund | undefined>;
  /** As `markExecuted`, marking the refund FAILED with `reason`. */
  markFailed(refundId: string, reason: string): Promise<ConcludedRefund | undefined>;
  /**
   * Writes the payment's refund totals and status as decided, a history row (`historyReason`) when the status
   * changes, and the event (outbox).
   */
  applyOutcome(payment: PaymentRecord, decision: RefundOutcomeDecision, historyReason: string): Promise<void>;
}

/** Refunds waiting to be executed at the bank, and the record of their outcome. */
export interface RefundExecutions {
  /** The refund's claim for one bank call (as `PaymentLifecycle.bankClaim`, PENDING refunds only). */
  bankClaim(refundId: string): BankClaim<RefundClaim>;
  /** Recording a refund's outcome: one transaction, see `RefundOutcomeTransaction`. */
  readonly inTransaction: UnitOfWork<RefundOutcomeTransaction>;
  /** As `PaymentLifecycle.deferBankAttempt`, for a refund. */
  defer(refundId: string, holder: string, at: Date, counted: boolean): Promise<void>;
  /**
   * PENDING refunds due for an attempt (recorded `staleAfterMs` ago without one, or past their next attempt
   * time), the longest-due first: refunds that keep failing wait longer and never block the others.
   */
  overdue(now: Date, staleAfterMs: number, limit: number): Promise<string[]>;
}
