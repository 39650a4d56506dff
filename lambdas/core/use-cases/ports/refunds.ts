import type { EventEnvelope } from '../../domain/events';
import type { PaymentStatus } from '../../domain/payment';
import type { MerchantScope } from './merchants';
import type { PaymentRecord } from './payments';

/** Refunds as the API and the saga record them against their payment. */

export interface RefundRecord {
  readonly id: string;
  readonly paymentId: string;
  readonly amount: string;
  readonly currency: string;
  readonly reason: string | null;
  readonly requestHash: string;
  readonly createdAt: Date;
}

export interface NewRefund {
  readonly id: string;
  /** A merchant's refund, or the saga's compensation of a payment the ledger could not post. */
  readonly kind: 'merchant' | 'compensation';
  readonly idempotencyKey: string;
  readonly requestHash: string;
  readonly amount: string;
  readonly reason: string | null;
}

/** What a refund does to its payment, decided by the domain while the payment row is locked. */
export interface RefundDecision {
  readonly refund: NewRefund;
  readonly refundedAfter: string;
  readonly statusAfter: PaymentStatus;
  readonly event: EventEnvelope;
}

/** Refunds a merchant (or the saga) asks for, recorded against their payment. */
export interface RefundStore {
  /**
   * Locks the payment, lets `decide` plan the refund against its current state, then writes the refund,
   * the payment's new totals and status, a history row when the status changes and the outbox row, in
   * one transaction. A key already used returns the existing refund and writes nothing.
   */
  refund(
    scope: MerchantScope,
    paymentId: string,
    idempotencyKey: string,
    decide: (payment: PaymentRecord) => RefundDecision,
  ): Promise<{ refund: RefundRecord; payment: PaymentRecord; created: boolean } | undefined>;
}
