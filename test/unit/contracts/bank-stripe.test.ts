import { STRIPE_METADATA } from '../../../lambdas/core/config/processors';
import { bankContract } from '../../contracts/bank.contract';
import { connectorEnv } from '../../support/bank-simulator';
import { privateStripeSimulator, testStripeBank } from '../../support/stripe-simulator';

/** The Stripe connector against the Stripe simulator (Stripe's test PaymentMethods and semantics), in this process. */
const { url, controls } = await privateStripeSimulator();

bankContract('Stripe, Stripe simulator', {
  connector: (options) => testStripeBank(url, connectorEnv(options)),
  sources: { approved: 'pm_card_visa', insufficientFunds: 'pm_card_chargeDeclinedInsufficientFunds' },
  // Stripe makes the PaymentIntent or refund, and withholds its answer beyond the connector's time-out.
  chargeAnswerLost: {
    source: 'pm_card_visa',
    arm: async () => controls.failNext(1, 'hang', '/v1/payment_intents'),
  },
  refundAnswerLost: { source: 'pm_card_visa', arm: async () => controls.failNext(1, 'hang', '/v1/refunds') },
  refundRefused: { source: 'pm_card_visa', refundedInFullFirst: true, reason: 'charge_already_refunded' },
  laterRefunds: {
    pendingThenSucceeds: 'pm_card_pendingRefund',
    failsLater: { source: 'pm_card_refundFail', reason: 'expired_or_canceled_card' },
    decide: async () => {
      controls.runLater();
    },
  },
  chargesFor: async (paymentId) =>
    controls
      .paymentIntents()
      .filter((intent) => intent.metadata[STRIPE_METADATA.paymentId] === paymentId)
      .filter((intent) => intent.status === 'succeeded').length,
  refundsFor: async (refundId) =>
    controls
      .refunds()
      .filter((refund) => refund.metadata[STRIPE_METADATA.refundId] === refundId)
      .filter((refund) => refund.status === 'succeeded' || refund.status === 'pending').length,
});
