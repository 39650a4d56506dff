import type { Money } from '../../domain/money';
import type { RefundStatus } from '../../domain/payment';
import type { ProcessorEvent, ProcessorEventOutcome } from '../../domain/processor-events';
import type { PaymentLifecycle } from './payment-lifecycle';
import type { PaymentRecord } from './payments';
import type { RefundOutcomeTransaction } from './refund-executions';
import type { UnitOfWork } from './unit-of-work';

/** What ASPay found for an event, recorded with its outcome. */
export interface ProcessorEventFindings {
  readonly paymentId?: string;
  readonly refundId?: string;
  readonly details?: Readonly<Record<string, string | number>>;
}

/**
 * One transaction per processor event: it is recorded first (a repeated delivery stops there), then its
 * payment is locked, so that the events of one payment apply one after the other, and the change, its history
 * and its event are written with the event's outcome. A refund's outcome is `RefundOutcomeTransaction`'s.
 */
export interface ProcessorEventTransaction extends RefundOutcomeTransaction {
  /** Records the event as received; false when its id is already recorded (nothing else may be done then). */
  record(event: ProcessorEvent): Promise<boolean>;
  /** The event's outcome and what it was about. */
  conclude(eventId: string, outcome: ProcessorEventOutcome, findings: ProcessorEventFindings): Promise<void>;
  /** Locks and reads the payment (FOR UPDATE); undefined when there is none. */
  lockPayment(paymentId: string): Promise<PaymentRecord | undefined>;
  /** Locks and reads the payment the bank charged as `chargeId`. */
  lockPaymentCharged(chargeId: string): Promise<PaymentRecord | undefined>;
  /** The payment's refund, as it stands; undefined when the payment has no such refund. */
  refundOf(
    paymentId: string,
    refundId: string,
  ): Promise<{ status: RefundStatus; amount: Money; bankRefundId: string | null } | undefined>;
  /** `PaymentLifecycle.transition`, in this transaction. */
  transition: PaymentLifecycle['transition'];
  /**
   * An EXECUTED refund FAILED with `reason` (the processor failed it after accepting it); its amount, or
   * undefined when it was not EXECUTED. The payment must be locked.
   */
  markReversed(refundId: string, reason: string): Promise<Money | undefined>;
}

export interface ProcessorEvents {
  readonly inTransaction: UnitOfWork<ProcessorEventTransaction>;
}
