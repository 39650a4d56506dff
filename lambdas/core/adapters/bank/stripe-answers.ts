import Stripe from 'stripe';
import type { BankAnswerClass } from './bank-answers';

/**
 * What Stripe's answers mean for ASPay, decided in this one place, next to the connector that receives them
 * (stripe-bank.ts), as bank-answers.ts does for ASPay's own bank contract. Error types and codes:
 * https://docs.stripe.com/api/errors, https://docs.stripe.com/error-codes, https://docs.stripe.com/declines.
 */

/** The class of a Stripe error: `in_flight` never arises apart (409 is retried with the transient ones). */
export type StripeErrorClass = Extract<BankAnswerClass, 'decline' | 'retry' | 'credentials' | 'contract'>;

/** The code of Stripe's 409 while another request with the same idempotency key is still running. */
const KEY_IN_USE = 'idempotency_key_in_use';

/**
 * - a card error (402) is Stripe's definite "no" about this card: a decline;
 * - rate limits (429), Stripe's own failures (5xx), a network failure or time-out, and 409 (another request
 *   with this idempotency key is still running, or a lock conflict) may answer otherwise later: retried by
 *   ASPay's policy and counted by the breaker (https://docs.stripe.com/error-low-level#server-errors);
 * - 401/403 are our keys, anything else (invalid request, idempotency key reused with other parameters) our
 *   request: an operator must look; never a decision about the payment.
 */
export function classifyStripeError(error: Stripe.errors.StripeError): StripeErrorClass {
  if (error instanceof Stripe.errors.StripeCardError) return 'decline';
  if (error instanceof Stripe.errors.StripeRateLimitError) return 'retry';
  if (error instanceof Stripe.errors.StripeConnectionError) return 'retry';
  if (error instanceof Stripe.errors.StripeAuthenticationError) return 'credentials';
  if (error instanceof Stripe.errors.StripePermissionError) return 'credentials';
  if (error instanceof Stripe.errors.StripeAPIError) {
    const status = error.statusCode ?? 500;
    if (status >= 500 || status === 409 || error.code === KEY_IN_USE) return 'retry';
  }
  return 'contract';
}

/** A card decline's reason: the issuer's `decline_code` when Stripe has one, else Stripe's `code`. */
export function declineReason(error: { decline_code?: string | null; code?: string | null }): string {
  return error.decline_code ?? error.code ?? 'card_declined';
}

/**
 * Refusals of a refund that are Stripe's definite "no" about this refund (400s, not card errors): the charge is
 * refunded in full already, or the amount exceeds what is left (https://docs.stripe.com/error-codes). Stripe
 * may name the `amount` param of an over-refund without a code; that is the same refusal.
 */
export function refundRefusal(error: Stripe.errors.StripeError): string | undefined {
  if (!(error instanceof Stripe.errors.StripeInvalidRequestError)) return undefined;
  if (error.code === 'charge_already_refunded' || error.code === 'amount_too_large') return error.code;
  return error.code === undefined && error.param === 'amount' ? 'amount_too_large' : undefined;
}

/**
 * The one reason ASPay cancels a PaymentIntent: it needs the customer's authentication (3-D Secure), which a
 * server-to-server payment cannot give. Stripe's `abandoned` cancellation reason records it, so a later lookup
 * tells the same decline (https://docs.stripe.com/api/payment_intents/cancel).
 */
export const AUTHENTICATION_CANCELLATION = 'abandoned';
const AUTHENTICATION_REQUIRED = 'authentication_required';

/** What a PaymentIntent's state means for its payment (https://docs.stripe.com/payments/paymentintents/lifecycle). */
export type IntentState =
  | { readonly kind: 'approved'; readonly chargeId: string }
  | { readonly kind: 'declined'; readonly reason: string }
  /** 3-D Secure asked for: ASPay cancels it and declines the payment. */
  | { readonly kind: 'needs_authentication' }
  /** Not decided yet (`processing`): ask again later. */
  | { readonly kind: 'processing' }
  /** A state ASPay never leaves a PaymentIntent in: an operator must look. */
  | { readonly kind: 'unexpected'; readonly status: string };

export function intentState(intent: Stripe.PaymentIntent): IntentState {
  switch (intent.status) {
    case 'succeeded':
      return { kind: 'approved', chargeId: intent.id };
    case 'requires_action':
      return { kind: 'needs_authentication' };
    case 'processing':
      return { kind: 'processing' };
    case 'canceled':
      return {
        kind: 'declined',
        reason: intent.last_payment_error
          ? declineReason(intent.last_payment_error)
          : intent.cancellation_reason === AUTHENTICATION_CANCELLATION
            ? AUTHENTICATION_REQUIRED
            : `canceled_${intent.cancellation_reason ?? 'at_stripe'}`,
      };
    case 'requires_payment_method':
      // After a failed confirmation: the card was declined (https://docs.stripe.com/declines).
      if (intent.last_payment_error)
        return { kind: 'declined', reason: declineReason(intent.last_payment_error) };
      return { kind: 'unexpected', status: intent.status };
    default:
      return { kind: 'unexpected', status: intent.status };
  }
}

/**
 * A refund's state: `succeeded` or `pending` is a refund Stripe accepted (a later failure comes as an event);
 * `failed` or `canceled` did not happen (https://docs.stripe.com/refunds#refund-statuses).
 */
export function refundState(
  refund: Stripe.Refund,
):
  | { kind: 'refunded'; bankRefundId: string }
  | { kind: 'rejected'; reason: string }
  | { kind: 'unexpected' } {
  switch (refund.status) {
    case 'succeeded':
    case 'pending':
      return { kind: 'refunded', bankRefundId: refund.id };
    case 'failed':
    case 'canceled':
      return { kind: 'rejected', reason: refund.failure_reason ?? `refund_${refund.status}` };
    default:
      return { kind: 'unexpected' };
  }
}
