import type { EventEnvelope } from '../../domain/events';
import type { Money } from '../../domain/money';
import type { RefundStatus } from '../../domain/payment';
import type { MerchantScope } from './merchants';
import type { PaymentRecord } from './payments';
import type { UnitOfWork } from './unit-of-work';

/** Refunds as the API and the saga record them against their payment. */

export interface RefundRecord {
  readonly id: string;
  readonly paymentId: string;
  readonly amount: Money;
  readonly reason: string | null;
  readonly requestHash: string;
  readonly status: RefundStatus;
  /** Why it failed (FAILED only). */
  readonly failureReason: string | null;
  readonly createdAt: Date;
  /** When its status last changed: its execution or failure, else its creation. */
  readonly updatedAt: Date;
}

export interface NewRefund {
  readonly id: string;
  /** A merchant's refund, or the saga's compensation of a payment the ledger could not post. */
  readonly kind: 'merchant' | 'compensation';
  readonly idempotencyKey: string;
  readonly requestHash: string;
  readonly amount: Money;
  readonly reason: string | null;
}

/**
 * What recording a refund does to its payment (its pending total grows), decided by the domain while the
 * payment row is locked.
 */
export interface RefundDecision {
  readonly refund: NewRefund;
  readonly pendingAfter: Money;
  readonly event: EventEnvelope;
}

/** One transaction over a payment and its refunds: the payment stays locked from `lockPayment` to the commit. */
export interface RefundTransaction {
  /** Locks the payment (FOR UPDATE); undefined for another merchant's payment and the other mode's alike. */
  lockPayment(scope: MerchantScope, paymentId: string): Promise<PaymentRecord | undefined>;
  /** The refund already recorded with this idempotency key in this scope, if any. */
  refundByKey(scope: MerchantScope, idempotencyKey: string): Promise<RefundRecord | undefined>;
  /** Writes the refund (PENDING), the payment's new pending total and the event (outbox). */
  record(
    payment: PaymentRecord,
    decision: RefundDecision,
  ): Promise<{ refund: RefundRecord; payment: PaymentRecord }>;
}

/** Refunds a merchant (or the saga) asks for, recorded against their payment. */
export interface RefundStore {
  readonly inTransaction: UnitOfWork<RefundTransaction>;
  /**
   * A payment's refunds, newest first, a page at a time (after the refund `startingAfter`); undefined for
   * another merchant's payment and the other mode's alike.
   */
  listForPayment(
    scope: MerchantScope,
    paymentId: string,
    page: { limit: number; startingAfter?: string },
  ): Promise<{ payment: PaymentRecord; refunds: RefundRecord[]; hasMore: boolean } | undefined>;
  /** A refund with its payment; undefined for another merchant's refund and the other mode's alike. */
  findRefund(
    scope: MerchantScope,
    refundId: string,
  ): Promise<{ refund: RefundRecord; payment: PaymentRecord } | undefined>;
}
