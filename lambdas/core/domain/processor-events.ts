import type { Mode } from './mode';
import { canTransition, type PaymentStatus, type RefundStatus } from './payment';

/**
 * What a payment processor told ASPay after the fact (a Stripe webhook event), in ASPay's terms: the
 * processor's adapter reads its own event shape into one of these, the use case applies it. Each carries what
 * ASPay wrote on the processor's object to find its payment (and refund) again.
 */

/** ASPay's ids as the processor's object carries them (metadata); absent on an object ASPay did not create. */
export interface AspayReference {
  readonly paymentId?: string;
  readonly merchantId?: string;
}

export type ProcessorEventMeaning =
  /** The processor charged the payment: its charge id is the bank's. */
  | { readonly kind: 'payment_succeeded'; readonly ref: AspayReference; readonly chargeId: string }
  | { readonly kind: 'payment_failed'; readonly ref: AspayReference; readonly reason: string }
  /** The processor settled a refund: succeeded, or failed (canceled included) with a reason. */
  | {
      readonly kind: 'refund_succeeded';
      readonly ref: AspayReference;
      readonly refundId?: string;
      readonly bankRefundId: string;
    }
  | {
      readonly kind: 'refund_failed';
      readonly ref: AspayReference;
      readonly refundId?: string;
      readonly bankRefundId: string;
      readonly reason: string;
    }
  /** A customer disputed a charge: the dispute and its charge, amounts as the processor states them. */
  | {
      readonly kind: 'dispute_opened';
      readonly chargeId: string;
      readonly disputeId: string;
      readonly details: Readonly<Record<string, string | number>>;
    }
  /** Nothing ASPay acts on (another type, a refund still pending). */
  | { readonly kind: 'other' };

export interface ProcessorEvent {
  /** The processor's event id: each is applied once. */
  readonly id: string;
  readonly type: string;
  readonly mode: Mode;
  /** The id of the processor's object the event is about (PaymentIntent, Refund, Dispute). */
  readonly objectId: string | null;
  readonly meaning: ProcessorEventMeaning;
}

/**
 * How an event ended, as recorded with it: `applied` (it moved a payment or refund), `ignored` (nothing ASPay
 * acts on), `ignored_stale` (the payment or refund is already past what it reports: nothing moves backwards),
 * `unmatched` (no payment of this merchant and mode), `dispute_recorded`.
 */
export const PROCESSOR_EVENT_OUTCOMES = [
  'applied',
  'ignored',
  'ignored_stale',
  'unmatched',
  'dispute_recorded',
] as const;
export type ProcessorEventOutcome = (typeof PROCESSOR_EVENT_OUTCOMES)[number];

/** A processor's payment outcome applies only where the lifecycle allows it: to a PENDING payment. */
export function paymentOutcomeApplies(status: PaymentStatus, to: 'SUCCESS' | 'FAILED'): boolean {
  return canTransition(status, to);
}

/**
 * What a processor's refund outcome does to ASPay's refund, by its status: a PENDING refund is executed or
 * failed; an EXECUTED one (the processor had accepted it) that fails after all is reversed; anything else is
 * stale (a FAILED refund never comes back, an executed one is not executed twice).
 */
export function refundOutcomeStep(
  status: RefundStatus,
  outcome: 'succeeded' | 'failed',
): 'execute' | 'fail' | 'reverse' | 'stale' {
  if (status === 'PENDING') return outcome === 'succeeded' ? 'execute' : 'fail';
  if (status === 'EXECUTED' && outcome === 'failed') return 'reverse';
  return 'stale';
}
