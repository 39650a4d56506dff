import type { Mode } from '../../domain/mode';
import type { Money } from '../../domain/money';

/** The bank: charges, refunds and the reconciliation lookup, per mode. */

export interface ChargeRequest {
  /** Sent as the bank's idempotency key: a retried charge can never charge twice. */
  readonly paymentId: string;
  /** The payment's merchant: a processor that reports later (Stripe's events) names it back. */
  readonly merchantId: string;
  readonly amount: Money;
  readonly source: string;
  /**
   * Earlier attempts that ended without the bank's decision (absent for the first). A retry of a payment the
   * bank kept failing does not count toward opening the circuit breaker: one payment the bank always fails
   * must not stop everyone's.
   */
  readonly earlierAttempts?: number;
}

export type ChargeOutcome =
  | { readonly kind: 'approved'; readonly chargeId: string }
  | { readonly kind: 'declined'; readonly reason: string }
  /**
   * No decision: the bank could not be reached, kept failing, is still running another call for this key,
   * or answered something only an operator can fix. Try again later.
   */
  | { readonly kind: 'unavailable'; readonly reason: string }
  /** Not sent: the circuit breaker is open. The bank was not asked, so this attempt does not count. */
  | { readonly kind: 'circuit_open' };

/** What the bank knows about a charge, looked up by its idempotency key (the payment id). */
export type ChargeLookup =
  | { readonly kind: 'approved'; readonly chargeId: string }
  | { readonly kind: 'declined'; readonly reason: string }
  /** The bank never charged with this key. */
  | { readonly kind: 'not_found' }
  | { readonly kind: 'unavailable'; readonly reason: string };

export interface BankRefundRequest {
  readonly chargeId: string;
  /** Sent as the bank's idempotency key for the refund. */
  readonly refundId: string;
  /** The refunded payment and its merchant: a processor that reports later names them back. */
  readonly paymentId: string;
  readonly merchantId: string;
  readonly amount: Money;
  /** Earlier attempts that ended without the bank's decision: see `ChargeRequest.earlierAttempts`. */
  readonly earlierAttempts?: number;
}

export type BankRefundOutcome =
  | { readonly kind: 'refunded'; readonly bankRefundId: string }
  | { readonly kind: 'rejected'; readonly reason: string }
  | { readonly kind: 'unavailable'; readonly reason: string }
  | { readonly kind: 'circuit_open' };

/**
 * What the bank knows about a refund, looked up by its idempotency key (the refund id). `refunded` means the
 * processor accepted the refund (Stripe `succeeded` or `pending`); a later failure reaches ASPay as an inbound
 * processor event.
 */
export type RefundLookup =
  | { readonly kind: 'refunded'; readonly bankRefundId: string }
  | { readonly kind: 'rejected'; readonly reason: string }
  /** The bank never refunded with this key. */
  | { readonly kind: 'not_found' }
  | { readonly kind: 'unavailable'; readonly reason: string };

/**
 * Each call may take the caller's claim signal: once it aborts, the call is abandoned (its retries too) and
 * answers `unavailable`, so the caller has left the bank before another caller may take over its claim.
 */
export interface Bank {
  charge(request: ChargeRequest, signal?: AbortSignal): Promise<ChargeOutcome>;
  refund(request: BankRefundRequest, signal?: AbortSignal): Promise<BankRefundOutcome>;
  /**
   * Reconciliation: the outcome of the charge sent with this request's idempotency key (the payment id), if the
   * bank has one. Takes the whole request: a processor may find out by replaying it, as Stripe does within its
   * idempotency window.
   */
  lookupCharge(request: ChargeRequest, signal?: AbortSignal): Promise<ChargeLookup>;
  /** Reconciliation: the outcome of the refund sent with this request's idempotency key (the refund id). */
  lookupRefund(request: BankRefundRequest, signal?: AbortSignal): Promise<RefundLookup>;
}

/** The bank per mode: the live bank for live payments, its sandbox for test payments. */
export type Banks = Readonly<Record<Mode, Bank>>;
