import type { EventEnvelope } from '../../domain/events';
import type { Mode } from '../../domain/mode';
import type { Money } from '../../domain/money';
import type { PaymentStatus } from '../../domain/payment';
import type { MerchantScope } from './merchants';

/** Payments as the API records and reads them, scoped to a merchant and a mode. */

export interface PaymentRecord {
  readonly id: string;
  readonly merchantId: string;
  /** The mode of the key that created it, for good. */
  readonly mode: Mode;
  readonly status: PaymentStatus;
  readonly amount: Money;
  /** The amount's currency code. */
  readonly currency: string;
  /** What the refunds the bank executed add up to, in the amount's currency. */
  readonly refundedAmount: Money;
  /** What the refunds recorded and not yet executed (nor failed) add up to. */
  readonly pendingRefundAmount: Money;
  readonly source: string;
  readonly description: string | null;
  readonly customer: string | null;
  readonly metadata: Record<string, string>;
  readonly failureReason: string | null;
  readonly requestHash: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface StatusChangeRecord {
  readonly from: PaymentStatus | null;
  readonly to: PaymentStatus;
  readonly reason: string | null;
  readonly occurredAt: Date;
}

export interface NewPayment {
  readonly id: string;
  readonly merchantId: string;
  readonly mode: Mode;
  readonly idempotencyKey: string;
  readonly requestHash: string;
  readonly amount: Money;
  readonly currency: string;
  readonly source: string;
  readonly description: string | null;
  readonly customer: string | null;
  readonly metadata: Record<string, string>;
}

export interface PaymentStore {
  /**
   * Writes the payment, its first history row and its `payment.initiated` event (outbox) in one transaction.
   * When the merchant already used the idempotency key in this mode, writes nothing and returns the existing
   * payment.
   */
  create(
    payment: NewPayment,
    initiated: EventEnvelope<'payment.initiated'>,
  ): Promise<{ payment: PaymentRecord; created: boolean }>;
  /** Undefined for another merchant's payment and for a payment of the other mode alike. */
  find(scope: MerchantScope, paymentId: string): Promise<PaymentRecord | undefined>;
  history(paymentId: string): Promise<StatusChangeRecord[]>;
  list(
    scope: MerchantScope,
    query: { limit: number; startingAfter?: string; status?: PaymentStatus },
  ): Promise<{ payments: PaymentRecord[]; hasMore: boolean }>;
}
