/**
 * Stripe's test PaymentMethods (and their `tok_*` card tokens), with what each one does when a PaymentIntent is
 * confirmed with it, as documented at https://docs.stripe.com/testing (declines: #declined-payments, refunds:
 * #refunds, disputes: #disputes, 3-D Secure: #regulatory-cards).
 */

export interface CardDecline {
  code: string;
  declineCode: string;
  message: string;
}

export interface TestCard {
  brand: 'visa' | 'mastercard';
  last4: string;
  /** The charge is declined (402 card_error): https://docs.stripe.com/testing#declined-payments */
  decline?: CardDecline;
  /** 3-D Secure on every payment; off-session it is declined with `authentication_required`. */
  authenticationRequired?: boolean;
  /**
   * `refundFail`: the refund starts `succeeded` and later turns `failed` (failure_reason
   * expired_or_canceled_card); `pendingRefund`: it starts `pending` and later turns `succeeded`
   * (https://docs.stripe.com/testing#refunds).
   */
  refund?: 'fails_later' | 'pending_then_succeeds';
  /** The charge succeeds, then is disputed as fraudulent (https://docs.stripe.com/testing#disputes). */
  disputed?: boolean;
}

const CARD_DECLINED = 'Your card was declined.';

export const TEST_CARDS: Readonly<Record<string, TestCard>> = {
  visa: { brand: 'visa', last4: '4242' },
  mastercard: { brand: 'mastercard', last4: '4444' },
  chargeDeclined: {
    brand: 'visa',
    last4: '0002',
    decline: { code: 'card_declined', declineCode: 'generic_decline', message: CARD_DECLINED },
  },
  chargeDeclinedInsufficientFunds: {
    brand: 'visa',
    last4: '9995',
    decline: {
      code: 'card_declined',
      declineCode: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
    },
  },
  chargeDeclinedFraudulent: {
    brand: 'visa',
    last4: '0019',
    decline: { code: 'card_declined', declineCode: 'fraudulent', message: CARD_DECLINED },
  },
  authenticationRequired: { brand: 'visa', last4: '3184', authenticationRequired: true },
  refundFail: { brand: 'visa', last4: '5126', refund: 'fails_later' },
  pendingRefund: { brand: 'visa', last4: '7726', refund: 'pending_then_succeeds' },
  createDispute: { brand: 'visa', last4: '0259', disputed: true },
};

/** Off-session payments that need authentication are declined: https://docs.stripe.com/testing#regulatory-cards */
export const AUTHENTICATION_REQUIRED: CardDecline = {
  code: 'authentication_required',
  declineCode: 'authentication_required',
  message: 'Your card was declined. This transaction requires authentication.',
};

/** `pm_card_visa` or `tok_visa` → the `visa` test card; anything else is unknown. */
export function testCardName(reference: string): string | undefined {
  const match = /^(?:pm_card_|tok_)(\w+)$/.exec(reference);
  const name = match?.[1];
  return name !== undefined && name in TEST_CARDS ? name : undefined;
}
